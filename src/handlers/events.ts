/**
 * Lambda entry for ECS events from EventBridge. Delivery is at least once and unordered;
 * consumers de-duplicate. A malformed event is logged and dropped (returning normally, so
 * EventBridge does not retry it into a storm).
 */
import * as z from 'zod';
import { dispatchEvent } from '../hooks/events';
import { registerAll, createRuntime } from './compose';
import { lambdaRuntime } from './secrets';
import type { EcsEvent } from '../aws/ecs-events';

registerAll();

// The runtime, with the secrets read from SSM when *_PARAM variables name them (./secrets.ts). On Lambda
// it is built during INIT: an invalid chatops.yml or a missing variable fails start-up with the field
// path (a missing SSM parameter: one log line naming it), instead of the first event.
const runtime = lambdaRuntime('worker', (env) => createRuntime({ profile: 'worker', env }));
if (process.env.AWS_LAMBDA_FUNCTION_NAME) runtime.prime();

const envelope = z
  .object({
    id: z.string().min(1),
    'detail-type': z.string().min(1),
    source: z.string().min(1),
    detail: z.record(z.string(), z.unknown()),
  })
  .passthrough();

export async function handler(event: unknown): Promise<{ ok: boolean; failed?: string[] }> {
  const rt = await runtime.ready();
  const parsed = envelope.safeParse(event);
  if (!parsed.success) {
    rt.log.error('malformed event dropped', { issues: parsed.error.issues.slice(0, 3) });
    return { ok: false };
  }
  const failed = await dispatchEvent(parsed.data as unknown as EcsEvent, rt);
  await rt.dispatcher.idle?.();
  return failed.length ? { ok: false, failed } : { ok: true };
}
