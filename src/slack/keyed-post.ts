/**
 * A post said once even when Slack answers late (issue: a message Slack took but answered after the
 * client stopped waiting was said twice). The post carries a key in its metadata (PostOptions.key);
 * when it gets no answer (mayHaveLanded) the caller's mark records when; the next attempt first
 * looks for the key (findPosted, at least LATE_POST_GRACE_MS after the mark, so a late post has
 * landed) and takes what it finds as posted. Where the mark lives is the caller's: a request's
 * track or any Redis hash field, or only the call's own memory (src/approvals/keyed-post.ts
 * postKeyed / postKeyedAt, which add a second try in the same call), an alert incident's own hash
 * (src/alerts/keyed.run.ts) or its backlog claim (src/alerts/backlog.ts). The one look-then-post:
 * call it rather than writing another. Worker-side code (not in dist/slack.js).
 */
import type { Logger } from '../log';
import type { SlackMessage } from './blocks';
import type { SlackGateway } from './gateway';
import { LATE_POST_GRACE_MS, mayHaveLanded } from './failures';

/** Where a post that got no answer is remembered (when, real time in ms), owned by the caller. */
export interface PostMark {
  /** When an earlier attempt got no answer, or null/undefined when none did. May throw (then: no mark known). */
  read(): Promise<string | number | null | undefined>;
  set(at: number): Promise<unknown>;
  clear(): Promise<unknown>;
}

export interface KeyedPost {
  channel: string;
  key: string;
  /** A reply in this thread (looked for there too). */
  threadTs?: string;
  broadcast?: boolean;
  mark: PostMark;
  /** Said with every log line (which post this is). */
  ctx?: Record<string, unknown>;
  /**
   * When the look for an earlier attempt fails, throw its error instead of posting (said once or
   * not yet, never twice: for a caller that tries again later, such as a notice Lambda gave up on).
   */
  lookOrFail?: boolean;
}

/**
 * Post `msg` keyed (`p.key`), looking first for an earlier attempt that got no answer (`p.mark`).
 * When the look fails (Slack cannot be read, the scopes are missing, the thread is too long), it
 * posts: said twice rather than never (a Slack that cannot answer a read is unlikely to have taken
 * the post). A failed read of the mark posts too. Throws what the post threw, after marking it when
 * it may have landed. Returns the post's ts, and whether it was found (it shows what the earlier
 * attempt said).
 */
export async function postOnce(
  rt: { slack: Pick<SlackGateway, 'post' | 'findPosted'>; log: Logger },
  msg: SlackMessage,
  p: KeyedPost,
): Promise<{ ts: string; channel: string; found: boolean }> {
  const ctx = p.ctx ?? {};
  const markedAt = await Promise.resolve()
    .then(() => p.mark.read())
    .catch((err: unknown) => {
      rt.log.warn('could not read whether an earlier post got no answer; posting', { ...ctx, err });
      return null;
    });
  const wasUnsure = markedAt !== null && markedAt !== undefined && markedAt !== '';
  const clear = () =>
    Promise.resolve()
      .then(() => p.mark.clear())
      .catch(() => undefined);
  if (wasUnsure) {
    // Right after the post that got no answer (the same work trying again), give a late one time to land.
    const wait = Number(markedAt) + LATE_POST_GRACE_MS - Date.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, Math.min(wait, LATE_POST_GRACE_MS)));
    try {
      const ts = await rt.slack.findPosted(p.channel, p.key, p.threadTs);
      if (ts) {
        rt.log.info('an earlier post that got no answer had landed; not posting it again', { ...ctx, ts });
        await clear();
        return { ts, channel: p.channel, found: true };
      }
    } catch (err) {
      if (p.lookOrFail) {
        rt.log.warn('could not tell whether an earlier post landed; not posting it now', { ...ctx, err });
        throw err;
      }
      rt.log.warn('could not tell whether an earlier post landed; posting it (twice rather than never)', { ...ctx, err });
    }
  }
  const where = p.threadTs ? { threadTs: p.threadTs, ...(p.broadcast ? { broadcast: true } : {}) } : {};
  try {
    const { ts, channel } = await rt.slack.post(p.channel, msg, { ...where, key: p.key });
    if (wasUnsure) await clear();
    return { ts, channel, found: false };
  } catch (err) {
    // Real time (not rt.now()): it measures LATE_POST_GRACE_MS, a real wait.
    if (mayHaveLanded(err))
      await Promise.resolve()
        .then(() => p.mark.set(Date.now()))
        .catch((e: unknown) =>
          rt.log.warn('a post that got no answer could not be marked; a later attempt will not look for it first', { ...ctx, err: e }),
        );
    throw err;
  }
}
