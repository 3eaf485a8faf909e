/** The worker part of `/ecs tasks`: ListTasks (RUNNING or STOPPED), DescribeTasks, newest first. */
import { describeServiceTasks } from '../aws/ecs';
import { rememberListedMemoryKills } from '../alerts/memory-kills.run';
import type { Runtime } from '../runtime';
import type { Invocation } from '../slack/invocation';
import { answer, audienceOf, describeConfiguredService } from './readers.run';
import { tasksMessage } from './render/tasks';
import type { TasksArgs } from './tasks';
import type { Parsed } from './types';

export async function runTasks(parsed: Parsed<TasksArgs>, rt: Runtime, inv: Invocation): Promise<void> {
  const audience = await audienceOf(rt, inv, parsed);
  const svc = parsed.service!;
  const ecs = rt.aws.ecs(svc.env.region, svc.env);
  // The service first: a wrong name or cluster is answered as such, not as "no tasks".
  await describeConfiguredService(rt, svc);
  // DescribeTasks for up to 100 (one call); newest first, then the limit.
  const { tasks: described, listed } = await describeServiceTasks(
    ecs,
    svc.env.cluster,
    svc.service,
    parsed.args.stopped ? 'STOPPED' : 'RUNNING',
  );
  const when = (t: (typeof described)[number]) => (parsed.args.stopped ? t.stoppedAt : (t.startedAt ?? t.createdAt))?.getTime() ?? 0;
  const sorted = [...described].sort((a, b) => when(b) - when(a));
  // Kept for /ecs rightsize: the tasks ECS still lists as stopped for memory.
  if (parsed.args.stopped)
    await rememberListedMemoryKills(rt.redis, rt.log, { environment: svc.env.name, alias: svc.alias }, described, rt.now());
  await answer(
    rt,
    inv,
    tasksMessage({
      alias: svc.alias,
      serviceName: svc.service,
      container: svc.container,
      cluster: svc.env.cluster,
      region: svc.env.region,
      stopped: parsed.args.stopped,
      tasks: sorted.slice(0, parsed.args.limit),
      total: listed,
      locale: audience.locale,
      now: rt.now(),
    }),
    audience,
  );
}
