/**
 * Bad inputs real people type, and what the answer says, in English and in Korean: what was wrong,
 * the usage, and a suggestion (a closest match, an example or how to write it). Through the router
 * the Slack edge uses and the one place errors become replies (src/slack/reply.ts errorReply), against
 * the test configuration, in an English workspace whose reader may read Korean. Pure: no Slack, AWS
 * or Redis. And the inputs that are understood as what they look like (full-width characters from an
 * IME, pasted zero-width spaces, a flag typed with one dash).
 */
import { join } from 'node:path';
import { route } from '../../src/commands/router';
import { loadConfigFile } from '../../src/config/load';
import { createLogger } from '../../src/log';
import { errorReply } from '../../src/slack/reply';
import { fixtureConfig } from '../helpers/config';
import type { Locale } from '../../src/i18n/locale';

const config = loadConfigFile(join(__dirname, '../fixtures/chatops.test.yml'));
const silent = createLogger({}, 'error');

/** The reply's blocks as one text (what Slack shows), or undefined when the command was accepted. */
function answer(text: string, locale: Locale): string | undefined {
  try {
    route({ config }, { text, channelId: 'CPROD', userId: 'UDEV1' });
  } catch (err) {
    const blocks = errorReply(err, silent, locale).blocks as Array<{ text?: { text: string }; elements?: Array<{ text: string }> }>;
    return blocks.map((b) => b.text?.text ?? (b.elements ?? []).map((e) => e.text).join(' ')).join('\n');
  }
  return undefined;
}

const USAGE = { en: '*Usage:* `/ecs', ko: '*사용법:* `/ecs' };

describe('help for a verb that does not exist', () => {
  // A verb typed in Korean: was "There is no command `배포`." with nothing else (`/ecs 배포` suggests `deploy`).
  it.each<[string, Locale, string]>([
    ['help 배포', 'en', 'There is no command `배포`. Did you mean `deploy`?'],
    ['help 배포', 'ko', '`배포` 명령은 없습니다. 혹시 `deploy`인가요?'],
    ['help 상태', 'ko', '혹시 `status`인가요?'],
    ['help deplyo', 'en', 'Did you mean `deploy`?'],
  ])('%s (%s)', async (text, locale, part) => {
    const { spec, parsed } = route({ config }, { text, channelId: 'CPROD', userId: 'UDEV1' });
    const err = await spec.inline!(parsed, {} as never, {} as never, locale).catch((e: unknown) => e);
    const blocks = errorReply(err, silent, locale).blocks as Array<{ text?: { text: string } }>;
    expect(blocks[0]?.text?.text).toContain(part);
    expect(JSON.stringify(blocks)).toContain(USAGE[locale]);
  });
});

describe('a flag given twice with the same value is taken once', () => {
  it.each(['tasks web --stopped --stopped', 'deploy web v1 --reason "a b" --reason=\'a b\''])('%s', (text) => {
    expect(answer(text, 'en')).toBeUndefined();
  });
});

describe('words that name built-in properties of an object', () => {
  // `__proto__` crashed the unknown-verb answer (an internal error instead of an answer).
  it.each(['__proto__', 'constructor', 'toString', 'hasOwnProperty'])('the verb %s is an unknown command', (verb) => {
    expect(answer(verb, 'en')).toContain(`There is no command \`${verb.toLowerCase()}\`.`);
    expect(answer(verb, 'ko')).toContain(`\`${verb.toLowerCase()}\``);
  });
  it.each(['__proto__', 'constructor'])('a flag --%s is refused, named in the answer (guard)', (flag) => {
    expect(answer(`logs web --${flag} x`, 'en')).toContain(`--${flag}`);
  });
});

