import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { configFile, fixtureConfig } from '../helpers/config';
import { configWarnings, loadConfigFile, parseConfig, defaultEnvironmentFor, findService } from '../../src/config/load';
import { configProblem, rawLanguage } from '../../src/config/startup';
import { isBotError } from '../../src/errors';

const fixture = join(__dirname, '../fixtures/chatops.test.yml');
const example = join(__dirname, '../../chatops.example.yml');

function errorOf(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    if (isBotError(err)) return err.message;
    throw err;
  }
  throw new Error('expected an error');
}

describe('config', () => {
  it('loads the committed example and the test fixture', () => {
    const ex = loadConfigFile(example);
    expect(Object.keys(ex.services)).toEqual(['web', 'worker', 'web-staging']);
    expect(ex.environments.prod!.approvalTtl).toBe(3_600_000);
    const cfg = loadConfigFile(fixture);
    expect(cfg.environments.staging!.approvals.deploy).toBe(0);
  });

  it('applies defaults for optional fields', () => {
    const cfg = parseConfig({
      environments: {
        dev: {
          region: 'us-east-1',
          cluster: 'dev',
          channels: ['CDEV'],
          requesters: ['*'],
          approvals: { deploy: 0, rollback: 0, scale: 0, restart: 0 },
        },
      },
      services: { api: { environment: 'dev', service: 'api', container: 'api' } },
    });
    expect(cfg.environments.dev!.readers).toEqual(['*']);
    expect(cfg.environments.dev!.deployDeadline).toBe(20 * 60_000);
    expect(cfg.services.api!.scale).toEqual({ min: 0, max: 10 });
  });

  it('names the field path and the problem for every invalid field', () => {
    const doc = parse(readFileSync(fixture, 'utf8'));
    doc.services.web.scale.max = 'lots';
    doc.environments.prod.channels = ['#deploys'];
    const msg = errorOf(() => parseConfig(doc, 'chatops.yml'));
    expect(msg).toContain('services.web.scale.max');
    expect(msg).toContain('environments.prod.channels.0: must be a Slack channel ID');
  });

  it('checks references between sections once every field is valid', () => {
    const doc = parse(readFileSync(fixture, 'utf8'));
    doc.services.worker.environment = 'production';
    doc.environments.prod.approvers = [];
    const msg = errorOf(() => parseConfig(doc));
    expect(msg).toContain('services.worker.environment: unknown environment "production"');
    expect(msg).toContain('environments.prod.approvers: approvals are required here');
  });

  it("limits: the alert paces default to 30 updates a minute (10 at once) and 60 posts a minute per channel (3 at once), and take values within Slack's limits", () => {
    expect(parseConfig(parse(readFileSync(fixture, 'utf8'))).limits).toMatchObject({
      alertUpdatesPerMinute: 30,
      alertUpdatesBurst: 10,
      alertPostsPerMinutePerChannel: 60,
      alertPostsBurstPerChannel: 3,
    });
    const doc = parse(readFileSync(fixture, 'utf8'));
    doc.limits = { alertUpdatesPerMinute: 50, alertUpdatesBurst: 1, alertPostsPerMinutePerChannel: 1, alertPostsBurstPerChannel: 1 };
    expect(parseConfig(doc).limits).toMatchObject({ ...doc.limits, commandsPerUserPerMinute: 20 });
  });

  it("limits: an alert pace of 0, below 0, a fraction, a word or above Slack's limit is refused with the field and the allowed range", () => {
    const bad = (limits: Record<string, unknown>) => {
      const doc = parse(readFileSync(fixture, 'utf8'));
      doc.limits = limits;
      return errorOf(() => parseConfig(doc, 'chatops.yml'));
    };
    const updates = 'must be a whole number from 1 to 50 (Slack allows chat.update about 50 a minute per workspace); default 30';
    expect(bad({ alertUpdatesPerMinute: 0 })).toBe(`Invalid chatops.yml:\nlimits.alertUpdatesPerMinute: ${updates}`);
    expect(bad({ alertUpdatesPerMinute: -5 })).toContain(`limits.alertUpdatesPerMinute: ${updates}`);
    expect(bad({ alertUpdatesPerMinute: 51 })).toContain(`limits.alertUpdatesPerMinute: ${updates}`);
    expect(bad({ alertUpdatesPerMinute: 2.5 })).toContain(`limits.alertUpdatesPerMinute: ${updates}`);
    expect(bad({ alertUpdatesPerMinute: 'thirty' })).toContain(`limits.alertUpdatesPerMinute: ${updates}`);
    expect(bad({ alertUpdatesBurst: 0 })).toContain('limits.alertUpdatesBurst: must be a whole number from 1 to 50');
    expect(bad({ alertPostsPerMinutePerChannel: 61 })).toContain(
      'limits.alertPostsPerMinutePerChannel: must be a whole number from 1 to 60 (Slack allows about one message a second per channel); default 60',
    );
    expect(bad({ alertPostsBurstPerChannel: 11 })).toContain(
      'limits.alertPostsBurstPerChannel: must be a whole number from 1 to 10 (Slack allows only short bursts); default 3',
    );
    // More at once than per minute.
    expect(bad({ alertUpdatesPerMinute: 6 })).toBe(
      'Invalid chatops.yml:\nlimits.alertUpdatesBurst: must not be more than alertUpdatesPerMinute',
    );
    expect(bad({ alertPostsPerMinutePerChannel: 2 })).toContain(
      'limits.alertPostsBurstPerChannel: must not be more than alertPostsPerMinutePerChannel',
    );
  });

  it('rejects a bad duration and unknown keys', () => {
    const doc = parse(readFileSync(fixture, 'utf8'));
    doc.environments.prod.approvalTtl = 'an hour';
    doc.services.web.replicas = 3;
    const msg = errorOf(() => parseConfig(doc));
    expect(msg).toContain('environments.prod.approvalTtl: "an hour" is not a duration');
    expect(msg).toMatch(/services\.web.*replicas/);
  });

  it('fails clearly on a missing file and on broken YAML', () => {
    expect(errorOf(() => loadConfigFile('/nonexistent/chatops.yml'))).toContain('Cannot read config file /nonexistent/chatops.yml');
    const dir = mkdtempSync(join(tmpdir(), 'cfg-'));
    const bad = join(dir, 'chatops.yml');
    writeFileSync(bad, 'environments: [unclosed');
    expect(errorOf(() => loadConfigFile(bad))).toContain('is not valid YAML');
  });

  it("registry: the service's own, its repository URI's, else the top-level one; the region defaults to the environment's", () => {
    const doc = parse(readFileSync(fixture, 'utf8'));
    doc.registry = { accountId: '999988887777' };
    doc.services.web.repository = '111122223333.dkr.ecr.us-east-1.amazonaws.com/shop/web';
    doc.services.worker.registry = { accountId: '444455556666' };
    const cfg = parseConfig(doc);
    expect(cfg.services.web!.repository).toBe('shop/web');
    expect(cfg.services.web!.registry).toEqual({ accountId: '111122223333', region: 'us-east-1' });
    expect(cfg.services.worker!.registry).toEqual({
      accountId: '444455556666',
      region: cfg.environments[cfg.services.worker!.environment]!.region,
    });
    const other = Object.keys(cfg.services).find((a) => !['web', 'worker'].includes(a))!;
    expect(cfg.services[other]!.registry).toEqual({
      accountId: '999988887777',
      region: cfg.environments[cfg.services[other]!.environment]!.region,
    });
    // Announced repositories still match services by name.
    expect(errorOf(() => parseConfig({ ...doc, repositories: { 'shop/nothing': {} } }))).toContain('repositories.shop/nothing');
    expect(() => parseConfig({ ...doc, repositories: { 'shop/web': {} } })).not.toThrow();
  });

  it('registry and logGroupPrefix: clear errors for a bad account, region, URI or prefix, and for settings that disagree', () => {
    const doc = parse(readFileSync(fixture, 'utf8'));
    doc.registry = { accountId: 111122223333 };
    doc.services.web.registry = { accountId: '1111', region: 'eu-*' };
    doc.services.worker.repository = '1111.dkr.ecr.eu-west-1.amazonaws.com/shop/worker';
    const envName = doc.services.web.environment;
    doc.environments[envName].logGroupPrefix = '/ecs/*';
    const msg = errorOf(() => parseConfig(doc, 'chatops.yml'));
    expect(msg).toContain('registry.accountId: must be the 12-digit AWS account ID, in quotes (such as "111122223333")');
    expect(msg).toContain('services.web.registry.accountId: must be the 12-digit AWS account ID');
    expect(msg).toContain('services.web.registry.region: must be an AWS region');
    expect(msg).toContain(
      'services.worker.repository: must be an ECR repository name such as team/web, or its URI such as 111122223333.dkr.ecr.eu-west-1.amazonaws.com/team/web',
    );
    expect(msg).toContain(`environments.${envName}.logGroupPrefix: must be the start of a log group name, such as /ecs/`);

    const clash = parse(readFileSync(fixture, 'utf8'));
    clash.services.web.repository = '111122223333.dkr.ecr.eu-west-1.amazonaws.com/shop/web';
    clash.services.web.registry = { accountId: '999988887777' };
    clash.services.worker.logGroupPrefix = '/ecs/';
    clash.services.worker.logGroup = '/ecs/worker';
    const both = errorOf(() => parseConfig(clash));
    expect(both).toContain(
      'services.web.registry: the repository URI is in registry 111122223333 (eu-west-1); registry must agree with it, or be left out',
    );
    expect(both).toContain('services.worker.logGroupPrefix: set logGroup or logGroupPrefix, not both');
  });

  it("logGroupPrefix: a service without logGroup takes its own, else its environment's; a service with logGroup has none", () => {
    const doc = parse(readFileSync(fixture, 'utf8'));
    for (const e of Object.values(doc.environments) as Array<Record<string, unknown>>) e.logGroupPrefix = '/ecs/';
    for (const s of Object.values(doc.services) as Array<Record<string, unknown>>) delete s.logGroup;
    doc.services.web.logGroup = '/ecs/web-prod';
    doc.services.worker.logGroupPrefix = '/workers/';
    const cfg = parseConfig(doc);
    expect(cfg.services.web!.logGroupPrefix).toBeUndefined();
    expect(cfg.services.worker!.logGroupPrefix).toBe('/workers/');
    const other = Object.keys(cfg.services).find((a) => !['web', 'worker'].includes(a))!;
    expect(cfg.services[other]!.logGroupPrefix).toBe('/ecs/');
  });

  it('resolves services and the default environment of a channel', () => {
    const cfg = loadConfigFile(fixture);
    expect(findService(cfg, 'web')!.env.cluster).toBe('prod');
    expect(findService(cfg, 'nope')).toBeUndefined();
    expect(defaultEnvironmentFor(cfg, 'CSTAGING')).toBe('staging');
    expect(defaultEnvironmentFor(cfg, 'CRANDOM')).toBeUndefined();
  });

  it("does not warn about an alert channel outside its environment's command channels (its buttons work there)", () => {
    // The fixture's alert channels (CALERTSSTG, CALERTS, CWORKERTEAM) are none of their environments' channels.
    expect(configWarnings(loadConfigFile(fixture))).toEqual([]);
    expect(configWarnings(loadConfigFile(example))).toEqual([]);
  });

  it('warns when no workspace is configured (requests from any workspace would be accepted)', () => {
    const cfg = fixtureConfig((d) => delete d.slack.teamId);
    expect(configWarnings(cfg)).toContainEqual(expect.stringContaining('slack.teamId is not set'));
  });
});

