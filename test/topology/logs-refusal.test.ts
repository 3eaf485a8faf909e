/**
 * `/ecs logs` for a task definition whose log group the roles may not read, through the built bundles
 * on the deployed topology: the Slack function acks and hands over, the worker reads the task
 * definition and answers with the clear refusal (the group is outside `logGroupPrefix`, or its
 * `awslogs-region` is not the environment's), in English, and makes no CloudWatch Logs call at all
 * (so no access-denied error, and nothing for IAM to refuse).
 */
import type { TaskDefinition } from '@aws-sdk/client-ecs';
import { useSeededTopology } from '../helpers/topology';
import { responsesText } from '../helpers/topology/slack';

const t = useSeededTopology({ afterEach: 'no failures or denials' });

/**
 * A new revision of the service's task definition whose container writes its logs with `options`
 * (merged into its awslogs options), made the service's own and rolled out. Returns `family:revision`.
 */
function relog(cluster: string, service: string, container: string, options: Record<string, string>): string {
  const current = t.world.ecs.service(cluster, service).taskDefinition!;
  const td = t.world.ecs.taskDefinition(current)! as TaskDefinition & { family: string };
  const arn = t.world.ecs.addTaskDefinition({
    ...td,
    revision: undefined,
    taskDefinitionArn: undefined,
    containerDefinitions: td.containerDefinitions!.map((c) =>
      c.name === container
        ? { ...c, logConfiguration: { logDriver: 'awslogs', options: { ...c.logConfiguration!.options, ...options } } }
        : c,
    ),
  });
  t.world.ecs.updateService(cluster, service, { taskDefinition: arn });
  t.world.ecs.complete(cluster, service);
  return arn.split('/').pop()!;
}

/** Runs a slash command; its ack and every response after it, the worker's AWS calls meanwhile. */
async function command(text: string, channel: string): Promise<{ answer: string; calls: string[] }> {
  await t.settle();
  const from = t.slack.responses().length;
  const callsFrom = t.aws.calls.length;
  const ack = await t.slash(text, { channel_id: channel, user_id: 'UDEV1' });
  expect(ack.status).toBe(200);
  await t.settle();
  return {
    answer: `${ack.text}\n${responsesText(t.slack, from)}`,
    calls: t.aws.calls.slice(callsFrom).map((c) => `${t.functionOf(c.accessKeyId)}:${c.service}:${c.action}`),
  };
}

describe('/ecs logs refuses clearly, before any CloudWatch Logs call, a log group the roles may not read', () => {
  it("a group outside the service's logGroupPrefix (worker: /ecs/worker-)", async () => {
    const td = relog('prod', 'worker-prod', 'worker', { 'awslogs-group': '/ecs/payments' });
    const { answer, calls } = await command('logs worker', 'CPROD');
    expect(answer).toContain(
      `The log group \`/ecs/payments\` of container \`worker\` in \`${td}\` does not start with \`/ecs/worker-\` (\`logGroupPrefix\` in chatops.yml), so the bot may not read it.`,
    );
    expect(answer).toContain(
      'Set `services.worker.logGroup` to that group, or change `logGroupPrefix`, in chatops.yml; then package and deploy the bot again',
    );
    expect(answer).not.toMatch(/AccessDenied|not authorized/i);
    // The worker read the service and its task definition, and then stopped.
    expect(calls).toEqual(
      expect.arrayContaining(['slack:lambda:Invoke', 'worker:ecs:DescribeServices', 'worker:ecs:DescribeTaskDefinition']),
    );
    expect(calls.filter((c) => c.includes(':logs:'))).toEqual([]);
  });

  it("a group outside the environment's logGroupPrefix (staging, behind its role: /ecs/)", async () => {
    const td = relog('staging', 'web-staging', 'web', { 'awslogs-group': '/aws/ecs/web-staging' });
    const { answer, calls } = await command('logs web-staging', 'CSTAGING');
    expect(answer).toContain(
      `The log group \`/aws/ecs/web-staging\` of container \`web\` in \`${td}\` does not start with \`/ecs/\` (\`logGroupPrefix\` in chatops.yml), so the bot may not read it.`,
    );
    expect(calls).toContain('worker:ecs:DescribeTaskDefinition');
    expect(calls.filter((c) => c.includes(':logs:'))).toEqual([]);
  });

  it("a group in another region (awslogs-region) than the environment's", async () => {
    const td = relog('prod', 'worker-prod', 'worker', { 'awslogs-group': '/ecs/worker-prod', 'awslogs-region': 'eu-central-1' });
    const { answer, calls } = await command('logs worker', 'CPROD');
    expect(answer).toContain(
      `The log group \`/ecs/worker-prod\` of container \`worker\` in \`${td}\` is in region \`eu-central-1\`, but the bot's roles read logs only in the environment's region \`eu-west-1\`.`,
    );
    expect(answer).toContain('Set `awslogs-region` of container `worker` to `eu-west-1` in the task definition');
    expect(calls).toContain('worker:ecs:DescribeTaskDefinition');
    expect(calls.filter((c) => c.includes(':logs:'))).toEqual([]);
  });

  it('the same service with its group back inside the prefix and region is read (the refusals above are not a broken command)', async () => {
    relog('prod', 'worker-prod', 'worker', { 'awslogs-group': '/ecs/worker-prod', 'awslogs-region': 'eu-west-1' });
    const { answer, calls } = await command('logs worker', 'CPROD');
    expect(answer).not.toContain('may not read it');
    expect(answer).not.toContain('region `eu-central-1`');
    expect(calls).toContain('worker:logs:FilterLogEvents');
  });
});