describe('bad inputs: what was wrong, the usage and a suggestion, in English and Korean', () => {
  // [input, English parts, Korean parts]: each part must be in the answer.
  it.each<[string, string[], string[]]>([
    // `help` with a word too many: was zod's "Invalid input", in English for everyone.
    ['help deploy extra', ['Unexpected extra input: `extra`.'], ['필요 없는 입력이 있습니다: `extra`.']],
    // history's --limit: was "--limit: --limit must be …" and "Missing --limit." without an example.
    [
      'history web --limit 1e3',
      ['--limit: the number of deployments must be a whole number like 3'],
      ['--limit: 배포 수 값은 3처럼 자연수여야 합니다'],
    ],
    ['history web --limit', ['Missing the number of deployments, e.g. `--limit 25`.'], ['빠진 값이 있습니다: 배포 수. 예: `--limit 25`']],
    // resize in vCPU and GB: was "must be a whole number like 3" (3 is no CPU value); the example is a real one.
    [
      'resize web --cpu 0.5 --memory 1GB',
      ['the CPU must be a whole number like 512 (0.5 vCPU)'],
      ['CPU 값은 512 (0.5 vCPU)처럼 자연수여야 합니다'],
    ],
    [
      'resize web --cpu 512 --memory 1GB',
      ['the memory must be a whole number like 1024 (1 GB)'],
      ['메모리 값은 1024 (1 GB)처럼 자연수여야 합니다'],
    ],
    // --at +400d: was "not a time I can read"; the units it reads and how far ahead.
    [
      'scale web 3 --at +400d',
      ['`--at +400d`: after `+` I read minutes (`m`) or hours (`h`)', 'at most 14d ahead'],
      ['`+` 뒤에는 분(`m`)이나 시간(`h`)만 쓸 수 있습니다', '최대 14일 뒤까지'],
    ],
    // --reason with no value: was "give the reason in quotes".
    ['deploy web v1.2.3 --reason', ['the reason is missing'], ['사유가 빠졌습니다']],
    // --at: a typo of next-window gets the spelling; the answers follow the reader's language (were the workspace's).
    [
      'deploy web v1 --at next-windw',
      ['`--at next-windw` is not a time I can read. Did you mean `--at next-window`?', '`--at 02:00` (the next 02:00)'],
      ['`--at next-windw`: 읽을 수 있는 시각이 아닙니다. 혹시 `--at next-window`인가요?', '`--at 02:00`(다가오는 02:00)'],
    ],
    [
      'restart web --at tomorrow',
      ['`--at tomorrow` is not a time I can read.', '`--at tomorrow 02:00`'],
      ['`--at tomorrow`: 읽을 수 있는 시각이 아닙니다.', '`--at 내일 02:00`'],
    ],
    ['restart web --break-glass', ['`--break-glass` needs the reason in quotes'], ['`--break-glass`에는 따옴표로 감싼 사유가 필요합니다']],
    // A time split by a space: was only "Unexpected extra input".
    [
      'deploy web v1.2.3 --at 2026-12-04 02:00',
      ['Unexpected extra input: `02:00`. Did you mean `--at 2026-12-04T02:00`?'],
      ['혹시 `--at 2026-12-04T02:00`인가요?'],
    ],
    // A reason of several words without quotes: was only "Unexpected extra input: `the payment bug`".
    [
      'deploy web v1.2.3 --reason fix the payment bug --dry-run',
      [
        'Unexpected extra input: `the payment bug`. A reason of several words goes in quotes after --reason, e.g. `/ecs deploy web v1.2.3 --dry-run --reason "fix the payment bug"`.',
      ],
      ['여러 단어로 된 사유는 --reason 뒤에 따옴표로 감싸 쓰세요. 예: `/ecs deploy web v1.2.3 --dry-run --reason "fix the payment bug"`'],
    ],
    [
      'restart web --break-glass checkout is down --at next-window',
      [
        'A reason of several words goes in quotes after --break-glass, e.g. `/ecs restart web --at next-window --break-glass "checkout is down"`.',
      ],
      ['여러 단어로 된 사유는 --break-glass 뒤에 따옴표로 감싸 쓰세요.'],
    ],
    ['logs web --until 2026-12-03 10:00', ['Did you mean `--until 2026-12-03T10:00`?'], ['혹시 `--until 2026-12-03T10:00`인가요?']],
    // Read verbs without a service: were English sentences for a Korean reader.
    [
      'tasks',
      ['Missing service, e.g. `/ecs tasks web`.', 'Services: `web`'],
      ['빠진 값이 있습니다: 서비스. 예: `/ecs tasks web`', '서비스: `web`'],
    ],
    ['taskdef', ['Missing service, e.g. `/ecs taskdef web`.'], ['빠진 값이 있습니다: 서비스. 예: `/ecs taskdef web`']],
    ['rightsize', ['Missing service, e.g. `/ecs rightsize web`.'], ['빠진 값이 있습니다: 서비스. 예: `/ecs rightsize web`']],
    // resize, promote, lock!: were in the workspace's language, or English only.
    ['resize web', ['Give both `--cpu`'], ['`--cpu`(단위, 1024 = 1 vCPU)와 `--memory`(MiB)를 모두 지정하세요']],
    ['resize web --cpu --memory 512', ['--cpu: Missing the CPU, e.g. `--cpu 512`.'], ['--cpu: 빠진 값이 있습니다: CPU. 예: `--cpu 512`']],
    [
      'resize web --cpu 256 --memory',
      ['--memory: Missing the memory, e.g. `--memory 1024`.'],
      ['빠진 값이 있습니다: 메모리. 예: `--memory 1024`'],
    ],
    ['promote web', ['Where from?'], ['어디에서 가져올까요?']],
    ['lock! web', ['Taking over a lock needs a reason'], ['잠금을 넘겨받으려면 이전 잠금자가 읽을 사유가 필요합니다']],
    // An unknown service before a missing value: was "Missing …, e.g. `/ecs scale web=3 8`" (the typo echoed as an example).
    [
      'scale web=3',
      ["I don't know a service called `web=3`. Did you mean `web`?"],
      ['`web=3` 서비스를 찾을 수 없습니다. 혹시 `web`인가요?'],
    ],
    ['deploy wbe', ["I don't know a service called `wbe`. Did you mean `web`?"], ['`wbe` 서비스를 찾을 수 없습니다. 혹시 `web`인가요?']],
    // The service and its value swapped: was "I don't know a service called `v1.2.3`" with no way out.
    ['deploy v1.2.3 web', ['Did you mean `/ecs deploy web v1.2.3`?'], ['혹시 `/ecs deploy web v1.2.3`인가요?']],
    ['scale 3 web', ["I don't know a service called `3`. Did you mean `/ecs scale web 3`?"], ['혹시 `/ecs scale web 3`인가요?']],
    [
      'cost prod --period last month',
      ['Unexpected extra input: `month`. Did you mean `--period last-month`?'],
      ['혹시 `--period last-month`인가요?'],
    ],
    ['cost prod --by usage type', ['Did you mean `--by usage-type`?'], ['혹시 `--by usage-type`인가요?']],
    // A count with its unit (a Korean counter): was only "not a task count".
    ['scale web 3개', ['`3개` is not a task count. Give the number of tasks as digits. Did you mean `3`?'], ['혹시 `3`인가요?']],
    // An empty quoted value (a template's empty variable): was "`` is not a valid tag: it contains ``".
    [
      'deploy web ""',
      ['Missing the image tag or digest, e.g. `/ecs deploy web v1.2.3`.'],
      ['빠진 값이 있습니다: 이미지 태그나 다이제스트'],
    ],
    // Where to find the missing value: was only "`/ecs help` shows every command".
    [
      'deploy web',
      ['Missing the image tag or digest', '`/ecs images web` lists the tags you can deploy.'],
      ['배포할 수 있는 태그 목록: `/ecs images web`'],
    ],
    ['scale web', ['Missing the number of tasks', 'Allowed for `web`: 2 to 40 tasks.'], ['`web`에 허용된 범위: 작업 2~40개.']],
    // Echoed as read (was "`10초` is not a duration").
    ['mute web 10초 --reason test', ['Mute for at least 1m (you wrote `10s`).'], ['최소 1m 이상 꺼야 합니다 (입력: `10s`).']],
    // A unit typed as a word of its own is read with its number, and echoed in the one-word form (was "extra input `초`").
    ['mute web 10 초 --reason test', ['Mute for at least 1m (you wrote `10s`).'], ['최소 1m 이상 꺼야 합니다 (입력: `10s`).']],
    ['logs web --since 0 분', ['`--since 0m` is a window of zero length.'], ['`--since 0m`: 길이가 0인 구간입니다.']],
    ['cost prod --period 14 일', ['`14d`'], ['`14d`']],
    // A zero duration: was "`--since 0m` is not a time".
    [
      'logs web --since 0m',
      ['`--since 0m` is a window of zero length.', 'e.g. `--since 15m`'],
      ['`--since 0m`: 길이가 0인 구간입니다.', '예: `--since 15m`'],
    ],
    ['logs web --since 0분', ['`--since 0m` is a window of zero length.'], ['`--since 0m`: 길이가 0인 구간입니다.']],
    // A number without its unit: was only the general help.
    [
      'logs web --since 3',
      ['`--since 3` is not a time. A duration needs its unit: did you mean `3m`, `3h`, `3d`?'],
      ['`--since 3`: 시각으로 읽을 수 없습니다. 기간에는 단위가 필요합니다: `3m`, `3h`, `3d` 중 무엇인가요?'],
    ],
    // An empty quoted value: was "`--since ` is not a time" (the empty value echoed).
    ['logs web --since ""', ['--since: needs a value, e.g. `--since 2h`'], ['--since: 값이 필요합니다. 예: `--since 2h`']],
    ['logs web --until ""', ['--until: needs a value, e.g. `--until 30m`'], ['--until: 값이 필요합니다. 예: `--until 30m`']],
    // The example of a missing value is a whole command (was `lock web`, which is not one to copy; `/ecs tasks web` was).
    ['lock', ['Missing service, e.g. `/ecs lock web`.'], ['빠진 값이 있습니다: 서비스. 예: `/ecs lock web`']],
    ['mute web', ['Missing duration, e.g. `/ecs mute web 2h`.'], ['예: `/ecs mute web 2h`']],
    // The example reason is in the reader's language (was "load test" in the Korean answer), and a whole command.
    [
      'mute web 1h',
      ['Say why with --reason', '`/ecs mute web 1h --reason "load test"`'],
      ['--reason으로 사유를 써 주세요.', '`/ecs mute web 1h --reason "부하 테스트"`'],
    ],
    ['freeze', ['Missing environment, e.g. `/ecs freeze prod`.'], ['예: `/ecs freeze prod`']],
    // A service where an environment goes: was only "I don't know an environment called `web`".
    ['freeze web', ["I don't know an environment called `web`.", '`/ecs lock web`'], ['`web` 환경을 찾을 수 없습니다.', '`/ecs lock web`']],
    ['unfreeze web', ["I don't know an environment called `web`.", '`/ecs unlock web`'], ['`/ecs unlock web`']],
    ['freeze prd', ['`prod`'], ['`prod`']],
    // A flag given twice with different values: the first was dropped in silence (a rollback to 40, a mute
    // announced with the reason "x", the logs of the last 2h).
    [
      'rollback web --to 41 --to 40',
      ['`--to` is given twice (`41`, `40`): give it once.'],
      ['`--to`이(가) 두 번 있습니다 (`41`, `40`). 한 번만 쓰세요.'],
    ],
    ['mute web 2h --reason "load test" --reason x', ['`--reason` is given twice (`load test`, `x`)'], ['`--reason`이(가) 두 번 있습니다']],
    ['logs web --since 1h --since 2시간', ['`--since` is given twice (`1h`, `2시간`)'], ['`--since`이(가) 두 번 있습니다 (`1h`, `2시간`)']],
    ['images web --limit 2 --limit=3', ['`--limit` is given twice (`2`, `3`)'], ['`--limit`이(가) 두 번 있습니다']],
  ])('%s', (input, en, ko) => {
    for (const [locale, parts] of [
      ['en', en],
      ['ko', ko],
    ] as const) {
      const text = answer(input, locale);
      expect(text).toBeDefined();
      for (const part of parts) expect(text).toContain(part);
      expect(text).toContain(USAGE[locale]);
    }
  });

  it.each<[string, string, string]>([
    ['배포 web v1', 'Did you mean `deploy`?', '혹시 `deploy`인가요?'],
    ['스케일 web 3', 'Did you mean `scale`?', '혹시 `scale`인가요?'],
    ['상태', 'Did you mean `status`?', '혹시 `status`인가요?'],
  ])('a verb typed in Korean (%s) is answered with the command it means', (input, en, ko) => {
    expect(answer(input, 'en')).toContain(en);
    expect(answer(input, 'ko')).toContain(ko);
    expect(answer(input, 'ko')).toContain('`/ecs help`');
  });
});

