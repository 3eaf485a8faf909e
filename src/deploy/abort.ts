/**
 * The Abort / Roll back button on a running change's status card (Slack-facing: Redis and Slack
 * only). The clicker needs the same permission as the change itself (requester, or approver, of
 * the environment); the AWS part runs in the worker (./abort.run.ts). One abort at a time per
 * request: the click claims it (HSETNX), the worker releases the claim if AWS refuses.
 */
import { z } from 'zod';
import type { ActionContext } from '../hooks/actions';
import { code, principal } from '../slack/text';
import { keys, TRACK_TTL_SECONDS } from '../redis/keys';
import { principalsFor } from '../policy/authorize';
import { getRequest } from '../approvals/workflow';

export const abortJobSchema = z.object({
  kind: z.literal('change-abort'),
  id: z.string().min(1),
  requestId: z.string().min(1),
  userId: z.string().min(1),
});
export type AbortJob = z.infer<typeof abortJobSchema>;

export async function handleAbortClick(ctx: ActionContext): Promise<void> {
  const { rt, userId } = ctx;
  const id = ctx.action.value ?? '';
  const req = id ? await getRequest(rt.redis, id) : undefined;
  if (!req) {
    await ctx.whisper(':grey_question: This change is no longer on record, so there is nothing to abort.');
    return;
  }
  if (req.channel !== ctx.channelId) {
    rt.log.warn('abort button refused: clicked outside the request channel', { request: id, user: userId, channel: ctx.channelId });
    await ctx.whisper(`:no_entry: This button belongs to a request in another channel (<#${req.channel}>), so I did nothing.`);
    return;
  }
  if (req.state !== 'running') {
    await ctx.whisper(
      `This change already ${req.state === 'succeeded' ? 'completed' : req.state}; there is nothing to abort. To undo it, use \`/ecs rollback ${req.service}\`.`,
    );
    return;
  }
  // The same permission as the change itself: requester or approver of the environment.
  if (!(await rt.access.holdsAny(req.environment, userId, ['requester', 'approver']))) {
    const env = rt.config.environments[req.environment];
    const who = env ? [...principalsFor(env, 'requester'), ...principalsFor(env, 'approver')].map(principal) : [];
    await ctx.whisper(
      `:no_entry: Aborting a change in ${code(req.environment)} needs the same permission as making it (requesters or approvers: ${[...new Set(who)].join(', ') || 'nobody configured'}).`,
    );
    return;
  }
  const track = keys.changeTrack(id);
  const claimed = await rt.redis.hsetnx(track, 'abort', userId);
  if (claimed !== 1) {
    const by = await rt.redis.hget(track, 'abort');
    await ctx.whisper(`:hourglass: <@${by ?? 'someone'}> is already aborting this change.`);
    return;
  }
  await rt.redis.expire(track, TRACK_TTL_SECONDS);
  try {
    const job: AbortJob = { kind: 'change-abort', id: `abort-${id}-${rt.now()}`, requestId: id, userId };
    await rt.dispatcher.dispatch(job);
  } catch (err) {
    await rt.redis.hdel(track, 'abort').catch(() => undefined);
    throw err;
  }
  await ctx.whisper(`:octagonal_sign: Aborting the ${req.verb} of ${code(req.service)}… I'll report in the thread.`);
}
