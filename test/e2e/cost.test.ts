/**
 * `/ecs cost` end to end through the Lambda handlers: Cost Explorer stubbed with the documented
 * response shapes (DAILY ResultsByTime, groups keyed "aws:ecs:serviceName$web-prod", forecast
 * Total), ECS for the estimate, real Redis for the cache. Counts Cost Explorer requests, which
 * cost $0.01 each: one daily request per environment (by AWS service and service tag) serves the
 * environment and each of its services, kept per calendar month.
 */
import {
  CostExplorerClient,
  CostExplorerServiceException,
  DataUnavailableException,
  LimitExceededException,
  GetCostAndUsageCommand,
  GetCostForecastCommand,
  type GetCostAndUsageRequest,
  type ResultByTime,
} from '@aws-sdk/client-cost-explorer';
import { DescribeServicesCommand, DescribeTaskDefinitionCommand, ECSClient } from '@aws-sdk/client-ecs';
import { mockClient } from 'aws-sdk-client-mock';
import { lastAnswer, useE2E } from '../helpers/e2e';
import { configFile } from '../helpers/config';
import { DAY, HOUR, NOW, REGISTRY, serviceWith, taskDefinitionWith } from '../helpers/aws-fixtures';
import { environmentDailyRequest } from '../../src/commands/render/cost-plan';
import { costCacheKey } from '../../src/commands/cost.run';
import { pngSize } from '../helpers/png';
import { redisLocaleCache } from '../../src/redis/locale-cache';

const ceMock = mockClient(CostExplorerClient);
const ecsMock = mockClient(ECSClient);

/** Cost Explorer models no AccessDeniedException class: the SDK raises its service exception with that name. */
function accessDenied(message: string): CostExplorerServiceException {
  return new CostExplorerServiceException({ name: 'AccessDeniedException', $fault: 'client', message, $metadata: { httpStatusCode: 400 } });
}

const ECS = 'Amazon Elastic Container Service';
const ECR = 'Amazon EC2 Container Registry (ECR)';

const days = (start: string, end: string): string[] => {
  const out: string[] = [];
  for (let t = Date.parse(start + 'T00:00:00Z'); t < Date.parse(end + 'T00:00:00Z'); t += DAY)
    out.push(new Date(t).toISOString().slice(0, 10));
  return out;
};
const money = (n: number) => ({ UnblendedCost: { Amount: n.toFixed(10), Unit: 'USD' } });

/**
 * A Cost Explorer that answers like the real one for this account: April costs $30/day of ECS,
 * May $40/day, ECR $2/day; with tags, web-prod is 3/4 of ECS, worker-prod 1/5 and the rest
 * untagged (or, when `tagged` is false, all ECS is in the empty "aws:ecs:serviceName$" group);
 * ECR is never tagged by ECS.
 */
function stubCostExplorer(opts: { tagged: boolean } = { tagged: true }): void {
  ceMock.on(GetCostAndUsageCommand).callsFake((input: GetCostAndUsageRequest) => {
    const ecsPerDay = (d: string) => (d < '2025-05-01' ? 30 : 40);
    if (input.Granularity === 'MONTHLY') {
      // One result per month of the period (the stub's periods stay within one month).
      const n = days(input.TimePeriod!.Start!, input.TimePeriod!.End!).length;
      return {
        GroupDefinitions: input.GroupBy,
        ResultsByTime: [
          {
            TimePeriod: { ...input.TimePeriod },
            Total: {},
            Groups: [
              { Keys: ['EUW1-Fargate-vCPU-Hours:perCPU'], Metrics: money(24 * n) },
              { Keys: ['EUW1-Fargate-GB-Hours'], Metrics: money(6 * n) },
            ],
            Estimated: true,
          },
        ],
        DimensionValueAttributes: [],
      };
    }
    const results: ResultByTime[] = days(input.TimePeriod!.Start!, input.TimePeriod!.End!).map((d) => {
      const period = { Start: d, End: new Date(Date.parse(d) + DAY).toISOString().slice(0, 10) };
      const groupBy = input.GroupBy ?? [];
      let groups;
      if (groupBy[0]?.Key === 'SERVICE' && groupBy[1]?.Key === 'aws:ecs:serviceName') {
        const ecs = opts.tagged
          ? [
              { Keys: [ECS, 'aws:ecs:serviceName$web-prod'], Metrics: money(ecsPerDay(d) * 0.75) },
              { Keys: [ECS, 'aws:ecs:serviceName$worker-prod'], Metrics: money(ecsPerDay(d) * 0.2) },
              { Keys: [ECS, 'aws:ecs:serviceName$'], Metrics: money(ecsPerDay(d) * 0.05) },
            ]
          : [{ Keys: [ECS, 'aws:ecs:serviceName$'], Metrics: money(ecsPerDay(d)) }];
        groups = [...ecs, { Keys: [ECR, 'aws:ecs:serviceName$'], Metrics: money(2) }];
      } else {
        throw new Error(`unexpected GroupBy ${JSON.stringify(groupBy)}`);
      }
      return { TimePeriod: period, Total: {}, Groups: groups, Estimated: d >= '2025-05-15' };
    });
    return { GroupDefinitions: input.GroupBy, ResultsByTime: results, DimensionValueAttributes: [] };
  });
  ceMock.on(GetCostForecastCommand).resolves({ Total: { Amount: '630.0', Unit: 'USD' }, ForecastResultsByTime: [] });
}