describe('inputs understood as what they look like', () => {
  const parsed = (text: string) => route({ config }, { text, channelId: 'CPROD', userId: 'UDEV1' });

  it.each<[string, string, Record<string, unknown>]>([
    // Full-width forms from a Korean IME: were "There is no command `ｄｅｐｌｏｙ`" and "`４` is not a task count".
    ['ｄｅｐｌｏｙ web v1', 'deploy', { alias: 'web', image: { tag: 'v1' } }],
    ['scale ｗｅｂ ４', 'scale', { alias: 'web', count: 4 }],
    ['logs web --since ２h', 'logs', { alias: 'web', since: { ago: 7_200_000 } }],
    ['scale web 3 --reason ＂peak traffic＂', 'scale', { count: 3, reason: 'peak traffic' }],
    // A zero-width space pasted with the number: was "`3` followed by it is not a task count".
    ['scale web 3\u200b', 'scale', { count: 3 }],
    ['scale web\u2060 3', 'scale', { alias: 'web', count: 3 }],
    // A flag typed with one dash: was "Unexpected extra input: `-reason peak`".
    ['scale web 3 -reason peak', 'scale', { count: 3, reason: 'peak' }],
    ['logs web -since 2h', 'logs', { since: { ago: 7_200_000 } }],
    ['restart web -dry-run', 'restart', { dryRun: true }],
    // Korean time units (초/분/시간/일/주), in every verb that takes a duration: were "not a time" / "not a duration" / "not a whole number".
    ['logs web --since 2시간', 'logs', { since: { ago: 7_200_000 } }],
    ['logs web --since 30분 --until 10분', 'logs', { since: { ago: 1_800_000 }, until: { ago: 600_000 } }],
    ['logs web --since 3일', 'logs', { since: { ago: 3 * 86_400_000 } }],
    ['logs web --since "1시간 30분"', 'logs', { since: { ago: 5_400_000 } }],
    ['logs web --since 10m --until 0분', 'logs', { until: { ago: 0 } }],
    ['mute web 15분 --reason "배포 중"', 'mute', { durationMs: 900_000, reason: '배포 중' }],
    ['mute web 1주 --reason test', 'mute', { durationMs: 604_800_000 }],
    ['rightsize web --days 14일', 'rightsize', { days: 14 }],
    ['rightsize web --days 2주', 'rightsize', { days: 14 }],
    ['cost prod --period 7일', 'cost', { period: '7d' }],
    // A unit typed as a word of its own: was "Unexpected extra input: `시간`. Did you mean `--since 2h`?" (and
    // `1 시간 30 분` was answered with `--since 1h`, `1시간 30분` with no suggestion at all).
    ['logs web --since 2 시간', 'logs', { since: { ago: 7_200_000 } }],
    ['logs web --since 2 h', 'logs', { since: { ago: 7_200_000 } }],
    ['logs web --since 1 시간 30 분', 'logs', { since: { ago: 5_400_000 } }],
    ['logs web --since 1시간 30분', 'logs', { since: { ago: 5_400_000 } }],
    ['logs web --since 2 시간 --until 1 시간', 'logs', { since: { ago: 7_200_000 }, until: { ago: 3_600_000 } }],
    ['mute web 15 분 --reason test', 'mute', { durationMs: 900_000 }],
    ['mute web 1 시간 30 분 --reason test', 'mute', { durationMs: 5_400_000 }],
    ['mute web 1시간 30분 --reason test', 'mute', { durationMs: 5_400_000 }],
    ['cost prod --period 7 일', 'cost', { period: '7d' }],
    ['cost --period 7 d', 'cost', { period: '7d' }],
    ['rightsize web --days 2 주', 'rightsize', { days: 14 }],
  ])('%s', (input, verb, args) => {
    const { spec, parsed: p } = parsed(input);
    expect(spec.verb).toBe(verb);
    expect(p.args).toMatchObject(args);
  });

  it('an unknown service word in Korean gets the list of services (guard: it had it)', () => {
    expect(answer('logs 웹', 'en')).toContain('Services: `web`, `worker`, `web-staging`.');
    expect(answer('logs 웹', 'ko')).toContain('서비스: `web`, `worker`, `web-staging`.');
    expect(answer('status 웹', 'ko')).toContain('서비스: `web`, `worker`, `web-staging`. 환경: `staging`, `prod`.');
  });

  it('keeps what a single dash means elsewhere: -h is help, -1 a (refused) count, a filter may start with -', () => {
    expect(parsed('status -h').spec.verb).toBe('help');
    expect(answer('scale web -1', 'en')).toContain('A task count cannot be negative.');
    expect(answer('deploy web -v1', 'en')).toContain('a tag cannot start with `-`');
    expect(parsed('logs web --filter -ERROR').parsed.args).toMatchObject({ filter: '-ERROR' });
  });
});

