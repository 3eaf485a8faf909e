/**
 * The worker part of a notice (./notice.ts): post it said once, through the one look-then-post
 * (./keyed-post.ts postKeyedAt with `again`). Every attempt looks for its key first (right away for
 * a first attempt Slack refused, LATE_POST_GRACE_MS after one that got no answer), so a notice that
 * landed without an answer, or that another attempt at it posted (a retried invocation, the
 * follow-up of a lost Redis answer: src/commands/recheck.run.ts), is found and not said twice; one
 * that never landed is posted once. The worker's patient Slack client (retries, 429 waits within
 * the invocation's deadline). A direct message (to a user id) is looked for in the bot's DM with
 * the person (src/slack/patient.run.ts findPosted).
 */
import * as z from 'zod';
import { lazySchema } from '../config/lazy-schema';
import { LOCALES } from '../i18n/locale';
import type { Runtime } from '../runtime';
import type { SlackMessage } from '../slack/blocks';
import { permanentSlackFailure } from '../slack/failures';
import { postKeyedAt } from './keyed-post';

const noticeJob = lazySchema(() =>
  z.object({
    kind: z.literal('notice'),
    id: z.string().min(1).max(300),
    channel: z.string().regex(/^[CDGUW][A-Z0-9]{1,30}$/),
    key: z.string().min(1).max(250),
    msg: z.object({
      text: z.string().max(40_000),
      blocks: z.array(z.object({ type: z.string() }).passthrough()).max(50),
      locale: z.enum(LOCALES).optional(),
    }),
    triedAt: z.number().int().nonnegative().optional(),
  }),
);

export async function runNotice(raw: unknown, rt: Runtime): Promise<void> {
  const parsed = noticeJob.safeParse(raw);
  if (!parsed.success) {
    rt.log.error('notice: invalid job dropped', { issues: parsed.error.issues.slice(0, 3) });
    return;
  }
  const job = parsed.data;
  try {
    await postNoticeOnce(rt, job.channel, job.msg as SlackMessage, job.key, job.triedAt);
  } catch (err) {
    const permanent = permanentSlackFailure(err);
    // Slack will refuse it again (the channel, the token): said in the log; anything else is tried again by Lambda.
    if (!permanent) throw err;
    rt.log.error('notice: Slack refused it; not tried again', {
      channel: job.channel,
      key: job.key,
      slack: permanent.code,
      fix: permanent.fix,
    });
  }
}

/**
 * Post `msg` in `channel` (a user id: their direct message) keyed `key`, looking for it first:
 * `triedAt` (real time) when an earlier attempt got no answer, else at once. Throws what the post
 * threw.
 */
export async function postNoticeOnce(rt: Runtime, channel: string, msg: SlackMessage, key: string, triedAt = 0): Promise<void> {
  const { found } = await postKeyedAt(rt, { channel, key, triedAt, about: { notice: key } }, msg, { again: true });
  rt.log.info(found ? 'notice: the earlier attempt had landed' : 'notice: posted', { channel, key });
}