describe('/ecs cost through the Lambda handlers', () => {
  let clock = NOW;
  beforeEach(() => {
    clock = NOW;
  });
  const e2e = useE2E(() => ({ now: () => clock }), [ceMock, ecsMock]);

  it('answers an environment month to date: total, change, daily bars, forecast, per service; the second time from the cache', async () => {
    stubCostExplorer();
    const ack = await e2e.slash('cost prod', { channel_id: 'CPROD' });
    expect(ack.text).toContain('Adding up costs of `prod` (month to date)…');
    expect(ceMock.calls()).toHaveLength(0);
    await e2e.drain();

    // Exact requests: both months in one DAILY request, end exclusive, scoped to the environment,
    // by AWS service and service tag: the total, the ECS / ECR split and the per-service rows.
    const cu = ceMock.commandCalls(GetCostAndUsageCommand).map((c) => c.args[0].input);
    expect(cu).toHaveLength(1);
    expect(cu[0]).toEqual({
      TimePeriod: { Start: '2025-04-01', End: '2025-05-18' },
      Granularity: 'DAILY',
      Metrics: ['UnblendedCost'],
      Filter: {
        And: [
          { Dimensions: { Key: 'SERVICE', Values: [ECS, ECR] } },
          { Dimensions: { Key: 'REGION', Values: ['eu-west-1'] } },
          { Dimensions: { Key: 'LINKED_ACCOUNT', Values: ['222222222222'] } },
          {
            Or: [
              { Tags: { Key: 'aws:ecs:clusterName', Values: ['prod'] } },
              { Tags: { Key: 'aws:ecs:clusterName', MatchOptions: ['ABSENT'] } },
            ],
          },
        ],
      },
      GroupBy: [
        { Type: 'DIMENSION', Key: 'SERVICE' },
        { Type: 'TAG', Key: 'aws:ecs:serviceName' },
      ],
    });
    const fc = ceMock.commandCalls(GetCostForecastCommand).map((c) => c.args[0].input);
    expect(fc).toHaveLength(1);
    expect(fc[0]).toMatchObject({
      TimePeriod: { Start: '2025-05-17', End: '2025-06-01' },
      Metric: 'UNBLENDED_COST',
      Granularity: 'MONTHLY',
    });

    const text = lastAnswer(e2e);
    // May 1–17: 17 days × $42 = $714; April 1–17: 17 × $32 = $544 → +31.3%
    expect(text).toContain('ECS cost · prod · month to date (May 1–17)');
    expect(text).toContain('*$714.00* ·');
    expect(text).toContain(':arrow_up_small: +31.3% vs $544.00 in the same days of April (Apr 1–17)');
    // forecast: 16 days before today × $42 + $630
    expect(text).toContain('*Forecast for May 2025:* $1,302.00');
    expect(text).toContain('ECS $680.00 · ECR $34.00');
    expect(text).toContain('05-01 ████████████████████████ $42.00');
    expect(text).toContain('05-17 ████████████████████████ $42.00  (today, so far)');
    expect(text).toContain('*web* $510.00 (71%) · `web-prod`');
    expect(text).toContain('*worker* $136.00 (19%) · `worker-prod`');
    expect(text).toContain('_without the service tag_ $34.00');
    expect(text).toContain('Cost Explorer data as of just now');
    expect(text).toContain('recent days are still estimated by AWS');

    // The chart, after the text answer: in the channel, a PNG with a caption and alt text.
    const methods = e2e.slack.calls.map((c) => c.method);
    expect(methods.lastIndexOf('response_url')).toBeLessThan(methods.indexOf('files.getUploadURLExternal'));
    const [chart] = e2e.slack.files();
    expect(chart).toMatchObject({
      filename: 'cost-prod-2025-05-17.png',
      channel_id: 'CPROD',
      completed: true,
      title: 'ECS cost per day, prod',
    });
    expect(pngSize(chart!.bytes!)).toEqual({ width: 800, height: 400 });
    expect(chart!.length).toBe(chart!.bytes!.length);
    expect(chart!.initial_comment).toBe(
      'Chart: daily ECS cost of prod in USD (filled bars); outlined bars: the month-end forecast spread evenly over the days left. Every number is in the answer above.',
    );
    // May 17–31: 15 days share the $630 forecast from today.
    expect(e2e.slack.lastCall('files.getUploadURLExternal')!.body.alt_text).toBe(
      'Bar chart of the daily ECS cost of prod, 2025-05-01 to 2025-05-17, highest $42.00 a day, with the forecast of about $42.00 a day until the month ends.',
    );

    // Two hours later, the same question: no Cost Explorer request, and the answer says how old the data is.
    clock = NOW + 2 * HOUR;
    await e2e.slash('cost prod', { channel_id: 'CPROD' });
    await e2e.drain();
    expect(ceMock.calls()).toHaveLength(2);
    const again = lastAnswer(e2e);
    expect(again).toContain('*$714.00* ·');
    expect(again).toContain('Cost Explorer data as of 2h ago (cached; Cost Explorer refreshes a few times a day)');
    expect(ecsMock.calls()).toHaveLength(0);
  });

  it('one environment request serves its services and the other periods: only what is missing is asked, month by month', async () => {
    stubCostExplorer();
    await e2e.slash('cost prod', { channel_id: 'CPROD' });
    await e2e.drain();
    expect(lastAnswer(e2e)).not.toContain('(cached;');
    expect(ceMock.commandCalls(GetCostAndUsageCommand)).toHaveLength(1);

    // A service: its figures come from the environment's months; only its own forecast is asked.
    await e2e.slash('cost web', { channel_id: 'CPROD' });
    await e2e.drain();
    expect(lastAnswer(e2e)).toContain('ECS cost · web (prod) · month to date (May 1–17)');
    expect(lastAnswer(e2e)).toContain('*$510.00* ·');
    expect(lastAnswer(e2e)).toContain('(cached;');
    expect(ceMock.commandCalls(GetCostAndUsageCommand)).toHaveLength(1);
    const fc = ceMock.commandCalls(GetCostForecastCommand).map((c) => c.args[0].input);
    expect(fc).toHaveLength(2);
    expect(fc[1]!.Filter!.And).toContainEqual({ Tags: { Key: 'aws:ecs:serviceName', Values: ['web-prod'] } });

    // Another period in the same months: nothing asked.
    await e2e.slash('cost worker --period 7d', { channel_id: 'CPROD' });
    await e2e.drain();
    expect(lastAnswer(e2e)).toContain('· the last 7 days (May 10–16)');
    expect(lastAnswer(e2e)).toContain('*$56.00* ·');
    expect(ceMock.calls()).toHaveLength(3);

    // Last month against the month before: April is kept, only March is asked.
    await e2e.slash('cost prod --period last-month', { channel_id: 'CPROD' });
    await e2e.drain();
    const cu = ceMock.commandCalls(GetCostAndUsageCommand).map((c) => c.args[0].input);
    expect(cu).toHaveLength(2);
    expect(cu[1]!.TimePeriod).toEqual({ Start: '2025-03-01', End: '2025-04-01' });
    // April: 30 days × $32.
    expect(lastAnswer(e2e)).toContain('ECS cost · prod · April 2025');
    expect(lastAnswer(e2e)).toContain('*$960.00* · ');
  });

  it('a private answer gets its chart in a direct message; an upload Slack refuses costs one line, never the answer', async () => {
    stubCostExplorer();
    await e2e.slash('cost prod --private', { channel_id: 'CPROD' });
    await e2e.drain();
    expect(e2e.slack.files().map((f) => f.channel_id)).toEqual([expect.stringMatching(/^D/)]);
    expect(pngSize(e2e.slack.files()[0]!.bytes!)).toEqual({ width: 800, height: 400 });

    e2e.slack.failNext('files.completeUploadExternal', 'not_in_channel');
    await e2e.slash('cost prod', { channel_id: 'CPROD' });
    await e2e.drain();
    const answers = e2e.slack.responses();
    expect(JSON.stringify(answers.at(-2))).toContain('month to date');
    expect(answers.at(-1)!.response_type).toBe('in_channel');
    expect(answers.at(-1)!.text).toContain('The chart could not be uploaded (not_in_channel); the answer above has every number.');
  });

  it('estimates per service from task size × running tasks × Fargate price when the tags have no data', async () => {
    stubCostExplorer({ tagged: false });
    ecsMock.on(DescribeServicesCommand).resolves({
      services: [
        serviceWith({ name: 'web-prod', revision: 43, desired: 3 }),
        serviceWith({ name: 'worker-prod', family: 'worker-prod', revision: 7, desired: 2 }),
      ],
      failures: [],
    });
    ecsMock.on(DescribeTaskDefinitionCommand).callsFake((input: { taskDefinition: string }) => {
      const worker = input.taskDefinition.includes('worker');
      return {
        taskDefinition: taskDefinitionWith({
          family: worker ? 'worker-prod' : 'web-prod',
          revision: worker ? 7 : 43,
          image: `${REGISTRY}/shop/web:v1`,
          cpu: worker ? '1024' : '512',
          memory: worker ? '2048' : '1024',
          arch: worker ? 'ARM64' : 'X86_64',
        }),
        tags: [],
      };
    });
    await e2e.slash('cost prod', { channel_id: 'CPROD' });
    await e2e.drain();
    const text = lastAnswer(e2e);
    expect(text).toContain('*By service (estimate)*');
    // web: 3 × (0.5 × 0.04048 + 1 × 0.004445) $/h × 396 h (May 1 00:00 → May 17 12:00)
    expect(text).toContain('*web* ≈ $29.33 · 3 × 0.5 vCPU / 1 GB x86 · ≈ $1.78/day');
    // worker: 2 × (1 × 0.03238 + 2 × 0.00356) $/h × 396 h
    expect(text).toContain('*worker* ≈ $31.28 · 2 × 1 vCPU / 2 GB ARM');
    expect(text).toContain('not from your bill');
    expect(text).toContain('activate the AWS-generated cost allocation tags `aws:ecs:serviceName`');
    expect(ecsMock.commandCalls(DescribeServicesCommand)).toHaveLength(1);
    expect(ecsMock.commandCalls(DescribeTaskDefinitionCommand)).toHaveLength(2);
    // The environment's daily bill is charted; the estimate itself has no days to draw.
    expect(e2e.slack.files()).toHaveLength(1);
  });

  it('answers one service for the last 7 days from its tag, without a forecast', async () => {
    stubCostExplorer();
    const ack = await e2e.slash('cost web --period 7d', { channel_id: 'CPROD' });
    expect(ack.text).toContain('Adding up costs of `web` in `prod` (last 7 days)…');
    await e2e.drain();
    const cu = ceMock.commandCalls(GetCostAndUsageCommand).map((c) => c.args[0].input);
    expect(cu).toHaveLength(1);
    // This month so far (the environment's request: it serves both weeks, and mtd after it).
    expect(cu[0]!.TimePeriod).toEqual({ Start: '2025-05-01', End: '2025-05-18' });
    expect(ceMock.commandCalls(GetCostForecastCommand)).toHaveLength(0);
    const text = lastAnswer(e2e);
    // 7 × $30 for web-prod; the week before 7 × $30 too
    expect(text).toContain('*$210.00* · no change vs $210.00 in the 7 days before (May 3–9)');
    expect(text).not.toMatch(/\*\$210\.00\*[^\n"]*May 10–16/); // the header names the period; the total's line does not repeat it
    expect(text).toContain('ECS cost · web (prod) · the last 7 days');
  });

  it('breaks one service down by usage type with the tag filter', async () => {
    stubCostExplorer();
    await e2e.slash('cost web --by usage-type', { channel_id: 'CPROD' });
    await e2e.drain();
    const usage = ceMock
      .commandCalls(GetCostAndUsageCommand)
      .map((c) => c.args[0].input)
      .find((i) => i.GroupBy?.[0]?.Key === 'USAGE_TYPE');
    expect(usage!.Filter!.And).toEqual(
      expect.arrayContaining([
        { Tags: { Key: 'aws:ecs:clusterName', Values: ['prod'] } },
        { Tags: { Key: 'aws:ecs:serviceName', Values: ['web-prod'] } },
      ]),
    );
    const text = lastAnswer(e2e);
    expect(text).toContain('*By usage type*');
    expect(text).toContain('• `EUW1-Fargate-vCPU-Hours:perCPU` $408.00 (80%)\\n• `EUW1-Fargate-GB-Hours` $102.00 (20%)');
  });

  it('20 people asking the same on a cold cache cost one answer’s calls, and all 20 get it', async () => {
    stubCostExplorer();
    // Cost Explorer takes a moment, as it does: the 20 workers are all waiting at once.
    const answerCu = ceMock.commandCalls(GetCostAndUsageCommand).length;
    ceMock.on(GetCostForecastCommand).callsFake(async () => {
      await new Promise((r) => setTimeout(r, 200));
      return { Total: { Amount: '630.0', Unit: 'USD' }, ForecastResultsByTime: [] };
    });
    for (let i = 0; i < 20; i++) await e2e.slash('cost prod', { channel_id: 'CPROD', user_id: `UDEV${i}`, trigger_id: `t-${i}` });
    expect(e2e.pending).toHaveLength(20);
    await e2e.drainConcurrently();
    expect(ceMock.commandCalls(GetCostAndUsageCommand).length - answerCu).toBe(1);
    expect(ceMock.commandCalls(GetCostForecastCommand)).toHaveLength(1);
    const answers = e2e.slack.responses().map((r) => JSON.stringify(r.blocks ?? []));
    expect(answers.filter((a) => a.includes('*$714.00* ·'))).toHaveLength(20);
  });

  it('past the hourly budget the answer says whose budget is spent and when to ask again; cached answers still come', async () => {
    await e2e.restart({
      now: () => clock,
      configPath: configFile((doc) => (doc.limits = { costCallsPerUserPerHour: 2, costCallsPerHour: 100 })),
    });
    stubCostExplorer();
    await e2e.slash('cost prod', { channel_id: 'CPROD', user_id: 'UDEV1' });
    await e2e.drain();
    expect(ceMock.calls()).toHaveLength(2);
    // The last 7 days are in the month already asked: answered, budget or not.
    await e2e.slash('cost prod --period 7d', { channel_id: 'CPROD', user_id: 'UDEV1' });
    await e2e.drain();
    expect(lastAnswer(e2e)).toContain('· the last 7 days (May 10–16)');
    expect(lastAnswer(e2e)).toContain('*$294.00* ·');
    expect(ceMock.calls()).toHaveLength(2);
    // Last month's comparison needs March, not asked yet: refused.
    await e2e.slash('cost prod --period last-month', { channel_id: 'CPROD', user_id: 'UDEV1' });
    await e2e.drain();
    expect(ceMock.calls()).toHaveLength(2);
    const refused = lastAnswer(e2e);
    expect(refused).toContain('You have used this hour’s Cost Explorer budget:* 2 of 2 calls (each costs $0.01)');
    expect(refused).toContain('limits.costCallsPerUserPerHour');
    // The same question as before comes from the cache, budget or not.
    await e2e.slash('cost prod', { channel_id: 'CPROD', user_id: 'UDEV1' });
    await e2e.drain();
    expect(lastAnswer(e2e)).toContain('*$714.00* ·');
    expect(ceMock.calls()).toHaveLength(2);
  });

  it('still answers when the cache cannot be read, straight from Cost Explorer', async () => {
    stubCostExplorer();
    // A value of the wrong type under the cache key (this month's) makes GET fail like an unreadable store.
    await e2e.rt.redis.hset(
      costCacheKey(
        'GetCostAndUsage',
        environmentDailyRequest(
          { region: 'eu-west-1', accountId: '222222222222', cluster: 'prod' },
          { start: '2025-05-01', end: '2025-05-18' },
        ),
      ),
      { x: '1' },
    );
    await e2e.slash('cost prod', { channel_id: 'CPROD' });
    await e2e.drain();
    expect(lastAnswer(e2e)).toContain('*$714.00* ·');
    expect(e2e.logs.some((l) => l.msg === 'cost cache unreadable; asking Cost Explorer')).toBe(true);
  });

  it('explains DataUnavailableException (Cost Explorer just enabled)', async () => {
    ceMock
      .on(GetCostAndUsageCommand)
      .rejects(new DataUnavailableException({ message: 'Data is not available. Please try to adjust the time period.', $metadata: {} }));
    await e2e.slash('cost prod', { channel_id: 'CPROD' });
    await e2e.drain();
    const text = lastAnswer(e2e);
    expect(text).toContain('Cost Explorer has no data for this account yet');
    expect(text).toContain('within about 24 hours');
  });

  it('names the fix when Cost Explorer is not enabled', async () => {
    ceMock.on(GetCostAndUsageCommand).rejects(accessDenied('User not enabled for cost explorer access'));
    await e2e.slash('cost prod', { channel_id: 'CPROD' });
    await e2e.drain();
    const text = lastAnswer(e2e);
    expect(text).toContain('Cost Explorer is not enabled for this AWS account.');
    expect(text).toContain('Launch Cost Explorer');
  });

  it('names the missing permission on access denied', async () => {
    ceMock
      .on(GetCostAndUsageCommand)
      .rejects(accessDenied('User: arn:aws:sts::222222222222:assumed-role/bot/worker is not authorized to perform: ce:GetCostAndUsage'));
    await e2e.slash('cost prod', { channel_id: 'CPROD' });
    await e2e.drain();
    expect(lastAnswer(e2e)).toContain("the bot's role needs `ce:GetCostAndUsage`");
  });

  it('asks to try again in a minute when Cost Explorer keeps throttling', async () => {
    ceMock.on(GetCostAndUsageCommand).rejects(new LimitExceededException({ message: 'You have exceeded the rate limit.', $metadata: {} }));
    await e2e.slash('cost prod', { channel_id: 'CPROD' });
    await e2e.drain();
    expect(lastAnswer(e2e)).toContain(
      'AWS is throttling requests (LimitExceededException) while I tried to read costs from Cost Explorer. I retried with backoff; try again in a minute.',
    );
  });

  it('does not cache failures: the next request asks Cost Explorer again', async () => {
    ceMock.on(GetCostAndUsageCommand).rejectsOnce(new DataUnavailableException({ message: 'Data is not available.', $metadata: {} }));
    await e2e.slash('cost prod', { channel_id: 'CPROD' });
    await e2e.drain();
    expect(lastAnswer(e2e)).toContain('Cost Explorer has no data for this account yet');
    ceMock.reset();
    stubCostExplorer();
    await e2e.slash('cost prod', { channel_id: 'CPROD' });
    await e2e.drain();
    expect(lastAnswer(e2e)).toContain('*$714.00* ·');
    expect(ceMock.commandCalls(GetCostAndUsageCommand)).toHaveLength(1);
  });

  const HANGUL = /[\uac00-\ud7a3]/;
  it.each([
    [
      'throttled',
      () => new LimitExceededException({ message: 'Rate exceeded (RequestId: 5f1e-req-0001)', $metadata: { requestId: '5f1e-req-0001' } }),
      'AWS is throttling requests (`LimitExceededException`) while I tried to read costs from Cost Explorer. I retried with backoff; try again in a minute.',
      '비용 조회 중 AWS가 요청을 제한하고 있습니다(`LimitExceededException`). 간격을 두고 재시도했으니 1분 뒤에 다시 시도하세요.',
      '1분 뒤에 다시 시도하세요',
    ],
    [
      'access denied',
      () =>
        accessDenied(
          'User: arn:aws:sts::222222222222:assumed-role/bot/worker is not authorized to perform: ce:GetCostAndUsage (RequestId: 5f1e-req-0001)',
        ),
      "AWS denied access while I tried to read costs from Cost Explorer: the bot's role needs `ce:GetCostAndUsage`.",
      'Cost Explorer 비용 조회 중 AWS가 접근을 거부했습니다. 봇의 역할에 `ce:GetCostAndUsage` 권한이 필요합니다.',
      'serverless.yml의 함수 역할에 그 권한을 추가하고',
    ],
    [
      'data not yet available',
      () => new DataUnavailableException({ message: 'Data is not available. (RequestId: 5f1e-req-0001)', $metadata: {} }),
      'Cost Explorer has no data for this account yet',
      'Cost Explorer에 아직 이 계정의 데이터가 없습니다',
      '24시간쯤 뒤에 데이터가 나옵니다',
    ],
  ])(
    'a Korean and an English reader waiting on the same failing call (%s) each read why, and what to do, in their own language',
    async (_what, failure, en, ko, koNext) => {
      const readers = [
        ['UDEV1', 'ko'],
        ['UDEV2', 'en'],
        ['UDEV3', 'ko'],
        ['UDEV4', 'en'],
      ] as const;
      for (const [user, lang] of readers)
        if (lang === 'ko') {
          e2e.slack.setUserLocale(user, 'ko-KR');
          await redisLocaleCache(e2e.rt.redis).set(user, 'ko-KR', 3600);
        }
      // One slow failing call: whoever asks first makes it, the other three wait for its outcome.
      ceMock.on(GetCostAndUsageCommand).callsFake(async () => {
        await new Promise((r) => setTimeout(r, 300));
        throw failure();
      });
      for (const [user] of readers)
        await e2e.slash('cost prod', {
          channel_id: 'CPROD',
          user_id: user,
          trigger_id: `t-${user}`,
          response_url: e2e.slack.responseUrl(user),
        });
      await e2e.drainConcurrently();
      expect(ceMock.commandCalls(GetCostAndUsageCommand)).toHaveLength(1);
      for (const [user, lang] of readers) {
        const answers = e2e.slack.responses(user);
        expect(answers).toHaveLength(1);
        const said = `${answers[0]!.text}\n${JSON.stringify(answers[0]!.blocks)}`;
        if (lang === 'ko') {
          expect(said).toContain(ko);
          expect(said).toContain(koNext);
        } else {
          expect(said).toContain(en);
          expect(said).not.toMatch(HANGUL);
        }
        // No AWS internals: neither the request id nor AWS's own sentence.
        expect(said).not.toContain('5f1e-req-0001');
        expect(said).not.toContain('RequestId');
      }
    },
  );

  it('says when the forecast is unavailable but still answers', async () => {
    stubCostExplorer();
    ceMock
      .on(GetCostForecastCommand)
      .rejects(new DataUnavailableException({ message: 'Insufficient amount of historical data to generate forecast.', $metadata: {} }));
    await e2e.slash('cost prod', { channel_id: 'CPROD' });
    await e2e.drain();
    const text = lastAnswer(e2e);
    expect(text).toContain('*$714.00* ·');
    expect(text).toContain('_Forecast for May 2025 unavailable: Cost Explorer does not have enough history to forecast yet_');
  });

  it.each([
    ['cost prod --period week', '--period: must be one of `mtd`, `7d`, `30d`, `last-month` (not `week`)'],
    ['cost prod --by region', '--by: must be `service` or `usage-type` (not `region`)'],
    ['cost web --by service', '`--by service` splits an environment; `web` is one service.'],
    ['cost prod --perod 7d', 'Unknown flag `--perod`'],
    ['cost prod staging', 'Unexpected extra input: `staging`'],
    ['cost prdo', "I don't know a service or environment called `prdo`"],
  ])('%s → a clear answer in the ack, nothing handed off', async (cmd, expected) => {
    const ack = await e2e.slash(cmd, { channel_id: 'CPROD' });
    expect(ack.text).toContain(expected);
    expect(ack.text).toContain('/ecs cost [environment | service]');
    expect(e2e.handedOff).toHaveLength(0);
  });
});