describe('service aliases (chatops.yml services.<name>.aliases): typed where a service is, answered with its name', () => {
  const aliased = fixtureConfig((d) => {
    d.services.web.aliases = ['웹', 'Front'];
    d.services['web-staging'].aliases = ['웹'];
    d.services.worker.aliases = ['워커'];
  });
  const run = (text: string, channelId = 'CPROD') => route({ config: aliased }, { text, channelId, userId: 'UDEV1' });
  function aliasAnswer(text: string, locale: Locale, channelId = 'CPROD'): string {
    try {
      run(text, channelId);
    } catch (err) {
      const blocks = errorReply(err, silent, locale).blocks as Array<{ text?: { text: string }; elements?: Array<{ text: string }> }>;
      return blocks.map((b) => b.text?.text ?? (b.elements ?? []).map((e) => e.text).join(' ')).join('\n');
    }
    throw new Error(`${text} was accepted`);
  }

  it.each<[string, string, string, string]>([
    ['logs 웹', 'CPROD', 'logs', 'web'],
    ['logs 웹', 'CSTAGING', 'logs', 'web-staging'],
    ['status 워커', 'CPROD', 'status', 'worker'],
    ['cost 웹', 'CPROD', 'cost', 'web'],
    ['logs ＦＲＯＮＴ --since 2 시간', 'CPROD', 'logs', 'web'],
    ['scale 웹 3', 'CPROD', 'scale', 'web'],
    ['deploy front v1.2.3', 'CPROD', 'deploy', 'web'],
    ['restart 워커', 'CPROD', 'restart', 'worker'],
    ['mute 웹 15분 --reason test', 'CPROD', 'mute', 'web'],
    ['lock 웹', 'CPROD', 'lock', 'web'],
    ['history 웹', 'CPROD', 'history', 'web'],
  ])('%s (in %s) is %s of %s', (text, channel, verb, name) => {
    const { spec, parsed } = run(text, channel);
    expect(spec.verb).toBe(verb);
    expect(parsed.service?.alias).toBe(name);
  });

  it.each<[string, string, string[], string[]]>([
    // A typo of an alias: the services it is close to, by name with the alias beside it (an alias of two environments: both).
    [
      'logs 웨',
      'CPROD',
      [
        "I don't know a service called `웨`. Did you mean `web` (`웹`), `web-staging` (`웹`)?",
        'Services: `web` (`웹`, `Front`), `worker` (`워커`)',
      ],
      ['`웨` 서비스를 찾을 수 없습니다. 혹시 `web` (`웹`), `web-staging` (`웹`)인가요?', '서비스: `web` (`웹`, `Front`)'],
    ],
    ['status 워크', 'CPROD', ['Did you mean `worker` (`워커`)?'], ['혹시 `worker` (`워커`)인가요?']],
    // The service and its value swapped, with an alias.
    ['scale 3 웹', 'CPROD', ['Did you mean `/ecs scale 웹 3`?'], ['혹시 `/ecs scale 웹 3`인가요?']],
    // An alias of two environments, typed where neither is the channel's.
    [
      'logs 웹',
      'CELSEWHERE',
      ['`웹` is an alias in more than one environment: `web` (prod), `web-staging` (staging). Type the service name.'],
      ['`웹`은 여러 환경에서 쓰는 별칭입니다: `web` (prod), `web-staging` (staging). 서비스 이름으로 입력해 주세요.'],
    ],
  ])('%s (in %s)', (text, channel, en, ko) => {
    for (const [locale, parts] of [
      ['en', en],
      ['ko', ko],
    ] as const) {
      const reply = aliasAnswer(text, locale, channel);
      for (const part of parts) expect(reply).toContain(part);
      expect(reply).toContain(USAGE[locale]);
    }
  });
});
