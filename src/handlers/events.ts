/**
 * Lambda entry for ECS events from EventBridge. Delivery is at least once and unordered;
 * consumers de-duplicate. A malformed event is logged and dropped (returning normally, so
 * EventBridge does not retry it into a storm). When a consumer failed for a reason that may pass
 * (Redis unreachable, Slack or AWS slow, down or rate limiting), the invocation fails, so Lambda
 * retries the event (EventBridge invokes asynchronously: two more attempts, a minute and two minutes
 * later); the retry runs only the consumers that did not finish: dispatchEvent marks each consumer in
 * Redis as it finishes, so a retry after the invocation died midway (a crash, the timeout) skips the
 * ones that had finished too. A retry with nothing marked (Redis was down) runs every consumer:
 * alerts and images de-duplicate by event or task and deploy tracking re-reads ECS, but the
 * auto-lock would lock again a service someone unlocked in between. A failure a retry would only repeat (Slack's
 * `channel_not_found`, `not_in_channel`, `invalid_auth`, an access denied, an event a consumer
 * cannot read: classifyConsumerFailure, src/hooks/events.ts) is logged with what to fix, and the
 * invocation returns: three runs of the same work and the same error help nobody.
 */
import * as z from 'zod';
import { dispatchEvent } from '../hooks/events';
import { withInvocationDeadline } from '../hooks/jobs';
import { registerAll, createRuntime } from './compose';
import { redisSlackPauses } from '../redis/slack-pause';
import { lambdaRuntime } from './secrets';
import type { EcsEvent } from '../aws/ecs-events';

registerAll();

// The runtime, with the secrets read from SSM when *_PARAM variables name them (./secrets.ts). On Lambda
// it is built during INIT: an invalid chatops.yml or a missing variable fails start-up with the field
// path (a missing SSM parameter: one log line naming it), instead of the first event.
const runtime = lambdaRuntime('worker', (env) => createRuntime({ profile: 'worker', env, slackPauses: redisSlackPauses }));
if (process.env.AWS_LAMBDA_FUNCTION_NAME) runtime.prime();

const envelope = z
  .object({
    id: z.string().min(1),
    'detail-type': z.string().min(1),
    source: z.string().min(1),
    detail: z.record(z.string(), z.unknown()),
  })
  .passthrough();

export async function handler(event: unknown, context?: { getRemainingTimeInMillis?(): number }): Promise<{ ok: boolean }> {
  const left = context?.getRemainingTimeInMillis?.();
  const deadline = left === undefined ? undefined : Date.now() + left;
  const rt = await runtime.ready();
  const parsed = envelope.safeParse(event);
  if (!parsed.success) {
    rt.log.error('malformed event dropped', { issues: parsed.error.issues.slice(0, 3) });
    return { ok: false };
  }
  // The invocation's end bounds the work's waits for Slack (a 429's Retry-After, compose.ts workDeadline),
  // the consumers' and those of the jobs they hand on in this process alike, besides each one's budget.
  const failed = await withInvocationDeadline(deadline, async () => {
    const f = await dispatchEvent(parsed.data as unknown as EcsEvent, rt);
    await rt.dispatcher.idle?.();
    return f;
  });
  const retry = failed.filter((f) => f.retryable);
  // The retry runs only these: dispatchEvent marked the consumers that finished (or failed for good) as they finished.
  if (retry.length) throw new ConsumersFailed(retry.map((f) => f.name));
  return { ok: !failed.length };
}

/** Thrown so Lambda retries the event: the consumers named did not finish, for reasons that may pass (each logged why). */
export class ConsumersFailed extends Error {
  constructor(readonly failed: string[]) {
    super(`event consumers failed: ${failed.join(', ')}; Lambda retries the event`);
    this.name = 'ConsumersFailed';
  }
}
