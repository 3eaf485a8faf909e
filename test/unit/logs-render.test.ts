/** `/ecs logs`: time parsing, log target, secret masking and the message builder. Pure; no mocks. */
import { fitMessage } from '../../src/slack/blocks';
import { parseArgs } from '../../src/commands/grammar';
import { checkWindowShape, logs, parseTimeSpec, resolveWindow } from '../../src/commands/logs';
import { eventLines, logsAnswer, logTarget, packNewest, streamTaskId, type LogsView } from '../../src/commands/render/logs';
import { cleanLogMessage, redactSecrets, stripAnsi } from '../../src/aws/redact';
import { logEventsUrl } from '../../src/aws/console';
import { parseConfig } from '../../src/config/load';
import { prodOnlyDoc } from '../helpers/config';
import { isBotError } from '../../src/errors';
import { textIn } from '../../src/i18n/catalog';
import { DAY, expectWithinSlackLimits, HOUR, logEvent, MIN, NOW, REGISTRY, taskDefinitionWith, taskIdOf } from '../helpers/aws-fixtures';

function errorOf(fn: () => unknown): { code: string; userMessage: string; usage?: string; hint?: string } {
  try {
    fn();
  } catch (err) {
    if (isBotError(err)) return err;
    throw err;
  }
  throw new Error('expected a BotError');
}

describe('parseTimeSpec', () => {
  it.each([
    ['15m', { ago: 15 * MIN }],
    ['2h30m', { ago: 2.5 * HOUR }],
    ['3d', { ago: 3 * DAY }],
    ['now', { ago: 0 }],
    ['2025-05-17', { at: Date.UTC(2025, 4, 17) }],
    ['2025-05-17T09:30', { at: Date.UTC(2025, 4, 17, 9, 30) }],
    ['2025-05-17T09:30Z', { at: Date.UTC(2025, 4, 17, 9, 30) }],
    ['2025-05-17 09:30:15.250', { at: Date.UTC(2025, 4, 17, 9, 30, 15, 250) }],
    ['2025-05-17T11:30:00+02:00', { at: Date.UTC(2025, 4, 17, 9, 30) }],
    ['2025-05-17T11:30+0200', { at: Date.UTC(2025, 4, 17, 9, 30) }],
  ])('%s', (text, expected) => {
    expect(parseTimeSpec(text, 'since')).toEqual(expected);
  });

  it('rejects a number without its unit with the units it could have', () => {
    const e = errorOf(() => parseTimeSpec('15', 'since'));
    expect(e.code).toBe('BAD_INPUT');
    expect(e.userMessage).toBe('`--since 15` is not a time. A duration needs its unit: did you mean `15m`, `15h`, `15d`?');
  });

  it.each(['yesterday', '-5m', '2025-13-01', '2025-05-17T25:00', '1.5h'])('rejects %j with the accepted forms', (text) => {
    const e = errorOf(() => parseTimeSpec(text, 'since'));
    expect(e.code).toBe('BAD_INPUT');
    expect(e.userMessage).toContain('is not a time');
    expect(e.userMessage).toContain('`15m`, `2h`, `3d`');
    expect(e.usage).toContain('/ecs logs');
  });

  it('escapes what it echoes', () => {
    expect(errorOf(() => parseTimeSpec('<!here>', 'since')).userMessage).toContain('&lt;!here&gt;');
  });
});

