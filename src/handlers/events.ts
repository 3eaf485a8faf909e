/**
 * Lambda entry for ECS events from EventBridge. Delivery is at least once and unordered;
 * consumers de-duplicate. A malformed event is logged and dropped (returning normally, so
 * EventBridge does not retry it into a storm).
 */
import { z } from 'zod';
import { dispatchEvent } from '../hooks/events';
import { registerAll, createRuntime, getRuntime } from './compose';
import type { EcsEvent } from '../aws/ecs-events';

registerAll();

// On Lambda, build the runtime during INIT: an invalid chatops.yml or a missing variable fails
// start-up with the field path, instead of the first event.
if (process.env.AWS_LAMBDA_FUNCTION_NAME) getRuntime('worker', () => createRuntime({ profile: 'worker' }));

const envelope = z
  .object({
    id: z.string().min(1),
    'detail-type': z.string().min(1),
    source: z.string().min(1),
    detail: z.record(z.string(), z.unknown()),
  })
  .passthrough();

export async function handler(event: unknown): Promise<{ ok: boolean; failed?: string[] }> {
  const rt = getRuntime('worker', () => createRuntime({ profile: 'worker' }));
  const parsed = envelope.safeParse(event);
  if (!parsed.success) {
    rt.log.error('malformed event dropped', { issues: parsed.error.issues.slice(0, 3) });
    return { ok: false };
  }
  const failed = await dispatchEvent(parsed.data as unknown as EcsEvent, rt);
  await rt.dispatcher.idle?.();
  return failed.length ? { ok: false, failed } : { ok: true };
}
