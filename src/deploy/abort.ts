/**
 * The Abort / Roll back button on a running change's status card (Slack-facing: Redis and Slack
 * only). The clicker needs the same permission as the change itself (requester, or approver, of
 * the environment); the AWS part runs in the worker (./abort.run.ts). One abort at a time per
 * request: the click claims it (HSETNX), the worker releases the claim if AWS refuses.
 */
import * as z from 'zod';
import { lazySchema } from '../config/lazy-schema';
import type { ActionContext } from '../hooks/actions';
import { dispatchWithin } from '../slack/click-budget';
import { code, link, messageUrl, principal } from '../slack/text';
import { requestVerbTitle, shownVerb } from '../approvals/format';
import { clickPlace } from '../approvals/click-place';
import type { ChangeRequest } from '../approvals/types';
import { defineMessages } from '../i18n/catalog';
import type { Locale } from '../i18n/locale';

const M = defineMessages('deploy.abort', {
  otherChannel: {
    en: ':no_entry: This button belongs to a request in another channel ({channel}), so I did nothing.',
    ko: ':no_entry: 이 버튼은 다른 채널({channel})의 요청에 속한 것이라 아무것도 하지 않았습니다.',
  },
  otherMessage: {
    en: ':no_entry: This button is not on the message it belongs to, so I did nothing. Use the one on {link}.',
    ko: ':no_entry: 이 버튼은 원래 메시지에 있는 것이 아니라 아무것도 하지 않았습니다. {link}의 버튼을 쓰세요.',
  },
  card: { en: 'the status card', ko: '상태 카드' },
  pause: { en: 'the traffic-shift message', ko: '트래픽 전환 메시지' },
  gone: {
    en: ':grey_question: This change is no longer on record, so there is nothing to abort.',
    ko: ':grey_question: 이 변경의 기록이 더 이상 없어 중단할 것이 없습니다.',
  },
  alreadyDone: {
    en: 'This change already {state}; there is nothing to abort. To undo it, use `/ecs rollback {service}`.',
    ko: '이 변경은 이미 {state}. 중단할 것이 없습니다. 되돌리려면 `/ecs rollback {service}` 명령을 쓰세요.',
  },
  completed: { en: 'completed', ko: '완료되었습니다' },
  failed: { en: 'failed', ko: '실패했습니다' },
  unconfirmed: { en: 'ended (not confirmed)', ko: '끝났습니다 (결과 확인 안 됨)' },
  other: { en: 'ended ({state})', ko: '끝났습니다 ({state})' },
  forbidden: {
    en: ':no_entry: Aborting a change in {env} needs the same permission as making it (requesters or approvers: {who}).',
    ko: ':no_entry: {env} 환경의 변경을 중단하려면 변경할 때와 같은 권한이 필요합니다 (요청자나 승인자: {who}).',
  },
  nobody: { en: 'nobody configured', ko: '설정된 사람 없음' },
  alreadyAborting: {
    en: ':hourglass: {user} is already aborting this change.',
    ko: ':hourglass: {user} 님이 이미 이 변경을 중단하는 중입니다.',
  },
  someone: { en: 'someone', ko: '누군가' },
  aborting: {
    en: ":octagonal_sign: Aborting the {verb} of {service}… I'll report in the thread.",
    ko: ':octagonal_sign: {service} {verb} 작업을 중단하는 중… 결과는 스레드에 알리겠습니다.',
  },
});

/** "completed" / "failed" / "ended (not confirmed)" / "ended (rejected)" for a request that is no longer running. */
export function endedWords(state: string, locale: Locale, unconfirmed = false): string {
  const t = M.in(locale);
  if (state === 'failed' && unconfirmed) return t('unconfirmed');
  return state === 'succeeded' ? t('completed') : state === 'failed' ? t('failed') : t('other', { state });
}
import { keys, TRACK_TTL_SECONDS } from '../redis/keys';
import { claimField } from '../redis/claim';
import { principalsFor } from '../policy/authorize';
import { getRequest } from '../approvals/workflow';
import { unconfirmedEnd } from '../approvals/model';