describe('windows', () => {
  it('defaults to the last 15 minutes', () => {
    expect(resolveWindow(undefined, undefined, NOW)).toEqual({ start: NOW - 15 * MIN, end: NOW });
  });
  it('mixes durations and absolute times', () => {
    expect(resolveWindow({ at: NOW - 3 * HOUR }, { ago: HOUR }, NOW)).toEqual({ start: NOW - 3 * HOUR, end: NOW - HOUR });
  });
  it('a lone --until reads the 15 minutes before it', () => {
    expect(resolveWindow(undefined, { ago: HOUR }, NOW)).toEqual({ start: NOW - HOUR - 15 * MIN, end: NOW - HOUR });
  });
  it('clamps an end in the future to now', () => {
    expect(resolveWindow({ ago: HOUR }, { at: NOW + HOUR }, NOW)).toEqual({ start: NOW - HOUR, end: NOW });
  });
  it.each<[string, Parameters<typeof resolveWindow>[0], Parameters<typeof resolveWindow>[1], string]>([
    ['backwards', { ago: HOUR }, { ago: 2 * HOUR }, '`--until` is not after `--since`'],
    ['empty', { at: NOW - HOUR }, { at: NOW - HOUR }, '`--until` is not after `--since`'],
    ['too wide', { ago: 8 * DAY }, undefined, 'That window is 8d long; I search at most 7d at a time.'],
    ['in the future', { at: NOW + HOUR }, undefined, '`--since` is in the future'],
  ])('rejects a window that is %s', (_n, since, until, message) => {
    expect(errorOf(() => resolveWindow(since, until, NOW)).userMessage).toContain(message);
  });
  it('checkWindowShape catches clock-independent mistakes only', () => {
    expect(() => checkWindowShape({ ago: HOUR }, { ago: 2 * HOUR })).toThrow('`--until` is not after `--since`');
    expect(() => checkWindowShape({ ago: 10 * DAY }, undefined)).toThrow('That window is 10d long');
    expect(() => checkWindowShape({ at: NOW }, { ago: HOUR })).not.toThrow();
    expect(() => checkWindowShape(undefined, { ago: HOUR })).not.toThrow();
  });
});

describe('logs parse', () => {
  const configWith = (visibility?: 'public' | 'private') => parseConfig(prodOnlyDoc(undefined, visibility ? { visibility } : {}));
  const config = configWith();
  const parse = (text: string) => logs.parse(parseArgs(text, new Set(logs.booleanFlags)), { config, channelId: 'CPROD', userId: 'U1' });

  it('reads every flag', () => {
    const p = parse('logs web --since 2h --until 30m --filter "connection refused" --limit 200 --container web --task 0123ABCD');
    expect(p.args).toEqual({
      alias: 'web',
      since: { ago: 2 * HOUR },
      until: { ago: 30 * MIN },
      filter: 'connection refused',
      limit: 200,
      container: 'web',
      task: '0123abcd',
      previous: false,
    });
    expect(p.environment).toBe('prod');
    expect(p.visibility).toBe('private');
  });
  it('--public / --private choose who sees one answer; the environment decides otherwise (private by default)', () => {
    expect(parse('logs web').visibility).toBe('private');
    expect(parse('logs web --public').visibility).toBe('public');
    expect(errorOf(() => parse('logs --public web --private')).userMessage).toContain('`--private` and `--public`');
    const open = configWith('public');
    const parseOpen = (text: string) =>
      logs.parse(parseArgs(text, new Set(logs.booleanFlags)), { config: open, channelId: 'CPROD', userId: 'U1' });
    expect(parseOpen('logs web').visibility).toBe('public');
    expect(parseOpen('logs web --private').visibility).toBe('private');
  });
  it('takes a task ARN and keeps its id', () => {
    expect(parse(`logs web --task arn:aws:ecs:eu-west-1:222222222222:task/prod/${taskIdOf(5)}`).args.task).toBe(taskIdOf(5));
  });
  it('--previous before the service does not eat it', () => {
    expect(parse('logs --previous web').args).toMatchObject({ alias: 'web', previous: true });
  });
  it('accepts the em dash phones type for --', () => {
    expect(parse('logs web \u2014since 1h').args.since).toEqual({ ago: HOUR });
  });
  it('ack text says what is fetched', () => {
    const only = ' (only you will see them; `--public` shares them with the channel)';
    expect(logs.ackText!(parse('logs web'), 'en')).toBe(`Fetching logs of \`web\` in \`prod\` (the last 15m)…${only}`);
    expect(logs.ackText!(parse('logs web --since 2h'), 'en')).toBe(`Fetching logs of \`web\` in \`prod\` (the last 2h)…${only}`);
    expect(logs.ackText!(parse('logs web --task 0123abcd --public'), 'en')).toBe('Fetching logs of `web` in `prod` (task `0123abcd`)…');
    // A window that ends before now is not "the last 2h" (was said for --since 2h --until 1h, and "the last 15m" for --until 1h).
    expect(logs.ackText!(parse('logs web --since 2h --until 1h'), 'en')).toBe(
      `Fetching logs of \`web\` in \`prod\` (the requested range)…${only}`,
    );
    expect(logs.ackText!(parse('logs web --until 1h'), 'ko')).toContain('(요청한 구간)');
    expect(logs.ackText!(parse('logs web --since 2h --until 0m'), 'en')).toContain('(the requested range)');
  });
});

