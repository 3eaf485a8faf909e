/** On Lambda (AWS_LAMBDA_FUNCTION_NAME set) the handlers build their runtime during INIT. */
import { configFile, FIXTURE_CONFIG } from '../helpers/config';

const saved = { ...process.env };

function loadHandler(path: string): unknown {
  let mod: unknown;
  jest.isolateModules(() => {
    mod = require(path); // eslint-disable-line @typescript-eslint/no-require-imports -- a fresh module instance is the point of the test
  });
  return mod;
}

describe('Lambda cold start', () => {
  afterEach(() => {
    process.env = { ...saved };
  });

  it('fails INIT with the field path when chatops.yml is invalid', () => {
    const bad = configFile({
      environments: { prod: { region: 'mars-1', cluster: 'prod', channels: ['C1'], requesters: ['*'] } },
      services: {},
    });
    Object.assign(process.env, {
      AWS_LAMBDA_FUNCTION_NAME: 'ecs-chatops-test-slack',
      SLACK_BOT_TOKEN: 'xoxb-x',
      SLACK_SIGNING_SECRET: 's',
      REDIS_URL: 'redis://127.0.0.1:1',
      WORKER_FUNCTION: 'w',
      CHATOPS_CONFIG: bad,
    });
    expect(() => loadHandler('../../src/handlers/slack')).toThrow(/environments\.prod\.region: must be an AWS region/);
    expect(() => loadHandler('../../src/handlers/worker')).toThrow(/environments\.prod\.region/);
  });

  it('names the missing variables at INIT', () => {
    Object.assign(process.env, { AWS_LAMBDA_FUNCTION_NAME: 'ecs-chatops-test-slack', CHATOPS_CONFIG: FIXTURE_CONFIG });
    delete process.env.SLACK_BOT_TOKEN;
    delete process.env.SLACK_SIGNING_SECRET;
    process.env.REDIS_URL = 'redis://127.0.0.1:1';
    expect(() => loadHandler('../../src/handlers/slack')).toThrow('Missing environment variables: SLACK_BOT_TOKEN, SLACK_SIGNING_SECRET');
    // Only the Slack-facing function verifies Slack's signatures: the others are not given the signing secret.
    expect(() => loadHandler('../../src/handlers/events')).toThrow('Missing environment variable: SLACK_BOT_TOKEN');
  });
});
