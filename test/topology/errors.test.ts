/**
 * Issue 9 §3/§4 through the built handlers on the deployed topology: nothing waits forever,
 * errors a person can act on, degrading instead of failing, and alerts that tell a missing
 * stream from a missing group and ignore a failure that arrives after its incident recovered.
 */
import { AwsFault } from '../../src/loopback/aws/fault';
import { ACCOUNT, REGION, useSeededTopology } from '../helpers/topology';
import { commandAnswer, requestIn, textOf, threadOf } from '../helpers/topology/slack';

const t = useSeededTopology({ afterEach: 'no failures or denials' });

const command = (text: string, channel?: string, user?: string) => commandAnswer(t, text, channel, user);

/** Nothing from the SDK's insides reaches Slack. */
function expectNoInternals(text: string): void {
  for (const bad of ['Deserialization', '$response', 'SyntaxError', 'Unexpected token', '@smithy', 'TimeoutError', 'AbortError', '    at '])
    expect(text).not.toContain(bad);
}

const td = (family: string, n: number) => `arn:aws:ecs:${REGION}:${ACCOUNT}:task-definition/${family}:${n}`;

describe('nothing waits forever', () => {
  it('an ECS endpoint that accepts and never answers: the user gets "AWS did not answer within N s" within 30 seconds', async () => {
    t.aws.stallNext('ecs', '*', 20);
    const answer = await command('status web');
    const m = /AWS did not answer within (\d+) s while I tried to describe services in cluster prod\./.exec(answer);
    expect(m).not.toBeNull();
    expect(Number(m![1])).toBeLessThanOrEqual(30);
    expect(answer).toContain('Nothing was changed by this command');
    expectNoInternals(answer);
    t.aws.reset();
  }, 90_000);

  it('an approved change whose ECS endpoint never answers: its thread says so within 30 seconds, nothing changed, the service is free', async () => {
    await command('deploy web v1.2.3');
    const req = requestIn(t.slack, 'CPROD');
    t.aws.stallNext('ecs', '*', 20);
    const from = t.callsOf('worker').length;
    const res = await t.click({ action_id: 'approval:approve', value: req.id, user_id: 'ULEAD1', channel_id: 'CPROD', message_ts: req.ts });
    expect(res.status).toBe(200);
    await t.settle();
    expect(
      t
        .callsOf('worker')
        .slice(from)
        .filter((c) => c.action === 'UpdateService'),
    ).toEqual([]);
    t.aws.reset();

    const thread = threadOf(t.slack, 'CPROD', req.ts)
      .map((m) => textOf(m))
      .join('\n');
    const m = /Deploy did not run\.\* AWS did not answer within (\d+) s while I tried to describe service/.exec(thread);
    expect(m).not.toBeNull();
    expect(Number(m![1])).toBeLessThanOrEqual(30);
    expect(thread).toContain('Nothing was changed on the service, and `web` is free for new requests.');
    expectNoInternals(thread);
    // Answered by the first attempt: Lambda did not have to retry it.
    expect(t.invocations('worker').filter((i) => JSON.stringify(i.event).includes(req.id))).toHaveLength(1);
    expect(t.world.ecs.service('prod', 'web-prod').taskDefinition).toBe(td('web-prod', 42));

    // The service is free: a new request is accepted (and withdrawn again).
    await command('scale web 6');
    const next = requestIn(t.slack, 'CPROD');
    expect(next.id).not.toBe(req.id);
    await t.click({ action_id: 'approval:cancel', value: next.id, user_id: 'UDEV1', channel_id: 'CPROD', message_ts: next.ts });
    await t.settle();
  }, 90_000);
});

describe('errors a person can act on', () => {
  it('an endpoint that answers an HTML page: "does not support DescribeServices", no parser internals', async () => {
    t.aws.answerNext('ecs', 'DescribeServices', { status: 502, body: '<html><h1>502 Bad Gateway</h1></html>' }, 3);
    const answer = await command('status web');
    expect(answer).toContain(
      'The AWS endpoint does not support `DescribeServices` (it answered HTTP 502 with a page that is not an AWS answer), so I could not describe services in cluster prod.',
    );
    expectNoInternals(answer);
  });

  it('a connection cut before AWS answers', async () => {
    t.aws.resetNext('ecs', 'DescribeServices', 3);
    const answer = await command('status web');
    expect(answer).toContain('The connection to AWS was cut before AWS answered while I tried to describe services in cluster prod.');
    expectNoInternals(answer);
  });

  it("AWS's own words are escaped: a mention in an error message does not ping", async () => {
    t.aws.failNext('ecs', 'DescribeServices', new AwsFault('ValidationException', 'bad cluster <!channel> <https://x.example|see>'));
    const answer = await command('status web');
    expect(answer).toContain('bad cluster &lt;!channel&gt; &lt;https://x.example|see&gt;');
    expect(answer).not.toContain('<!channel>');
  });
});