describe('redaction', () => {
  it.each([
    ['AKIAIOSFODNN7EXAMPLE and ASIAIOSFODNN7EXAMPLE', 'AKIA[masked] and ASIA[masked]'],
    ['aws_secret_access_key=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY', 'aws_secret_access_key=[masked]'],
    ['AWS_SECRET_ACCESS_KEY: "wJalrXUtnFEMI"', 'AWS_SECRET_ACCESS_KEY: "[masked]"'],
    ['Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.payload.sig', 'Authorization: Bearer [masked]'],
    ['authorization: Basic dXNlcjpwYXNz', 'authorization: Basic [masked]'],
    ['slack xoxb-1234567890-abcdefghij and xoxp-1-2-3-abcdef', 'slack xoxb-[masked] and xoxp-[masked]'],
    ['postgres://app:hunter2@db:5432/shop', 'postgres://app:[masked]@db:5432/shop'],
    ['https://u:p%40ss@example.com/x', 'https://u:[masked]@example.com/x'],
    ['GET /login?user=bob&password=hunter2&next=/', 'GET /login?user=bob&password=[masked]&next=/'],
    ['{"password":"hunter2","user":"bob"}', '{"password":"[masked]","user":"bob"}'],
    ["db_passwd='hunter2'", "db_passwd='[masked]'"],
    ['client_secret=abc123 api_key=xyz X-Api-Key: k3y', 'client_secret=[masked] api_key=[masked] X-Api-Key: [masked]'],
    ['token=abc.def', 'token=[masked]'],
    ['jwt eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0In0.c2lnbmF0dXJl end', 'jwt [masked] end'],
    [
      '-----BEGIN RSA PRIVATE KEY-----\nMIIEow\n-----END RSA PRIVATE KEY-----',
      '-----BEGIN RSA PRIVATE KEY----- [masked] -----END RSA PRIVATE KEY-----',
    ],
  ])('%j', (input, expected) => {
    expect(redactSecrets(input)).toBe(expected);
  });

  it.each([
    'GET /health 200 in 3ms',
    'tokenizer=bpe',
    '"token": null',
    'password reset requested for bob',
    'author=alice',
    'connected to db:5432',
  ])('leaves %j alone', (input) => {
    expect(redactSecrets(input)).toBe(input);
  });

  it('strips colours, cursor moves, hyperlinks and stray control characters', () => {
    expect(stripAnsi('\u001b[1;31mERROR\u001b[0m \u001b[2K\u001b]8;;http://x\u0007link\u001b]8;;\u0007 bell\u0007 tab\tok')).toBe(
      'ERROR link bell tab\tok',
    );
    expect(cleanLogMessage('\u001b[32mpassword=s3cret\u001b[0m')).toBe('password=[masked]');
  });
});

