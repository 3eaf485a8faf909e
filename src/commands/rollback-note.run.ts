/**
 * A rollback asked for from an alert's Roll back button is said once in the alert's thread, so the
 * people watching the alert see what was done, not only the presser (who is told privately): who
 * asked, to which task definition, and where its request card is (a link to it), or that it is
 * running now when no approval is needed. Worker-only (called from ./change.run.ts once
 * the request exists), in the workspace's language.
 *
 * Said once per request: the first to claim `m:alert-note` in the request's progress hash
 * (keys.changeTrack, the tracker's postOnce pattern) posts it; a job delivered twice finds the same
 * request (its invocation id) and the claim taken. The note is keyed (`alert:<alert ts>:rollback:<request
 * id>` in its metadata). Refused for now (429, 5xx, an error a retry may pass) or unanswered (Slack may
 * have taken it), it waits in the alert incident's backlog like the alert's own replies
 * (src/alerts/backlog.ts), and the scheduled check says it in its turn, as itself, looking first for
 * one that got no answer: said once, later, not lost. That holds too when a new incident of the service
 * has just replaced the alert's (the new one keeps the replaced message as `prev`: incidentOfMessage).
 * Refused for good (the channel, the token), or the alert's incident older than that, it is logged and its
 * claim given back (a later delivery of the job, if any, says it): the request stands, and the presser
 * was told. Not paced like the alert's own replies when it goes at once: one line per person's press.
 *
 * The change's outcome is not repeated under the alert: the request card's thread carries its
 * progress and end, and the alert's own "recovered" line tells when the service is well again.
 */
import type { ChangeRequest } from '../approvals/types';
import { taskDefName } from './render/common';
import type { ChangePlan } from '../deploy/plan';
import { defineMessages } from '../i18n/catalog';
import { claimField } from '../redis/claim';
import { keys, TRACK_TTL_SECONDS } from '../redis/keys';
import type { Runtime } from '../runtime';
import { section } from '../slack/blocks';
import { code, link, messageUrl, notificationText } from '../slack/text';
import { mayHaveLanded, permanentSlackFailure } from '../slack/failures';
import { isSlackRateLimited } from '../slack/gateway';
import { deferReply, incidentOfMessage, replyKey } from '../alerts/backlog';

const M = defineMessages('commands.rollback-note', {
  requested: {
    en: '↩️ {user} asked to roll back {service} to {to}: {request} in {channel} needs {n} {n|approval|approvals}.',
    ko: '↩️ {user} 님이 {service} 서비스를 {to}(으)로 롤백해 달라고 요청했습니다. {channel}의 {request}에 승인이 {n}개 필요합니다.',
  },
  started: {
    en: '↩️ {user} is rolling back {service} to {to} now: {request} in {channel}.',
    ko: '↩️ {user} 님이 지금 {service} 서비스를 {to}(으)로 롤백하고 있습니다: {channel}의 {request}.',
  },
  other: {
    en: '↩️ {user} asked to roll back {service} to {to}: {request} in {channel}.',
    ko: '↩️ {user} 님이 {service} 서비스를 {to}(으)로 롤백해 달라고 요청했습니다: {channel}의 {request}.',
  },
  request: { en: 'request {id}', ko: '요청 {id}' },
});

/** The request's progress-hash field that says the note was posted (or is being posted). */
const CLAIM = 'm:alert-note';

/** Say in the alert's thread (`alert`: the pressed alert message) that `userId` asked for the rollback `req`. */
export async function noteRollbackOnAlert(
  rt: Runtime,
  alert: { channel: string; ts: string },
  req: ChangeRequest,
  plan: ChangePlan,
  userId: string,
): Promise<void> {
  const log = rt.log.child({ requestId: req.id, service: plan.alias, environment: plan.environment });
  const t = M.in(rt.config.slack.language);
  const label = t('request', { id: req.id });
  const params = {
    user: `<@${userId}>`,
    service: code(plan.alias),
    to: code(plan.verb === 'rollback' ? taskDefName(plan.targetTaskDefinition) : '?'),
    request: req.messageTs ? link(messageUrl(req.channel, req.messageTs), label) : label,
    channel: `<#${req.channel}>`,
  };
  const text =
    req.state === 'pending'
      ? t('requested', { ...params, n: req.approvalsNeeded })
      : req.state === 'approved' || req.state === 'running'
        ? t('started', params)
        : t('other', params);
  try {
    if (!(await claimField(rt.redis, keys.changeTrack(req.id), CLAIM, String(rt.now()), TRACK_TTL_SECONDS))) return;
  } catch (err) {
    log.warn('alert: the rollback note could not be claimed; not posted', { err });
    return;
  }
  const msg = { text: notificationText(text), blocks: [section(text)] };
  const key = replyKey(alert.ts, `rollback:${req.id}`);
  try {
    await rt.slack.post(alert.channel, msg, { threadTs: alert.ts, key });
    log.info('alert: rollback noted in the alert thread', { channel: alert.channel, alertTs: alert.ts, state: req.state });
    return;
  } catch (err) {
    const svc = { environment: plan.environment, alias: plan.alias };
    const gen = permanentSlackFailure(err) ? undefined : await incidentOf(rt, svc, alert);
    if (gen !== undefined) {
      const unanswered = mayHaveLanded(err);
      const why = unanswered ? 'no answer' : isSlackRateLimited(err) ? 'rate limited' : 'not delivered';
      log.info('alert: the rollback note waits for the scheduled check', { why, err });
      await deferReply(rt, svc, { gen, channel: alert.channel, ts: alert.ts }, msg, why, log, { key, unanswered });
      return;
    }
    await rt.redis.hdel(keys.changeTrack(req.id), CLAIM).catch(() => undefined);
    log.warn('alert: the rollback note was not posted in the alert thread', { err });
  }
}

/** The generation of the incident whose message is `alert` (the service's, or the one it just replaced); undefined when older (or Redis fails). */
async function incidentOf(
  rt: Runtime,
  svc: { environment: string; alias: string },
  alert: { channel: string; ts: string },
): Promise<number | undefined> {
  return (await incidentOfMessage(rt.redis, svc, alert).catch(() => undefined))?.gen;
}
