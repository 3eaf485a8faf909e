/**
 * The traffic-shift gate's buttons (Slack-facing: Redis and Slack only). Shift production traffic
 * needs the `shifter` role (`gates.trafficShift.approvers`, default the environment's approvers) and,
 * like an approval, not the requester unless `allowRequester`; Roll back also the requester and the
 * approvers. One press per pause: the click claims it (HSETNX `press.<key>` in the track hash) and
 * the worker (./traffic.run.ts) sends it to ECS, or releases the claim when ECS could not take it.
 * A press after the pause's timeout is answered at once, without asking ECS.
 */
import * as z from 'zod';
import { lazySchema } from '../config/lazy-schema';
import type { ActionContext } from '../hooks/actions';
import { COMMAND_NEEDS, dispatchWithin, lookupWithin } from '../slack/click-budget';
import { WITHIN_ACK_TIMEOUT_MS } from '../slack/gateway';
import { keys, TRACK_TTL_SECONDS } from '../redis/keys';
import { claimField } from '../redis/claim';
import { principalsFor } from '../policy/authorize';
import { code, mention, principal } from '../slack/text';
import { slackDate } from '../slack/time';
import { getRequest } from '../approvals/workflow';
import { unconfirmedEnd } from '../approvals/model';
import { pauseRecordSchema, pressNeeds, type PauseRecord, type PressJob } from './traffic-model';
import { continueLabel, TRAFFIC_ACTION, trafficText } from './traffic-text';
import { clickedOnItsMessage } from './abort';

const pressClaimSchema = lazySchema(() => z.object({ user: z.string(), action: z.enum(['CONTINUE', 'ROLLBACK']), at: z.number() }));

function parseValue(value: string | undefined): { requestId: string; key: string } | undefined {
  const m = /^(.{1,120}):([0-9a-f]{12})$/.exec(value ?? '');
  return m ? { requestId: m[1]!, key: m[2]! } : undefined;
}

function parseJson<T>(schema: z.ZodType<T>, raw: string | null): T | undefined {
  if (!raw) return undefined;
  try {
    const r = schema.safeParse(JSON.parse(raw));
    return r.success ? r.data : undefined;
  } catch {
    return undefined;
  }
}

export async function handleTrafficClick(ctx: ActionContext): Promise<void> {
  const { rt, userId } = ctx;
  // Every answer here is the clicker's alone, in their language (the buttons' labels stay as the message shows them).
  const t = trafficText.in(ctx.locale);
  const shown = trafficText.in(rt.config.slack.language)('rollbackButton');
  const action = ctx.action.action_id === TRAFFIC_ACTION.rollback ? 'ROLLBACK' : 'CONTINUE';
  const v = parseValue(ctx.action.value);
  const req = v ? await getRequest(rt.redis, v.requestId) : undefined;
  if (!v || !req) {
    await ctx.whisper(t('unknownPause', { service: req?.service ?? '<service>' }));
    return;
  }
  // Like Approve and Abort: only from the request's channel (the pause is in its thread), and only
  // on the pause's own message (its ts is in the pause record, read here anyway).
  if (!(await clickedOnItsMessage(ctx, req, 'pause', undefined))) return;
  const track = keys.changeTrack(req.id);
  const rec: PauseRecord | undefined = parseJson(pauseRecordSchema, await rt.redis.hget(track, `pause.${v.key}`));
  if (!rec) {
    await ctx.whisper(t('unknownPause', { service: req.service }));
    return;
  }
  if (!(await clickedOnItsMessage(ctx, req, 'pause', rec.ts))) return;
  if (req.state !== 'running') {
    await ctx.whisper(t('notRunning', { state: unconfirmedEnd(req) ? t('notConfirmed') : code(req.state) }));
    return;
  }
  const button = action === 'CONTINUE' ? continueLabel(rec.stage, rt.config.slack.language) : shown;
  const pressed = parseJson(pressClaimSchema, await rt.redis.hget(track, `press.${v.key}`));
  if (pressed) {
    const was = pressed.action === 'CONTINUE' ? continueLabel(rec.stage, rt.config.slack.language) : shown;
    await ctx.whisper(t('alreadyPressed', { user: mention(pressed.user), button: was, at: slackDate(pressed.at) }));
    return;
  }
  if (rec.closed) {
    await ctx.whisper(rec.closed);
    return;
  }
  // The pause's own deadline passed: ECS already took its timeout action.
  if (rec.expiresAt !== undefined && rt.now() >= rec.expiresAt) {
    await ctx.whisper(
      t('pauseOver', { stage: code(rec.stage), at: slackDate(rec.expiresAt), action: code(rec.timeoutAction ?? 'ROLLBACK') }),
    );
    return;
  }
  const env = rt.config.environments[req.environment];
  const who = env
    ? principalsFor(env, 'shifter')
        .map((p) => principal(p))
        .join(', ') || '—'
    : '—';
  // The worker asks again before it sends the press (traffic.run.ts), under the configuration as it is then.
  const needs = pressNeeds({ requester: req.requester, allowRequester: env?.gates.trafficShift?.allowRequester ?? false }, userId, action);
  if (
    needs.refused ||
    (needs.roles.length &&
      !(await rt.access.holdsAny(req.environment, userId, needs.roles, lookupWithin(ctx.budget, WITHIN_ACK_TIMEOUT_MS, COMMAND_NEEDS))))
  ) {
    await ctx.whisper(t(needs.refusal, { env: req.environment, who }));
    return;
  }
  const claimed = await claimField(
    rt.redis,
    track,
    `press.${v.key}`,
    JSON.stringify({ user: userId, action, at: rt.now() }),
    TRACK_TTL_SECONDS,
  );
  if (!claimed) {
    const other = parseJson(pressClaimSchema, await rt.redis.hget(track, `press.${v.key}`));
    await ctx.whisper(t('alreadyPressed', { user: mention(other?.user ?? 'bot'), button, at: slackDate(other?.at ?? rt.now()) }));
    return;
  }
  try {
    const job: PressJob = {
      kind: 'traffic-shift',
      id: `press-${req.id}-${v.key}-${rt.now()}`,
      requestId: req.id,
      key: v.key,
      action,
      userId,
    };
    await dispatchWithin(rt.dispatcher, job, ctx.budget);
  } catch (err) {
    await rt.redis.hdel(track, `press.${v.key}`).catch(() => undefined);
    throw err;
  }
  await ctx.whisper(t('sending', { action: code(action), stage: code(rec.stage) }));
}