describe('log lines', () => {
  it('streamTaskId', () => {
    expect(streamTaskId(`ecs/web/${taskIdOf(3)}`)).toBe(taskIdOf(3));
    expect(streamTaskId('custom-stream')).toBe('custom-stream');
  });
  it('prefixes time and task id, indents continuation lines, cuts long lines', () => {
    const e = logEvent(NOW - 5_000, `Traceback:\n  File "a.py"\n\n  boom\n${'z'.repeat(400)}`, `ecs/web/${taskIdOf(2)}`);
    const lines = eventLines(e, false);
    expect(lines[0]).toBe('11:59:55 00000002 Traceback:');
    expect(lines[1]).toBe(' '.repeat(18) + '  File "a.py"');
    expect(lines[2]).toBe(' '.repeat(18) + '  boom');
    expect(lines[3]!.length).toBe(18 + 240);
    expect(lines[3]!.endsWith('…')).toBe(true);
    expect(eventLines(e, true)[0]).toBe('05-17 11:59:55 00000002 Traceback:');
  });
  it('caps the continuation lines of one event', () => {
    const e = logEvent(NOW, ['head', ...Array.from({ length: 40 }, (_, i) => `at frame ${i}`)].join('\n'));
    const lines = eventLines(e, false);
    expect(lines).toHaveLength(1 + 12 + 1);
    expect(lines.at(-1)).toContain('… 28 more lines');
  });
  it('packNewest keeps whole events, the newest ones, in at most 3 blocks within 3,000 characters', () => {
    const events = Array.from({ length: 300 }, (_, i) => logEvent(NOW - (300 - i) * 1000, `event ${i} ${'q'.repeat(150)} <&>`));
    const { blocks, shown } = packNewest(events, false);
    expect(blocks.length).toBeLessThanOrEqual(3);
    for (const b of blocks) expect(b.length + 6).toBeLessThanOrEqual(3000);
    expect(shown).toBeGreaterThan(10);
    expect(shown).toBeLessThan(300);
    const all = blocks.join('\n');
    expect(all).toContain('event 299');
    expect(all).toContain(`event ${300 - shown} `);
    expect(all).not.toContain(`event ${299 - shown} `);
    expect(all).toContain('&lt;&amp;&gt;');
  });
  it('one huge event still shows its start', () => {
    const { blocks, shown } = packNewest([logEvent(NOW, 'x'.repeat(50_000))], false);
    expect(shown).toBe(1);
    expect(blocks[0]!.length).toBeLessThanOrEqual(2984);
  });
});

const view = (over: Partial<LogsView> = {}): LogsView => ({
  alias: 'web',
  environment: 'prod',
  container: 'web',
  logGroup: '/ecs/web-prod',
  region: 'eu-west-1',
  window: { start: NOW - 15 * MIN, end: NOW },
  events: [
    logEvent(NOW - 3 * MIN, 'GET /health 200', `ecs/web/${taskIdOf(1)}`),
    logEvent(NOW - 2 * MIN, 'ERROR upstream timed out Authorization: Bearer abcdefghij', `ecs/web/${taskIdOf(2)}`),
  ],
  limit: 50,
  more: false,
  consoleUrl: logEventsUrl({
    region: 'eu-west-1',
    logGroup: '/ecs/web-prod',
    streamPrefix: 'ecs/web/',
    startMs: NOW - 15 * MIN,
    endMs: NOW,
    filterPattern: 'ERROR',
  }),
  now: NOW,
  ...over,
});

describe('logsAnswer', () => {
  it('a normal answer (snapshot)', () => {
    const { message, file } = logsAnswer(view());
    expect(file).toBeUndefined();
    expect(message).toMatchSnapshot();
    expectWithinSlackLimits(message);
  });

  it('no events: says so and what to try', () => {
    const { message } = logsAnswer(view({ events: [], filter: 'ERROR', incomplete: 'time' }));
    const text = JSON.stringify(message.blocks);
    expect(text).toContain('No log lines match the filter in this range.');
    expect(text).toContain('`--previous` for the task that stopped last');
    expect(text).toContain('I stopped after 10 seconds of searching');
  });

  it('--previous shows how the task ended', () => {
    const { message } = logsAnswer(
      view({
        taskId: taskIdOf(9),
        previous: { stoppedAt: NOW - 4 * MIN, stopCode: 'EssentialContainerExited', stoppedReason: 'Essential container in task exited' },
      }),
    );
    const text = JSON.stringify(message.blocks);
    expect(text).toContain('task `00000009` (most recently stopped)');
    expect(text).toContain(':octagonal_sign: stopped 4m ago · `EssentialContainerExited` · Essential container in task exited');
  });

  it('oversized: 1,000 events of 3,000 characters stay within Slack limits, and the file holds them all, masked', () => {
    const events = Array.from({ length: 1000 }, (_, i) =>
      logEvent(NOW - (1000 - i) * 500, `line ${i} password=hunter${i} ${'w'.repeat(3000)}\nsecond line`, `ecs/web/${taskIdOf(i)}`),
    );
    const { message, file } = logsAnswer(view({ events, limit: 1000, more: true }));
    expectWithinSlackLimits(message);
    expectWithinSlackLimits(fitMessage(message));
    expect(fitMessage(message).blocks).toHaveLength(message.blocks.length); // nothing had to be dropped
    expect(JSON.stringify(message.blocks)).toMatch(
      /1000 lines \(the newest 1000; more exist before these.*\) · showing the newest \d+ here, all 1000 in the file below/,
    );
    expect(file!.content.split('\n').filter((l) => /^2025-/.test(l))).toHaveLength(1000);
    expect(file!.content).not.toMatch(/hunter\d/);
    expect(file!.content).toContain('\n    second line');
    expect(file!.filename).toBe('web-prod-logs-20250517T1200Z.log');
  });

  it('a long range shows dates on each line', () => {
    const { message } = logsAnswer(view({ window: { start: NOW - 2 * DAY, end: NOW } }));
    expect(JSON.stringify(message.blocks)).toContain('05-17 11:57:00 00000001 GET /health 200');
  });
});