describe('what `npm start` says about a chatops.yml it cannot use (config/startup.ts)', () => {
  const problem = (path: string): string => {
    try {
      loadConfigFile(path);
    } catch (err) {
      return configProblem(err, path);
    }
    throw new Error('expected an error');
  };

  it('reads the language from the raw text, valid YAML or not', () => {
    expect(rawLanguage('slack:\n  language: ko\n')).toBe('ko');
    expect(rawLanguage("slack:\n  language: 'ko'  # 한국어\nservices: [")).toBe('ko');
    expect(rawLanguage('slack:\n  language: en\n')).toBe('en');
    expect(rawLanguage('services: {}\n')).toBe('en');
  });

  it('every problem with its exact path, after the sentence in the English of a file without language: ko', () => {
    const path = configFile((d) => (d.services.web.aliases = ['웹', '2h']));
    expect(problem(path)).toBe(
      `The bot's configuration is invalid (${path}).\nservices.web.aliases.1: alias "2h" of service web reads as a duration`,
    );
  });

  it('in Korean when the file asks for it; not YAML or not readable: the cause after the sentence', () => {
    const dir = mkdtempSync(join(tmpdir(), 'chatops-startup-'));
    const broken = join(dir, 'chatops.yml');
    writeFileSync(broken, 'slack:\n  language: ko\nservices: [\n');
    const text = problem(broken).split('\n');
    expect(text[0]).toBe('봇 설정이 올바른 YAML이 아닙니다.');
    expect(text[1]).toContain(`Config file ${broken} is not valid YAML`);
    expect(problem(join(dir, 'missing.yml'))).toMatch(
      /^The bot cannot read its configuration file\.\nCannot read config file .*missing\.yml/,
    );
  });
});
