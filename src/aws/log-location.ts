/**
 * Where one container of one task writes its logs, read from the task definition's awslogs
 * options: `<awslogs-stream-prefix>/<container>/<task id>` in `awslogs-group` (or the service's
 * configured log group). Pure; used by alerts and by the deploy thread's failure reasons.
 */
import type { TaskDefinition } from '@aws-sdk/client-ecs';

export interface LogLocation {
  region: string;
  group: string;
  stream: string;
}

type LocationResult = { ok: true; loc: LogLocation } | { ok: false; error: string; group?: string };

/** Where a container of a task writes its logs, from the task definition. Pure. */
export function logLocation(
  td: TaskDefinition,
  container: string,
  taskId: string,
  defaultRegion: string,
  groupOverride?: string,
): LocationResult {
  const def = td.containerDefinitions?.find((c) => c.name === container);
  if (!def) return { ok: false, error: `container ${container} is not in task definition ${td.family ?? ''}:${td.revision ?? ''}` };
  const lc = def.logConfiguration;
  if (!lc) return { ok: false, error: `container ${container} has no log configuration, so its output is not kept` };
  if (lc.logDriver !== 'awslogs')
    return {
      ok: false,
      error: `container ${container} logs through ${lc.logDriver ?? 'an unknown driver'}, not CloudWatch Logs (awslogs)`,
      group: groupOverride,
    };
  const opts = lc.options ?? {};
  const group = groupOverride ?? opts['awslogs-group'];
  if (!group) return { ok: false, error: `container ${container} has no awslogs-group` };
  const prefix = opts['awslogs-stream-prefix'];
  if (!prefix) return { ok: false, error: `container ${container} has no awslogs-stream-prefix, so its stream cannot be named`, group };
  return { ok: true, loc: { region: opts['awslogs-region'] ?? defaultRegion, group, stream: `${prefix}/${container}/${taskId}` } };
}
