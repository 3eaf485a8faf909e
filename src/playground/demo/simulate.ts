/**
 * The page's "Simulate" menu: things that happen to ECS without the bot, done to the demo world
 * (./seed.ts) so that ECS itself sends the EventBridge events (the documented shapes of "ECS Task
 * State Change", "ECS Deployment State Change" and "ECS Service Action") to the same events
 * handler the `events` Lambda runs. A rollout item exists only while a rollout is in progress,
 * and names that deployment by its real id.
 */
import { serviceAction } from '../../loopback/aws/world/events';
import { DEMO_CONFIG_DOC } from './config';
import type { DemoAws } from './seed';
import { OOM_LOG_LINES, OOM_REASON } from './world';

export interface SimulationItem {
  id: string;
  label: string;
  /** One line for the menu's tooltip. */
  description: string;
  /** Shown but not choosable (e.g. no rollout to finish yet). */
  disabled?: boolean;
}

/** The alias chatops.yml gives an ECS service (what people type), e.g. web-prod → web. */
function aliasOf(serviceName: string): string {
  return Object.entries(DEMO_CONFIG_DOC.services).find(([, s]) => s.service === serviceName)?.[0] ?? serviceName;
}

const CRASH_LOG_LINES = [
  'INFO  job 81302 sync-inventory started',
  'ERROR unhandled rejection: connect ECONNREFUSED 10.0.3.12:5432',
  '    at TCPConnectWrap.afterConnect [as oncomplete] (node:net:1607:16)',
  'FATAL worker exiting (exit code 1)',
];

const FAILED_ROLLOUT_LOG_LINES = [
  '{"level":"info","msg":"starting","version":"new"}',
  '{"level":"error","msg":"config: missing required variable PAYMENT_API_URL"}',
  '{"level":"fatal","msg":"exiting","code":1}',
];

const PULL_ERROR =
  'CannotPullContainerError: pull image manifest has been retried 5 time(s): failed to resolve ref 222222222222.dkr.ecr.eu-west-1.amazonaws.com/shop/web:v9.9.9: not found';

const SECRETS_ERROR =
  'ResourceInitializationError: unable to pull secrets or registry auth: execution resource retrieval failed: unable to retrieve secret from asm: AccessDeniedException';

interface Fixed {
  id: string;
  label: string;
  description: string;
  run(aws: DemoAws): void;
}

const FIXED: Fixed[] = [
  {
    id: 'task-oom',
    label: 'web: a task runs out of memory',
    description: 'A running web-prod task is killed: exit 137, OutOfMemoryError (ECS Task State Change: STOPPED; an alert in #oncall)',
    run: (aws) => {
      const ref = aws.service('web-prod');
      ref.world.ecs.crashTask(ref.demo.cluster, ref.demo.name, { exitCode: 137, containerReason: OOM_REASON, logLines: OOM_LOG_LINES });
    },
  },
  {
    id: 'task-crash',
    label: 'worker: a task crashes (exit 1)',
    description: 'A running worker-prod task exits with code 1 (ECS Task State Change: STOPPED, EssentialContainerExited)',
    run: (aws) => {
      const ref = aws.service('worker-prod');
      ref.world.ecs.crashTask(ref.demo.cluster, ref.demo.name, { exitCode: 1, logLines: CRASH_LOG_LINES });
    },
  },
  {
    id: 'task-start-failed',
    label: 'web: a task fails to start (image pull)',
    description: 'A web-prod task stops with TaskFailedToStart: CannotPullContainerError (ECS Task State Change: STOPPED)',
    run: (aws) => {
      const ref = aws.service('web-prod');
      ref.world.ecs.failTaskStart(ref.demo.cluster, ref.demo.name, PULL_ERROR);
    },
  },
  {
    id: 'start-impaired',
    label: 'worker: tasks keep failing to start',
    description: 'worker-prod tasks fail to start (secrets), and ECS reports SERVICE_TASK_START_IMPAIRED (ECS Service Action)',
    run: (aws) => {
      const ref = aws.service('worker-prod');
      ref.world.ecs.failTaskStart(ref.demo.cluster, ref.demo.name, SECRETS_ERROR);
      const svc = ref.world.ecs.service(ref.demo.cluster, ref.demo.name);
      const where = { account: ref.cluster.accountId, region: ref.cluster.region, at: Date.now() };
      aws.emit(serviceAction(where, svc.serviceArn!, svc.clusterArn!, 'SERVICE_TASK_START_IMPAIRED', 'WARN'));
    },
  },
];

/** What the menu offers now: the fixed items, and for every rollout in progress, finishing or failing it. */
export function simulations(aws: DemoAws): SimulationItem[] {
  const items: SimulationItem[] = FIXED.map(({ id, label, description }) => ({ id, label, description }));
  const rollouts = aws.demo.services.flatMap((s) => {
    const d = aws.rolloutInProgress(s.name);
    return d ? [{ service: s.name, alias: aliasOf(s.name), id: d.id }] : [];
  });
  for (const r of rollouts) {
    items.push(
      {
        id: `rollout-complete:${r.service}`,
        label: `${r.alias}: rollout ${r.id} completes now`,
        description: `Every task of ${r.service}'s deployment ${r.id} starts at once (ECS Deployment State Change: SERVICE_DEPLOYMENT_COMPLETED)`,
      },
      {
        id: `rollout-fail:${r.service}`,
        label: `${r.alias}: rollout ${r.id} fails (circuit breaker)`,
        description: `The new tasks of ${r.id} exit 1; the circuit breaker fails the deployment and rolls back (SERVICE_DEPLOYMENT_FAILED)`,
      },
    );
  }
  if (!rollouts.length) {
    items.push({
      id: 'rollout-none',
      label: 'Rollouts: none in progress (deploy first)',
      description: 'A rollout shows up here while one is in progress, e.g. after /ecs deploy web v1.2.3 is approved',
      disabled: true,
    });
  }
  return items;
}

/** Does simulation `id` to the world. */
export function simulate(aws: DemoAws, id: string): { ok: true } | { ok: false; error: string } {
  const fixed = FIXED.find((s) => s.id === id);
  try {
    if (fixed) {
      fixed.run(aws);
      return { ok: true };
    }
    const rollout = /^rollout-(complete|fail):(.+)$/.exec(id);
    if (!rollout) return { ok: false, error: `no simulation "${id}"` };
    const service = rollout[2]!;
    if (!aws.demo.services.some((s) => s.name === service)) return { ok: false, error: `no service "${service}" in the demo world` };
    if (!aws.rolloutInProgress(service)) return { ok: false, error: `${aliasOf(service)} has no rollout in progress` };
    const ref = aws.service(service);
    if (rollout[1] === 'complete') ref.world.ecs.complete(ref.demo.cluster, ref.demo.name);
    else ref.world.ecs.failRollout(ref.demo.cluster, ref.demo.name, { exitCode: 1, logLines: FAILED_ROLLOUT_LOG_LINES });
    return { ok: true };
  } catch (err) {
    return { ok: false, error: (err as Error).message };
  }
}
