/**
 * The change verbs' Slack-facing part: parsing and the acknowledgement, through the same router
 * the edge uses, against the test configuration. No AWS SDK may be loaded on this path.
 */
import { join } from 'node:path';
import { errorReply } from '../../src/slack/reply';
import { loadConfigFile } from '../../src/config/load';
import { createLogger } from '../../src/log';
import type { CommandSpec, Parsed } from '../../src/commands/types';
import type * as RegisterModule from '../../src/deploy/register';
import { DIGEST } from '../helpers/aws-fixtures';
import { route } from '../../src/commands/router';

jest.mock('@aws-sdk/client-ecs', () => {
  throw new Error('the Slack-facing path loaded @aws-sdk/client-ecs');
});
jest.mock('@aws-sdk/client-ecr', () => {
  throw new Error('the Slack-facing path loaded @aws-sdk/client-ecr');
});
jest.mock('@aws-sdk/client-cloudwatch-logs', () => {
  throw new Error('the Slack-facing path loaded @aws-sdk/client-cloudwatch-logs');
});

const config = loadConfigFile(join(__dirname, '../fixtures/chatops.test.yml'));
const rt = { config };
const silent = createLogger({}, 'error');

function parse(text: string, channelId = 'CPROD'): { spec: CommandSpec<never>; parsed: Parsed<Record<string, unknown>> } {
  return route(rt, { text, channelId, userId: 'UDEV1' }) as never;
}

/** The reply a user would see for `text`. */
function answer(text: string): string {
  try {
    parse(text);
  } catch (err) {
    const msg = errorReply(err, silent);
    return JSON.stringify(msg.blocks);
  }
  throw new Error(`expected ${text} to be refused`);
}