export const abortJobSchema = lazySchema(() =>
  z.object({
    kind: z.literal('change-abort'),
    id: z.string().min(1),
    requestId: z.string().min(1),
    userId: z.string().min(1),
  }),
);
export type AbortJob = z.infer<typeof abortJobSchema>;

/**
 * Whether a click on a button of request `req`'s thread comes from the message that carries it (`ts`,
 * or one of `also`; the channel alone while `ts` is not known yet), decided as for the request's own
 * buttons (src/approvals/click-place.ts); when not, the clicker is told where it is and it is logged
 * (a button replayed from elsewhere, or an orphaned copy, acts on nothing).
 */
export async function clickedOnItsMessage(
  ctx: ActionContext,
  req: Pick<ChangeRequest, 'id' | 'channel' | 'messageTs'>,
  what: 'card' | 'pause',
  ts: string | undefined,
  also: readonly (string | undefined)[] = [],
): Promise<boolean> {
  const place = clickPlace({ channel: req.channel, messageTs: ts }, { channelId: ctx.channelId, messageTs: ctx.messageTs }, also);
  if (place === 'ok') return true;
  ctx.rt.log.warn(`${what} button refused: not clicked on its message`, {
    request: req.id,
    user: ctx.userId,
    channel: ctx.channelId,
    messageTs: ctx.messageTs,
    ts,
  });
  const t = M.in(ctx.locale);
  // A reply in the request's thread: its link opens the thread.
  const url = `${messageUrl(req.channel, ts ?? '')}${req.messageTs ? `?thread_ts=${req.messageTs}&cid=${req.channel}` : ''}`;
  await ctx.whisper(
    place === 'otherChannel' ? t('otherChannel', { channel: `<#${req.channel}>` }) : t('otherMessage', { link: link(url, t(what)) }),
  );
  return false;
}

export async function handleAbortClick(ctx: ActionContext): Promise<void> {
  const { rt, userId } = ctx;
  const id = ctx.action.value ?? '';
  const req = id ? await getRequest(rt.redis, id) : undefined;
  const t = M.in(ctx.locale);
  if (!req) {
    await ctx.whisper(t('gone'));
    return;
  }
  if (!(await clickedOnItsMessage(ctx, req, 'card', req.statusTs, [req.stuckTs]))) return;
  if (req.state !== 'running') {
    await ctx.whisper(t('alreadyDone', { state: endedWords(req.state, ctx.locale, unconfirmedEnd(req)), service: req.service }));
    return;
  }
  // The same permission as the change itself: requester or approver of the environment.
  if (!(await rt.access.holdsAny(req.environment, userId, ['requester', 'approver']))) {
    const env = rt.config.environments[req.environment];
    const who = env ? [...principalsFor(env, 'requester'), ...principalsFor(env, 'approver')].map((p) => principal(p, ctx.locale)) : [];
    await ctx.whisper(t('forbidden', { env: code(req.environment), who: [...new Set(who)].join(', ') || t('nobody') }));
    return;
  }
  const track = keys.changeTrack(id);
  const claimed = await claimField(rt.redis, track, 'abort', userId, TRACK_TTL_SECONDS);
  if (!claimed) {
    const by = await rt.redis.hget(track, 'abort');
    await ctx.whisper(t('alreadyAborting', { user: by ? `<@${by}>` : t('someone') }));
    return;
  }
  try {
    const job: AbortJob = { kind: 'change-abort', id: `abort-${id}-${rt.now()}`, requestId: id, userId };
    await dispatchWithin(rt.dispatcher, job, ctx.budget);
  } catch (err) {
    await rt.redis.hdel(track, 'abort').catch(() => undefined);
    throw err;
  }
  // "the rollback of web" (the noun), "web 롤백 작업".
  const verb = ctx.locale === 'en' ? shownVerb(req) : requestVerbTitle(req, ctx.locale);
  await ctx.whisper(t('aborting', { verb, service: code(req.service) }));
}
