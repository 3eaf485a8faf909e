/**
 * `/ecs rightsize` and `/ecs resize` end to end through the Lambda handlers: CloudWatch GetMetricData
 * stubbed with its documented response shape (MetricDataResults: Id, Label, Timestamps, Values,
 * StatusCode), the recommendation and saving, the Request resize button opening a deploy request in
 * prod (approval, registration of the resized revision, UpdateService), Fargate Spot outside
 * production, and bad input.
 */
import { CloudWatchClient, GetMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { RegisterTaskDefinitionCommand, UpdateServiceCommand } from '@aws-sdk/client-ecs';
import { mockClient } from 'aws-sdk-client-mock';
import { approve, lastResponse, requestMessage, textOf, useDeployHarness } from '../helpers/deploy-e2e';
import { tdArn } from '../helpers/aws-fixtures';
import { getRequest } from '../../src/approvals/workflow';
import { pngSize } from '../helpers/png';
import { stubMetrics } from '../helpers/cloudwatch';

const cwMock = mockClient(CloudWatchClient);
const h = useDeployHarness();

/** Hourly values for `hours` hours, deterministic: a daily wave between `low` and `high`, one spike. */
function wave(hours: number, low: number, high: number, spike?: number): number[] {
  return Array.from({ length: hours }, (_, i) =>
    spike !== undefined && i === 5 ? spike : low + ((high - low) * (1 + Math.sin((i / 24) * 2 * Math.PI))) / 2,
  );
}

/** GetMetricData's documented answer for web's queries. */
const stub = (series: Record<string, number[]>): void => stubMetrics(cwMock, series);

afterEach(() => cwMock.reset());
afterAll(() => cwMock.restore());

describe('/ecs rightsize', () => {
  it('recommends the smallest Fargate size with headroom, prices the saving, and its button requests the resize as a deploy', async () => {
    const hours = 14 * 24;
    // web-prod reserves 512 CPU units and 1024 MiB (4 tasks): CPU peaks ~30 % (one 90 % spike), memory ≤ 40 %.
    stub({
      cpu_avg: wave(hours, 8, 18),
      cpu_max: wave(hours, 15, 30, 90),
      mem_avg: wave(hours, 30, 35),
      mem_max: wave(hours, 33, 40),
    });
    const ack = await h.e2e.slash('rightsize web', { channel_id: 'CPROD', user_id: 'UDEV1' });
    expect(ack.text).toContain('Reading 14 days of CPU and memory of `web` in `prod`');
    expect(cwMock.calls()).toHaveLength(0); // nothing of CloudWatch in the Slack-facing path
    await h.e2e.drain();

    const call = cwMock.commandCalls(GetMetricDataCommand)[0]!.args[0].input;
    expect(
      call.MetricDataQueries!.map(
        (q) => `${q.Id} ${q.MetricStat!.Metric!.Namespace}/${q.MetricStat!.Metric!.MetricName} ${q.MetricStat!.Stat}`,
      ),
    ).toEqual([
      'cpu_avg AWS/ECS/CPUUtilization Average',
      'cpu_max AWS/ECS/CPUUtilization Maximum',
      'mem_avg AWS/ECS/MemoryUtilization Average',
      'mem_max AWS/ECS/MemoryUtilization Maximum',
      'ci_cpu ECS/ContainerInsights/CpuUtilized Maximum',
      'ci_mem ECS/ContainerInsights/MemoryUtilized Maximum',
    ]);
    expect(call.MetricDataQueries![0]!.MetricStat!.Metric!.Dimensions).toEqual([
      { Name: 'ClusterName', Value: 'prod' },
      { Name: 'ServiceName', Value: 'web-prod' },
    ]);
    expect(call.MetricDataQueries![0]!.MetricStat!.Period).toBe(3600);
    expect(call.EndTime!.getTime() - call.StartTime!.getTime()).toBe(14 * 86_400_000);

    const answer = lastResponse(h.e2e);
    expect(answer).toContain('Right-sizing web (prod), last 14 days');
    expect(answer).toContain('*CPU* reserved `0.5 vCPU`: average 13%, 95th percentile of hourly peaks 30%, highest 90%');
    expect(answer).toContain('*Memory* reserved `1024 MiB`: average 33%, highest hourly peak 40%');
    // 512 × 29.7 % (the wave's 95th percentile) × 1.3 = 198 units; 1024 × 40 % × 1.3 = 533 MiB → 0.25 vCPU / 1 GB.
    expect(answer).toContain('*Recommended:* `0.25 vCPU / 1 GB` (the peaks need 198 CPU units and 533 MiB with 30% headroom)');
    // (0.5 − 0.25) vCPU × $0.04048 × 730 h × 4 tasks
    expect(answer).toContain('Saves about $29.55 a month for 4 tasks at `eu-west-1` Fargate prices (prices as of 2026-03)');
    expect(answer).not.toContain('Fargate Spot'); // prod is production
    expect(answer).toContain('Request resize to 0.25 vCPU / 1 GB');
    // The chart: utilization against the reservation, uploaded in the channel after the answer.
    const [chart] = h.e2e.slack.files();
    expect(chart).toMatchObject({ filename: 'rightsize-web-prod.png', channel_id: 'CPROD', title: 'CPU and memory of web (prod)' });
    expect(pngSize(chart!.bytes!)).toEqual({ width: 800, height: 400 });
    expect(chart!.initial_comment).toContain('in percent of the reservation (grey dashed line at 100%)');
    expect(chart!.initial_comment).toContain('green dashed lines: the recommended size');
    expect(h.e2e.slack.lastCall('files.getUploadURLExternal')!.body.alt_text).toBe(
      'Line chart of the CPU and memory utilization of web (prod) over 14 days: CPU peaks up to 90%, memory up to 40% of the reservation.',
    );

    // The button: `/ecs resize web --cpu 256 --memory 1024` as the clicker, a deploy request in prod.
    const body = h.e2e.slack.responses().at(-1)!;
    const button = (body.blocks as Array<{ type: string; elements?: Array<{ action_id: string; value: string }> }>).find(
      (b) => b.type === 'actions',
    )!.elements![0]!;
    expect(JSON.parse(button.value)).toEqual({ c: 'resize web --cpu 256 --memory 1024' });
    const click = await h.e2e.click({ action_id: button.action_id, value: button.value, user_id: 'UDEV1', channel_id: 'CPROD' });
    expect(click.statusCode).toBe(200);
    await h.e2e.drain();
    const req = requestMessage(h.e2e, 'CPROD');
    const requestText = textOf(req.message);
    // A deploy request (deploy approvals), titled as the resize it is.
    expect(requestText).toContain('Resize request: web → prod');
    // The one-line card names the sizes; the task definition diff is under Details.
    expect(requestText).toContain('`0.5 vCPU / 1 GB` → `0.25 vCPU / 1 GB`');
    // What shrinks, by name.
    expect(requestText).toContain('The new size has less CPU than what runs now: check `/ecs rightsize web` for the measured peaks.');
    expect(requestText).toContain('approval:approve');
    expect(h.ecsMock.commandCalls(RegisterTaskDefinitionCommand)).toHaveLength(0);

    await approve(h.e2e, req);
    await h.e2e.drain();
    const registers = h.ecsMock.commandCalls(RegisterTaskDefinitionCommand);
    expect(registers).toHaveLength(1);
    const input = registers[0]!.args[0].input;
    expect({ cpu: input.cpu, memory: input.memory }).toEqual({ cpu: '256', memory: '1024' });
    expect(input.containerDefinitions!.find((c) => c.name === 'web')!.image).toContain('shop/web:v1.2.2'); // only the size changed
    expect(h.ecsMock.commandCalls(UpdateServiceCommand)[0]!.args[0].input).toEqual({
      cluster: 'prod',
      service: 'web-prod',
      taskDefinition: tdArn('web-prod', 43),
    });
    const running = await getRequest(h.e2e.rt.redis, req.id);
    expect(running).toMatchObject({
      verb: 'deploy',
      state: 'running',
      plan: { verb: 'resize', from: { cpu: 512, memory: 1024 }, to: { cpu: 256, memory: 1024 } },
    });
  });

  it('outside production it suggests Fargate Spot with its estimate; a service that needs more says so', async () => {
    const hours = 7 * 24;
    stub({
      cpu_avg: wave(hours, 60, 80),
      cpu_max: wave(hours, 80, 95),
      mem_avg: wave(hours, 70, 80),
      mem_max: wave(hours, 75, 90),
      ci_cpu: wave(hours, 400, 480),
      ci_mem: wave(hours, 800, 900),
    });
    await h.e2e.slash('rightsize web-staging --days 7', { channel_id: 'CSTAGING', user_id: 'UANY' });
    await h.e2e.drain();
    const answer = lastResponse(h.e2e);
    expect(answer).toContain('Container Insights: peaks of 480 CPU units and 900 MiB used');
    expect(answer).toContain('*Too small:* the peaks need 631 CPU units and 1199 MiB with 30% headroom; `1 vCPU / 2 GB` holds them');
    expect(answer).toContain('Costs about');
    expect(answer).toContain('*Fargate Spot* (`staging` is not production)');
  });

  it('no metrics, and bad input, get clear answers', async () => {
    stub({});
    await h.e2e.slash('rightsize web', { channel_id: 'CPROD', user_id: 'UDEV1' });
    await h.e2e.drain();
    expect(lastResponse(h.e2e)).toContain('CloudWatch has no CPU or memory data for `web-prod` in cluster `prod` over the last 14 days');
    expect(h.e2e.slack.files()).toEqual([]); // nothing to draw
    expect((await h.e2e.slash('rightsize', { channel_id: 'CPROD' })).text).toContain('Missing service, e.g. /ecs rightsize web.');
    expect((await h.e2e.slash('rightsize web --days 90', { channel_id: 'CPROD' })).text).toContain('the number of days must be at most 63');
    expect((await h.e2e.slash('resize web --cpu 512', { channel_id: 'CPROD', user_id: 'UDEV1' })).text).toContain('Give both `--cpu`');
    await h.e2e.slash('resize web --cpu 512 --memory 8192', { channel_id: 'CPROD', user_id: 'UDEV1' });
    await h.e2e.drain();
    expect(lastResponse(h.e2e)).toContain(
      'is not a valid Fargate task size. With 512 CPU units the memory may be `1024`, `2048`, `3072`, `4096`',
    );
    // A CPU Fargate does not have: what was typed, and the sizes it has.
    const ack = await h.e2e.slash('resize web --cpu 3000 --memory 4096', { channel_id: 'CPROD', user_id: 'UDEV1' });
    expect(ack.text).toContain('Preparing the resize of `web` to 3000 CPU units / 4096 MiB in `prod`…');
    await h.e2e.drain();
    expect(lastResponse(h.e2e)).toContain('`3000` CPU units is not a Fargate size: Fargate CPU is one of `256`, `512`, `1024`');
  });
});