describe('deploy', () => {
  it('parses a tag, the reason and --dry-run, and acks in words', () => {
    const { spec, parsed } = parse('deploy web v1.2.3 --reason "checkout fix" --dry-run');
    expect(parsed.environment).toBe('prod');
    expect(parsed.args).toEqual({ alias: 'web', image: { tag: 'v1.2.3' }, reason: 'checkout fix', dryRun: true });
    expect(spec.kind).toBe('change');
    expect(parse('deploy web v1.2.3').spec.ackText!(parse('deploy web v1.2.3').parsed as never, 'en')).toBe(
      'Preparing the deploy of `web` to `v1.2.3` in `prod`…',
    );
  });

  it('takes a digest', () => {
    expect(parse(`deploy web ${DIGEST}`).parsed.args.image).toEqual({ digest: DIGEST });
  });

  it('--dry-run before the tag does not eat it', () => {
    expect(parse('deploy --dry-run web v2').parsed.args).toMatchObject({ alias: 'web', image: { tag: 'v2' }, dryRun: true });
  });

  it.each([
    ['deploy', 'Missing the service, e.g. `/ecs deploy web v1.2.3`'],
    ['deploy web', 'Missing the image tag or digest, e.g. `/ecs deploy web v1.2.3`'],
    ['deploy web v1 2', 'Unexpected extra input: `2`'],
    ['deploy web -v1', 'cannot start with `-`'],
    ['deploy web shop/web:v1', 'Did you mean `v1`?'],
    ['deploy web sha256:123', 'exactly 64 hex characters'],
    ['deploy webb v1', 'Did you mean `web`'],
    ['deploy web v1 --force', 'Unknown flag `--force`'],
    ['deploy web v1 --reason', '--reason: the reason is missing'],
  ])('%s → %s', (text, expected) => {
    const reply = answer(text);
    expect(reply).toContain(expected.replace(/"/g, '\\"'));
    expect(reply).toContain('/ecs deploy &lt;service&gt; &lt;tag | sha256:digest&gt;');
  });
});

it('a reason longer than 500 characters is refused with the limit named and the usage', () => {
  const refused = answer(`deploy web v1 --reason "${'x'.repeat(501)}"`);
  expect(refused).toContain('keep it under 500 characters');
  expect(refused).toContain('*Usage:* `/ecs deploy');
});

describe('promote', () => {
  // Was written at parse time in the workspace's language: English for a Korean reader, whose other acks were Korean.
  it("acks in the reader's language, dry run or not", () => {
    const ack = (text: string, locale: 'en' | 'ko') => {
      const { spec, parsed } = parse(text);
      return spec.ackText!(parsed as never, locale);
    };
    expect(ack('promote web --from staging', 'en')).toBe(
      'Preparing the promotion of the image that completed healthy in `staging` to `web` in `prod`…',
    );
    expect(ack('promote web --from staging', 'ko')).toBe('`staging`에서 정상 완료된 이미지를 `prod`의 `web` 서비스로 승격할 준비 중…');
    expect(ack('promote web --from staging --dry-run', 'ko')).toBe(
      '`staging`에서 정상 완료된 이미지를 `prod`의 `web` 서비스로 승격하는 계획을 세우는 중 (드라이 런)…',
    );
  });
});

describe('rollback', () => {
  it('acks with the particle its target takes in Korean: 리비전 40으로, 리비전 42로, 이전 작업 정의로', () => {
    const ack = (text: string) => {
      const { spec, parsed } = parse(text);
      return spec.ackText!(parsed as never, 'ko');
    };
    expect(ack('rollback web --to 40')).toBe('`prod`에서 `web` 서비스를 리비전 40으로 되돌릴 준비 중…');
    expect(ack('rollback web --to 42 --dry-run')).toBe('`prod`에서 `web` 서비스를 리비전 42로 되돌리는 계획을 세우는 중 (드라이 런)…');
    expect(ack('rollback web')).toBe('`prod`에서 `web` 서비스를 이전 작업 정의로 되돌릴 준비 중…');
  });
});

describe('scale', () => {
  it('parses a count within the bounds', () => {
    expect(parse('scale web 8').parsed.args).toEqual({ alias: 'web', count: 8, reason: undefined, dryRun: false });
    expect(parse('scale web 8').spec.ackText!(parse('scale web 8').parsed as never, 'en')).toBe(
      'Preparing scaling `web` to 8 tasks in `prod`…',
    );
  });
  it.each([
    ['scale web 41', 'outside the allowed range for `web`: 2 to 40 tasks'],
    ['scale web 1', 'outside the allowed range for `web`: 2 to 40 tasks'],
    ['scale web -1', 'cannot be negative'],
    ['scale web 2.5', 'whole number'],
    ['scale web lots', 'as digits'],
    ['scale web', 'Missing the number of tasks, e.g. `/ecs scale web 8`'],
  ])('%s → %s', (text, expected) => {
    expect(answer(text)).toContain(expected);
  });
});

describe('rollback and restart', () => {
  it('rollback to the previous task definition, or --to a revision', () => {
    expect(parse('rollback web').parsed.args).toEqual({ alias: 'web', to: undefined, reason: undefined, dryRun: false });
    expect(parse('rollback web --to 41').parsed.args).toMatchObject({ to: 41 });
    expect(parse('rollback web').spec.ackText!(parse('rollback web').parsed as never, 'en')).toBe(
      'Preparing the rollback of `web` to the previous task definition in `prod`…',
    );
  });
  it.each([
    ['rollback web --to', '`--to` needs a revision number'],
    ['rollback web --to web-prod:41', 'Give only the revision number: `--to 41`'],
    ['rollback web --to latest', 'is not a task definition revision'],
    ['rollback web --to latest', '`/ecs taskdef web` shows the revision it runs; `/ecs history web` the ones before.'],
    ['rollback web --to 0', 'Revision numbers start at 1'],
    ['rollback', 'Missing the service'],
  ])('%s → %s', (text, expected) => {
    expect(answer(text)).toContain(expected);
  });
  it('restart takes only the service', () => {
    expect(parse('restart worker --reason "stuck connections"').parsed.args).toEqual({
      alias: 'worker',
      reason: 'stuck connections',
      dryRun: false,
    });
    expect(answer('restart worker now')).toContain('Unexpected extra input: `now`');
  });
});

it('registering the change verbs’ buttons, jobs, consumer and tick loads no AWS SDK either', () => {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- loaded here, after the SDK mocks above, on purpose
  const { registerChanges } = require('../../src/deploy/register') as typeof RegisterModule;
  expect(() => registerChanges()).not.toThrow();
});