describe("degrade when ECS's deployment history is unavailable", () => {
  beforeAll(() => {
    t.aws.unhandle('ecs', 'ListServiceDeployments');
    t.aws.unhandle('ecs', 'DescribeServiceDeployments');
  });
  afterAll(() => t.world.install(t.aws));

  it("rollback works from the bot's own record of what its deploy replaced", async () => {
    await command('deploy web-staging v1.2.3', 'CSTAGING', 'UANY');
    t.world.ecs.complete('staging', 'web-staging');
    await t.settle();
    expect(t.world.ecs.service('staging', 'web-staging').taskDefinition).toBe(td('web-staging', 8));

    const answer = await command('rollback web-staging', 'CSTAGING', 'UANY');
    expect(answer).not.toContain('could not');
    const req = requestIn(t.slack, 'CSTAGING');
    expect(textOf(req.message)).toContain(
      "ECS's deployment history is not available to the bot here, so the target comes from the bot's own record of the change that deployed",
    );
    expect(t.world.ecs.service('staging', 'web-staging').taskDefinition).toBe(td('web-staging', 7));
    t.world.ecs.complete('staging', 'web-staging');
    await t.settle();
    expect(textOf(requestIn(t.slack, 'CSTAGING').message)).toMatch(/succeeded/i);
  });

  it('a service the bot did not deploy: a plain refusal that points at --to, and --to works without the history', async () => {
    const refused = await command('rollback web');
    expect(refused).toContain(
      "I could not find the task definition `web` ran before `web-prod:42`: ECS's deployment history is not available to the bot here, and the bot did not deploy it itself.",
    );
    expect(refused).toContain('--to');
    expectNoInternals(refused);

    await command('rollback web --to 41');
    const req = requestIn(t.slack, 'CPROD');
    expect(textOf(req.message)).toContain('web-prod:41');
    const res = await t.click({ action_id: 'approval:cancel', value: req.id, user_id: 'UDEV1', channel_id: 'CPROD', message_ts: req.ts });
    expect(res.status).toBe(200);
    await t.settle();
  });

  it("/ecs history shows the bot's own records and one plain line about ECS's list", async () => {
    const answer = await command('history web-staging', 'CSTAGING', 'UANY');
    expect(answer).toContain(
      "ECS's own deployment list is not available to the bot here (`ListServiceDeployments`), so this shows the bot's own changes only.",
    );
    expect(answer).toContain('web-staging:8');
    expectNoInternals(answer);
  });

  it('the cost forecast degrades to one plain line', async () => {
    t.aws.unhandle('ce', 'GetCostForecast');
    const answer = await command('cost prod');
    expect(answer).toMatch(/Forecast for [A-Z][a-z]+ \d{4} unavailable: Cost Explorer forecasts are not available to the bot here/);
    expect(answer).toMatch(/\$\d/);
    expectNoInternals(answer);
  });
});

describe("alerts' last log lines and late failures", () => {
  const alerts = (channel: string) => t.slack.messages(channel).filter((m) => !m.thread_ts || m.thread_ts === m.ts);

  it('"no log stream yet for this task" when the group exists, whatever the error says', async () => {
    // An endpoint that words a missing stream like a missing group.
    t.aws.failNext('logs', 'GetLogEvents', new AwsFault('ResourceNotFoundException', 'The specified log group does not exist.'));
    t.world.ecs.crashTask('prod', 'worker-prod', { exitCode: 137 });
    await t.settle();
    const alert = alerts('CWORKERTEAM').at(-1)!;
    expect(textOf(alert)).toContain('there is no log stream for this task yet');
    expect(textOf(alert)).not.toContain('no longer exists');
  });

  it('a failure that happened before the incident recovered, delivered after it, does not reopen it', async () => {
    const before = alerts('CWORKERTEAM').length;
    // EventBridge holds the next failure back …
    t.dropEvents(true);
    const late = t.world.ecs.crashTask('prod', 'worker-prod', { exitCode: 1 });
    const held = t.world.ecs.events
      .filter((e) => e['detail-type'] === 'ECS Task State Change' && e.detail.taskArn === late.taskArn)
      .at(-1)!;
    t.dropEvents(false);
    // … while a deployment completes and the incident recovers.
    t.world.ecs.updateService('prod', 'worker-prod', { forceNewDeployment: true });
    t.world.ecs.complete('prod', 'worker-prod');
    await t.settle();
    expect(textOf(alerts('CWORKERTEAM').at(-1))).toMatch(/Recovered/);

    await t.ended(t.lambda.invokeAsync(t.functions.events.name, held));
    await t.settle();
    expect(alerts('CWORKERTEAM')).toHaveLength(before);
    expect(textOf(alerts('CWORKERTEAM').at(-1))).toMatch(/Recovered/);
    expect(t.logLines('events').some((l) => String(l.msg ?? l.message).includes('from before the incident recovered'))).toBe(true);
  });

  it('"the log group no longer exists" when it is gone', async () => {
    t.world.logs.deleteGroup('/ecs/web-prod');
    t.world.ecs.crashTask('prod', 'web-prod', { exitCode: 1 });
    await t.settle();
    const alert = alerts('CALERTS').at(-1)!;
    expect(textOf(alert)).toContain('the log group /ecs/web-prod no longer exists');
  });
});