describe('logTarget', () => {
  const td = (over: Parameters<typeof taskDefinitionWith>[0] extends infer T ? Partial<T> : never = {}) =>
    taskDefinitionWith({ family: 'web-prod', revision: 43, image: `${REGISTRY}/shop/web:v1`, extraContainers: ['otel'], ...over });
  const base = { container: 'web', containerFromFlag: false, alias: 'web', envRegion: 'eu-west-1', usage: 'U' };

  it('reads group, region and prefix from the awslogs options', () => {
    const t = logTarget({
      ...base,
      taskDefinition: td({
        logOptions: { 'awslogs-group': '/ecs/web', 'awslogs-region': 'eu-west-1', 'awslogs-stream-prefix': 'app' },
      }),
    });
    expect({ ...t, groupSource: textIn(t.groupSource, 'en') }).toEqual({
      logGroup: '/ecs/web',
      region: 'eu-west-1',
      streamPrefix: 'app/web/',
      groupSource: 'the `awslogs-group` option of container `web` in `web-prod:43`',
      notes: [],
    });
    expect(textIn(t.groupSource, 'ko')).toContain('`awslogs-group`');
  });
  it("a group in another region than the environment's is refused before the call, with what to change (en and ko)", () => {
    const opts = { 'awslogs-group': '/ecs/web', 'awslogs-region': 'eu-central-1', 'awslogs-stream-prefix': 'app' };
    for (const configLogGroup of [undefined, '/custom']) {
      const e = errorOf(() =>
        logTarget({ ...base, ...(configLogGroup ? { configLogGroup } : {}), taskDefinition: td({ logOptions: opts }) }),
      );
      expect(e.code).toBe('CONFIG');
      expect(e.userMessage).toBe(
        `The log group \`${configLogGroup ?? '/ecs/web'}\` of container \`web\` in \`web-prod:43\` is in region \`eu-central-1\`, but the bot's roles read logs only in the environment's region \`eu-west-1\`.`,
      );
      expect(e.hint).toBe(
        'Set `awslogs-region` of container `web` to `eu-west-1` in the task definition, so its logs stay in the cluster’s region.',
      );
      const ko = e as unknown as { userMessageIn(l: 'ko'): string; hintIn(l: 'ko'): string };
      expect(ko.userMessageIn('ko')).toContain('`eu-central-1` 리전에 있지만, 봇의 역할은 환경의 리전 `eu-west-1`의 로그만 읽습니다.');
      expect(ko.hintIn('ko')).toContain('`awslogs-region`을 `eu-west-1`로 바꿔');
    }
  });
  it('narrows to a task by stream prefix', () => {
    expect(logTarget({ ...base, taskId: 'abc123', taskDefinition: td() }).streamPrefix).toBe('ecs/web/abc123');
  });
  it('config overrides the group', () => {
    const t = logTarget({ ...base, configLogGroup: '/custom', taskDefinition: td() });
    expect(t.logGroup).toBe('/custom');
    expect(textIn(t.groupSource, 'en')).toBe('`services.web.logGroup` in chatops.yml');
  });
  it('without a stream prefix a task cannot be picked, and the answer says so', () => {
    const t = logTarget({ ...base, taskId: 'abc', taskDefinition: td({ logOptions: { 'awslogs-group': '/ecs/web' } }) });
    expect(t.streamPrefix).toBeUndefined();
    expect(textIn(t.notes[0]!, 'en')).toContain('has no `awslogs-stream-prefix`');
  });
  it('an unknown --container is bad input listing the containers', () => {
    const e = errorOf(() => logTarget({ ...base, container: 'nginx', containerFromFlag: true, taskDefinition: td() }));
    expect(e.code).toBe('BAD_INPUT');
    expect(e.userMessage).toBe('Task definition `web-prod:43` has no container `nginx`. Its containers: `web`, `otel`.');
  });
  it('an unknown configured container is a config problem', () => {
    const e = errorOf(() => logTarget({ ...base, container: 'app', taskDefinition: td() }));
    expect(e.code).toBe('CONFIG');
    expect(e.hint).toContain('services.web.container');
  });
  it('logGroupPrefix: a group of the task definition inside it is read; one outside it is refused with what to change (en and ko)', () => {
    const opts = { 'awslogs-group': '/ecs/web', 'awslogs-stream-prefix': 'ecs' };
    expect(logTarget({ ...base, logGroupPrefix: '/ecs/', taskDefinition: td({ logOptions: opts }) }).logGroup).toBe('/ecs/web');
    const e = errorOf(() => logTarget({ ...base, logGroupPrefix: '/ecs/shop-', taskDefinition: td({ logOptions: opts }) }));
    expect(e.code).toBe('CONFIG');
    expect(e.userMessage).toBe(
      'The log group `/ecs/web` of container `web` in `web-prod:43` does not start with `/ecs/shop-` (`logGroupPrefix` in chatops.yml), so the bot may not read it.',
    );
    expect(e.hint).toBe(
      'Set `services.web.logGroup` to that group, or change `logGroupPrefix`, in chatops.yml; then package and deploy the bot again (its roles read only the log groups chatops.yml names).',
    );
    const ko = e as unknown as { userMessageIn(l: 'ko'): string; hintIn(l: 'ko'): string };
    expect(ko.userMessageIn('ko')).toContain('`logGroupPrefix`)로 시작하지 않아 봇이 읽을 수 없습니다');
    expect(ko.hintIn('ko')).toContain('`services.web.logGroup`을 그 그룹으로 설정하거나');
    // The group chatops.yml names is read as it is.
    expect(logTarget({ ...base, configLogGroup: '/custom', logGroupPrefix: '/ecs/shop-', taskDefinition: td() }).logGroup).toBe('/custom');
  });
  it('another log driver, or none, gets its own answer', () => {
    expect(errorOf(() => logTarget({ ...base, taskDefinition: td({ logDriver: 'splunk', logOptions: {} }) })).userMessage).toContain(
      'sends its logs with the `splunk` driver',
    );
    const noLogs = td();
    delete noLogs.containerDefinitions![0]!.logConfiguration;
    expect(errorOf(() => logTarget({ ...base, taskDefinition: noLogs })).userMessage).toContain('has no log configuration');
  });
});

describe('console links', () => {
  it('encode the log group and query the way the CloudWatch console expects', () => {
    expect(
      logEventsUrl({
        region: 'eu-west-1',
        logGroup: '/ecs/web-prod',
        streamPrefix: 'ecs/web/',
        startMs: 1000,
        endMs: 2000,
        filterPattern: '"connection refused"',
      }),
    ).toBe(
      'https://eu-west-1.console.aws.amazon.com/cloudwatch/home?region=eu-west-1#logsV2:log-groups/log-group/$252Fecs$252Fweb-prod/log-events$3FfilterPattern$3D$2522connection$2520refused$2522$26logStreamNameFilter$3Decs$252Fweb$252F$26start$3D1000$26end$3D2000',
    );
  });
});
