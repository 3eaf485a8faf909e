/**
 * `/ecs logs` end to end through the Lambda handlers: ECS and CloudWatch Logs stubbed with the
 * documented shapes (FilterLogEvents answers newest first when startFromHead is false, and may
 * return empty pages that still carry a nextToken), answers read from the local Slack server.
 */
import {
  DescribeServicesCommand,
  DescribeTaskDefinitionCommand,
  DescribeTasksCommand,
  ECSClient,
  ListTasksCommand,
} from '@aws-sdk/client-ecs';
import {
  AccessDeniedException,
  CloudWatchLogsClient,
  FilterLogEventsCommand,
  ResourceNotFoundException,
  ThrottlingException,
  type FilterLogEventsRequest,
  type FilteredLogEvent,
  DescribeLogStreamsCommand,
} from '@aws-sdk/client-cloudwatch-logs';
import { mockClient } from 'aws-sdk-client-mock';
import { lastAnswer, useE2E } from '../helpers/e2e';
import { HOUR, logEvent, MIN, NOW, REGISTRY, serviceWith, task, tdArn, taskDefinitionWith, taskIdOf } from '../helpers/aws-fixtures';

const ecsMock = mockClient(ECSClient);
const logsMock = mockClient(CloudWatchLogsClient);

function stubWeb(
  opts: { logDriver?: string; logOptions?: Record<string, string>; name?: string; family?: string; container?: string } = {},
): void {
  const name = opts.name ?? 'web-prod';
  const family = opts.family ?? 'web-prod';
  ecsMock.on(DescribeServicesCommand).resolves({ services: [serviceWith({ name, family, revision: 43 })], failures: [] });
  ecsMock.on(DescribeTaskDefinitionCommand).resolves({
    taskDefinition: taskDefinitionWith({
      family,
      revision: 43,
      container: opts.container ?? 'web',
      image: `${REGISTRY}/shop/web:v1.4.3`,
      logDriver: opts.logDriver,
      logOptions: opts.logOptions,
      extraContainers: ['otel'],
    }),
    tags: [],
  });
}

/** A log group holding `events` (any order); answers like FilterLogEvents, honouring range, prefix, limit and direction. */
function stubLogGroup(events: FilteredLogEvent[], pageSize = 10_000): void {
  logsMock.on(FilterLogEventsCommand).callsFake((input: FilterLogEventsRequest) => {
    const matching = events
      .filter((e) => e.timestamp! >= (input.startTime ?? 0) && e.timestamp! <= (input.endTime ?? Infinity))
      .filter((e) => !input.logStreamNamePrefix || e.logStreamName!.startsWith(input.logStreamNamePrefix))
      .filter((e) => !input.filterPattern || e.message!.includes(input.filterPattern));
    const offset = input.nextToken ? Number(input.nextToken.split(':')[1]) : 0;
    const newestFirst = input.nextToken ? input.nextToken.startsWith('desc') : input.startFromHead === false;
    const ordered = [...matching].sort((a, b) => (newestFirst ? b.timestamp! - a.timestamp! : a.timestamp! - b.timestamp!));
    const n = Math.min(input.limit ?? 10_000, pageSize);
    const page = ordered.slice(offset, offset + n);
    const next = offset + n < ordered.length ? `${newestFirst ? 'desc' : 'asc'}:${offset + n}` : undefined;
    return { events: page, searchedLogStreams: [], ...(next ? { nextToken: next } : {}) };
  });
}

