/**
 * Alert posts said once even when Slack answers late (src/slack/keyed-post.ts postOnce): an
 * incident's first post is keyed by the incident (service, generation, when it opened: unique even
 * if Redis lost its generations) and marked in the incident's own hash when it got no answer
 * (lua/post-mark-1.lua), so the next attempt (the next event or the scheduled check) looks for it in
 * the channel before posting it again. Thread replies are keyed by their thread and their identity
 * (backlog.ts replyKey); one that got no answer or was refused waits in the service's backlog with its key
 * (./backlog.ts), and the check looks for it before saying it. Worker-side: sync.ts loads this lazily,
 * so it stays out of dist/slack.js.
 */
import type { ResolvedService } from '../config/schema';
import { keys } from '../redis/keys';
import { luaScript, runScript } from '../redis/scripts';
import type { Runtime } from '../runtime';
import type { SlackMessage } from '../slack/blocks';
import { postOnce, type PostMark } from '../slack/keyed-post';
import postMarkLua from './lua/post-mark-1.lua';

const MARK = luaScript('alert_post_mark', 1, postMarkLua);

type Svc = Pick<ResolvedService, 'environment' | 'alias'>;

/** The key of incident `gen`'s first post (PostOptions.key). */
export const alertPostKey = (svc: Svc, gen: number, openedAt: number): string => `alert:${svc.environment}:${svc.alias}:${gen}:${openedAt}`;

/** The mark `u:<name>` of incident `gen` in its own hash (lua/post-mark-1.lua). */
export function incidentMark(rt: Runtime, svc: Svc, gen: number, name: string): PostMark {
  const run = (op: 'get' | 'set' | 'del', at = 0) =>
    runScript(rt.redis, MARK, [keys.incident(svc.environment, svc.alias)], [gen, op, name, at]) as Promise<string | null>;
  return { read: () => run('get'), set: (at) => run('set', at), clear: () => run('del') };
}

/** Post incident `view`'s first message in `channel`, once (looked for first when an earlier attempt got no answer). */
export async function postAlertOnce(
  rt: Runtime,
  svc: Svc,
  view: { gen: number; openedAt: number },
  channel: string,
  msg: SlackMessage,
): Promise<{ ts: string; channel: string; found: boolean }> {
  return postOnce(rt, msg, {
    channel,
    key: alertPostKey(svc, view.gen, view.openedAt),
    mark: incidentMark(rt, svc, view.gen, 'post'),
    ctx: { service: svc.alias, environment: svc.environment, gen: view.gen, post: 'alert' },
  });
}