describe('/ecs logs through the Lambda handlers', () => {
  const e2e = useE2E(() => ({ now: () => NOW }), [ecsMock, logsMock]);

  it('reads the last 15 minutes from the awslogs group of the task definition, newest last, secrets masked', async () => {
    stubWeb();
    const stream = `ecs/web/${taskIdOf(1)}`;
    stubLogGroup([
      logEvent(NOW - 20 * MIN, 'too old to show', stream),
      logEvent(NOW - 10 * MIN, 'GET /health 200', stream),
      logEvent(NOW - 5 * MIN, '\u001b[31mERROR\u001b[0m connecting to postgres://app:hunter2@db:5432/shop', stream),
      logEvent(NOW - 2 * MIN, 'using key AKIAIOSFODNN7EXAMPLE with Authorization: Bearer abc.def.ghi123', stream),
      logEvent(NOW - 1 * MIN, 'sidecar line', `ecs/otel/${taskIdOf(1)}`),
    ]);
    const ack = await e2e.slash('logs web', { channel_id: 'CPROD' });
    expect(ack.text).toContain('Fetching logs of `web` in `prod` (the last 15m)…');
    expect(ecsMock.calls()).toHaveLength(0);
    expect(logsMock.calls()).toHaveLength(0);
    await e2e.drain();

    const text = lastAnswer(e2e);
    expect(text).toContain('*Logs of `web`* in `prod` · container `web`');
    expect(text).toContain('3 lines');
    expect(text).toMatch(
      /11:50:00 00000001 GET \/health 200\\n11:55:00 00000001 ERROR connecting to postgres:\/\/app:\[masked\]@db:5432\/shop\\n11:58:00 00000001 using key AKIA\[masked\] with Authorization: Bearer \[masked\]/,
    );
    expect(text).not.toContain('hunter2');
    expect(text).not.toContain('IOSFODNN7EXAMPLE');
    expect(text).not.toContain('\\u001b');
    expect(text).not.toContain('too old to show');
    expect(text).not.toContain('sidecar line');
    expect(text).toContain('cloudwatch/home?region=eu-west-1#logsV2:log-groups/log-group/$252Fecs$252Fweb-prod/log-events');

    const calls = logsMock.commandCalls(FilterLogEventsCommand);
    expect(calls).toHaveLength(1);
    const input = calls[0]!.args[0].input;
    expect(input).toMatchObject({
      logGroupName: '/ecs/web-prod',
      logStreamNamePrefix: 'ecs/web/',
      startTime: NOW - 15 * MIN,
      endTime: NOW,
      limit: 50,
      startFromHead: false,
    });
    expect(input.logStreamNames).toBeUndefined();
    expect(ecsMock.commandCalls(DescribeServicesCommand)).toHaveLength(1);
    expect(ecsMock.commandCalls(DescribeTaskDefinitionCommand)).toHaveLength(1);
  });

  it('sends --since, --filter and --limit as asked, in milliseconds', async () => {
    stubWeb();
    stubLogGroup(Array.from({ length: 30 }, (_, i) => logEvent(NOW - (i + 1) * MIN, `ERROR number ${i}`)));
    await e2e.slash('logs web --since 2h --filter ERROR --limit 10', { channel_id: 'CPROD' });
    await e2e.drain();
    const input = logsMock.commandCalls(FilterLogEventsCommand)[0]!.args[0].input;
    expect(input).toMatchObject({ startTime: NOW - 2 * HOUR, endTime: NOW, filterPattern: 'ERROR', limit: 10 });
    const text = lastAnswer(e2e);
    expect(text).toContain('10 lines (the newest 10; more exist before these');
    expect(text).toContain('filter `ERROR`');
    expect(text).toContain('ERROR number 0');
    expect(text).not.toContain('ERROR number 10');
  });

  it('stops after 5 pages of empty results that still carry a next token, and says so', async () => {
    stubWeb();
    logsMock.on(FilterLogEventsCommand).resolves({ events: [], nextToken: 'more-to-scan' });
    await e2e.slash('logs web', { channel_id: 'CPROD' });
    await e2e.drain();
    expect(logsMock.commandCalls(FilterLogEventsCommand)).toHaveLength(5);
    const text = lastAnswer(e2e);
    expect(text).toContain('No log lines in this range');
    expect(text).toContain('I stopped after 5 pages of results; the result may be incomplete');
  });

  it('answers with the first screenful and the whole result as a file when it does not fit', async () => {
    stubWeb();
    const events = Array.from({ length: 400 }, (_, i) =>
      logEvent(NOW - (400 - i) * 2_000, `request ${String(i).padStart(3, '0')} ${'x'.repeat(80)} password=s3cret`),
    );
    stubLogGroup(events);
    await e2e.slash('logs web --limit 400 --public', { channel_id: 'CPROD' });
    await e2e.drain();
    const body = e2e.slack.responses().at(-1)!;
    const blocks = body.blocks as Array<{ type: string; text?: { text: string } }>;
    const text = JSON.stringify(blocks);
    expect(text).toMatch(/400 lines · showing the newest \d+ here, all 400 in the file below/);
    expect(text).toContain('request 399'); // newest last
    expect(text).not.toContain('request 000');
    // within Slack's limits
    expect(blocks.length).toBeLessThanOrEqual(50);
    for (const b of blocks) if (b.text) expect(b.text.text.length).toBeLessThanOrEqual(3000);
    expect(blocks.reduce((n, b) => n + (b.text?.text.length ?? 0), 0)).toBeLessThan(11_000);

    const files = e2e.slack.files();
    expect(files).toHaveLength(1);
    expect(files[0]!.completed).toBe(true);
    expect(files[0]!.channel_id).toBe('CPROD');
    expect(files[0]!.filename).toBe('web-prod-logs-20250517T1200Z.log');
    const lines = files[0]!.content!.trim().split('\n');
    expect(lines).toHaveLength(401); // header + every event
    expect(lines[1]).toMatch(/^2025-05-17T11:46:40\.000Z 00000001f{24} request 000 x+ password=\[masked\]$/);
    expect(files[0]!.content).not.toContain('s3cret');
  });

  it('tells the channel when the file cannot be attached', async () => {
    stubWeb();
    stubLogGroup(Array.from({ length: 300 }, (_, i) => logEvent(NOW - (300 - i) * 2_000, `line ${i} ${'y'.repeat(100)}`)));
    e2e.slack.failNext('files.completeUploadExternal', 'not_in_channel');
    await e2e.slash('logs web --limit 300', { channel_id: 'CPROD' });
    await e2e.drain();
    const bodies = e2e.slack.responses();
    expect(bodies).toHaveLength(2);
    const followUp = JSON.stringify(bodies[1]);
    expect(followUp).toContain('I could not attach the full result as a file.');
    expect(followUp).toContain('not_in_channel');
    expect(followUp).toContain('/invite');
  });

  it('--previous reads the most recently stopped task over its lifetime', async () => {
    stubWeb();
    const older = task({
      id: taskIdOf(7),
      td: tdArn('web-prod', 42),
      stopped: { minutesAgo: 50, stopCode: 'ServiceSchedulerInitiated', reason: 'Scaling activity', exitCode: 0 },
    });
    const last = task({
      id: taskIdOf(9),
      td: tdArn('web-prod', 43),
      stopped: { minutesAgo: 5, stopCode: 'EssentialContainerExited', reason: 'Essential container in task exited', exitCode: 1 },
    });
    ecsMock.on(ListTasksCommand, { desiredStatus: 'STOPPED' }).resolves({ taskArns: [older.taskArn!, last.taskArn!] });
    ecsMock.on(DescribeTasksCommand).resolves({ tasks: [older, last], failures: [] });
    const stream = `ecs/web/${taskIdOf(9)}`;
    stubLogGroup([logEvent(NOW - 6 * MIN, 'panic: nil map', stream), logEvent(NOW - 6 * MIN, 'other task', `ecs/web/${taskIdOf(7)}`)]);

    const ack = await e2e.slash('logs web --previous', { channel_id: 'CPROD' });
    expect(ack.text).toContain('(the most recently stopped task)');
    await e2e.drain();
    const input = logsMock.commandCalls(FilterLogEventsCommand)[0]!.args[0].input;
    expect(input.logStreamNamePrefix).toBe(stream);
    expect(input.startTime).toBe(NOW - 2 * HOUR); // started 2h ago, minus a minute of margin
    expect(input.endTime).toBe(NOW - 4 * MIN);
    const text = lastAnswer(e2e);
    expect(text).toContain('task `00000009` (most recently stopped)');
    expect(text).toContain('`EssentialContainerExited`');
    expect(text).toContain('panic: nil map');
    expect(text).not.toContain('other task');
    // the previous task's own task definition is the one read
    expect(ecsMock.commandCalls(DescribeTaskDefinitionCommand)[0]!.args[0].input.taskDefinition).toBe(tdArn('web-prod', 43));
  });

  it('--previous with no stopped task says why', async () => {
    stubWeb();
    ecsMock.on(ListTasksCommand).resolves({ taskArns: [] });
    await e2e.slash('logs web --previous', { channel_id: 'CPROD' });
    await e2e.drain();
    expect(lastAnswer(e2e)).toContain('has stopped recently (ECS keeps stopped tasks for about an hour)');
    expect(logsMock.calls()).toHaveLength(0);
  });

  it('--task narrows to one task stream by prefix', async () => {
    stubWeb();
    stubLogGroup([logEvent(NOW - MIN, 'hello from task 1', `ecs/web/${taskIdOf(1)}`)]);
    await e2e.slash('logs web --task 00000001', { channel_id: 'CPROD' });
    await e2e.drain();
    expect(logsMock.commandCalls(FilterLogEventsCommand)[0]!.args[0].input.logStreamNamePrefix).toBe('ecs/web/00000001');
    expect(lastAnswer(e2e)).toContain('hello from task 1');
  });

  it('--task with an id no stream has: says the id is not this service\'s, and where to find the ids (not "widen the window")', async () => {
    stubWeb();
    stubLogGroup([logEvent(NOW - MIN, 'hello from task 1', `ecs/web/${taskIdOf(1)}`)]);
    logsMock.on(DescribeLogStreamsCommand).callsFake((input: { logStreamNamePrefix?: string }) => ({
      logStreams:
        input.logStreamNamePrefix && `ecs/web/${taskIdOf(1)}`.startsWith(input.logStreamNamePrefix)
          ? [{ logStreamName: `ecs/web/${taskIdOf(1)}` }]
          : [],
    }));
    await e2e.slash('logs web --task abcdef12', { channel_id: 'CPROD' });
    await e2e.drain();
    expect(logsMock.commandCalls(DescribeLogStreamsCommand)[0]!.args[0].input).toMatchObject({
      logGroupName: '/ecs/web-prod',
      logStreamNamePrefix: 'ecs/web/abcdef12',
      limit: 1,
    });
    const text = lastAnswer(e2e);
    expect(text).toContain('No task `abcdef12` has written to `/ecs/web-prod` (no log stream starts with `ecs/web/abcdef12`)');
    expect(text).toContain('`/ecs tasks web --stopped`');
    expect(text).not.toContain('--since');

    // A task that exists but wrote nothing in the window: the usual answer (widen it).
    await e2e.slash('logs web --task 00000001 --since 10s', { channel_id: 'CPROD' });
    await e2e.drain();
    expect(lastAnswer(e2e)).not.toContain('No task');
  });

  it('says which log group is missing and where its name came from', async () => {
    stubWeb();
    logsMock
      .on(FilterLogEventsCommand)
      .rejects(new ResourceNotFoundException({ message: 'The specified log group does not exist.', $metadata: {} }));
    await e2e.slash('logs web', { channel_id: 'CPROD' });
    await e2e.drain();
    const text = lastAnswer(e2e);
    expect(text).toContain('The log group `/ecs/web-prod` does not exist in `eu-west-1`.');
    expect(text).toContain('the `awslogs-group` option of container `web` in `web-prod:43`');
  });

  it('names the missing permission when the worker may not read the log group', async () => {
    stubWeb();
    logsMock.on(FilterLogEventsCommand).rejects(
      new AccessDeniedException({
        message:
          'User is not authorized to perform: logs:FilterLogEvents on resource: arn:aws:logs:eu-west-1:222222222222:log-group:/ecs/web-prod',
        $metadata: {},
      }),
    );
    await e2e.slash('logs web', { channel_id: 'CPROD' });
    await e2e.drain();
    expect(lastAnswer(e2e)).toContain("the bot's role needs `logs:FilterLogEvents`");
  });

  it('asks to try again in a minute when CloudWatch Logs keeps throttling', async () => {
    stubWeb();
    logsMock.on(FilterLogEventsCommand).rejects(new ThrottlingException({ message: 'Rate exceeded', $metadata: {} }));
    await e2e.slash('logs web', { channel_id: 'CPROD' });
    await e2e.drain();
    expect(lastAnswer(e2e)).toContain(
      'AWS is throttling requests (ThrottlingException) while I tried to read logs from /ecs/web-prod. I retried with backoff; try again in a minute.',
    );
  });

  it('answers a refusal in the typer’s own language (Korean Slack, English workspace)', async () => {
    stubWeb();
    e2e.slack.setUserLocale('UKO', 'ko-KR');
    logsMock.on(FilterLogEventsCommand).rejects(new ThrottlingException({ message: 'Rate exceeded', $metadata: {} }));
    await e2e.slash('logs web', { channel_id: 'CPROD', user_id: 'UKO' });
    await e2e.drain();
    const text = lastAnswer(e2e);
    expect(text).toContain('/ecs/web-prod 로그 읽기 중 AWS가 요청을 제한하고 있습니다');
    expect(text).not.toContain('throttling');
  });

  it('explains a log driver other than awslogs', async () => {
    stubWeb({ logDriver: 'awsfirelens', logOptions: { Name: 'datadog' } });
    await e2e.slash('logs web', { channel_id: 'CPROD' });
    await e2e.drain();
    const text = lastAnswer(e2e);
    expect(text).toContain('sends its logs with the `awsfirelens` driver, not `awslogs`');
    expect(text).toContain('services.web.logGroup');
    expect(logsMock.calls()).toHaveLength(0);
  });

  it('uses the log group from chatops.yml when it overrides the task definition', async () => {
    stubWeb({ name: 'worker-prod', family: 'worker-prod', container: 'worker', logDriver: 'awsfirelens', logOptions: {} });
    stubLogGroup([logEvent(NOW - MIN, 'job done', 'worker-firelens-abc')]);
    await e2e.slash('logs worker', { channel_id: 'CPROD' });
    await e2e.drain();
    const input = logsMock.commandCalls(FilterLogEventsCommand)[0]!.args[0].input;
    expect(input.logGroupName).toBe('/ecs/worker-prod');
    expect(input.logStreamNamePrefix).toBeUndefined();
    expect(lastAnswer(e2e)).toContain('job done');
  });

  it('names the containers when --container is not in the task definition', async () => {
    stubWeb();
    await e2e.slash('logs web --container nginx', { channel_id: 'CPROD' });
    await e2e.drain();
    const text = lastAnswer(e2e);
    expect(text).toContain('Task definition `web-prod:43` has no container `nginx`. Its containers: `web`, `otel`.');
    expect(text).toContain('Usage:');
  });

  it.each([
    ['logs', 'Missing service, e.g. `/ecs logs web --since 1h`.'],
    ['logs web --since yesterday', '`--since yesterday` is not a time.'],
    ['logs web --since 1h --until 2h', '`--until` is not after `--since`'],
    ['logs web --since 2025-05-17T10:00Z --until 2025-05-17T09:00Z', '`--until` is not after `--since`'],
    ['logs web --since 10d', 'That window is 10d long; I search at most 7d at a time.'],
    ['logs web --limit 0', 'the line count must be at least 1'],
    ['logs web --limit 5000', 'the line count must be at most 1000'],
    ['logs web --limit lots', 'the line count must be a whole number'],
    ['logs web --since', 'needs a value, e.g. `--since 2h`'],
    ['logs web --task xyz', 'must be a task id'],
    ['logs web --task aaaaaaaa --previous', '`--task` and `--previous` both pick a task'],
    ['logs web --previous=yes', 'takes no value'],
    ['logs web --sinse 1h', 'Unknown flag `--sinse`'],
    ['logs wbe', "I don't know a service called `wbe`"],
  ])('%s → a clear answer in the ack, nothing handed off', async (cmd, expected) => {
    const ack = await e2e.slash(cmd, { channel_id: 'CPROD' });
    expect(ack.text).toContain(expected);
    expect(ack.text).toContain('/ecs logs &lt;service&gt;');
    expect(e2e.handedOff).toHaveLength(0);
  });

  it('checks a window that mixes an absolute time and a duration in the worker', async () => {
    stubWeb();
    await e2e.slash('logs web --since 2025-05-17T11:50Z --until 30m', { channel_id: 'CPROD' });
    await e2e.drain();
    expect(lastAnswer(e2e)).toContain('`--until` is not after `--since`');
    expect(logsMock.calls()).toHaveLength(0);
  });
});
