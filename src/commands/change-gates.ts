/**
 * The release gates of a planned change (issue 13), evaluated in the worker between the plan and
 * the request: each configured gate (`environments.<env>.gates` in chatops.yml) either passes with
 * a line for the request card (kept in the request and its audit entry), or refuses with the
 * reason and what to do instead. A dry run shows the refusals as notes.
 *
 *   promotion     the digest completed healthy upstream (and soaked), src/deploy/promotion.ts
 *   windows       inside a change window, or `--at` a time inside one (then scheduled)
 *   break-glass   `--break-glass "reason"`: allowed users only; runs at once, bypassing approval,
 *                 the windows, the promotion order and the cost approval (each said on the card)
 *   cost          the cost delta of the change; above `extraApprovalAbove` one more approval
 *   trafficShift  the service's deployments pause for a decision in the thread
 */
import type { Runtime } from '../runtime';
import type { Invocation } from '../slack/invocation';
import type { GateNote } from '../approvals/types';
import { BotError } from '../errors';
import { code, principal, verbTitle } from '../slack/text';
import { slackDate } from '../slack/time';
import { defineMessages, formatDuration, type Locale } from '../i18n';
import { principalsFor } from '../policy/authorize';
import {
  closedBecause,
  closedText,
  closesAt,
  describeWindows,
  isOpen,
  localParts,
  nextOpen,
  parseLocal,
  zonedTime,
  windowsApply,
} from '../policy/windows';
import { isTimeZone, type WindowsConfig } from '../config/gates';
import type { ChangeVerb } from '../config/schema';
import { MAX_SCHEDULE_AHEAD_MS } from '../approvals/gate-settings';
import type { Prepared } from '../deploy/planner';
import { requestVerb } from '../deploy/plan';
import { costLine, money } from '../deploy/cost-delta';
import { healthyIn, promotionBypassedLine, promotionPassedLine, promotionRefusal, promotionVerdict } from '../deploy/promotion';
import type { ChangeArgsBase } from './change-args';
import { answerFor } from '../approvals/codes';
import { guardFromHash } from '../approvals/guards';
import { keys } from '../redis/keys';

const text = defineMessages('commands.gates', {
  // break-glass
  bgNotEnabled: {
    en: 'Break-glass is not enabled in `{env}`, so this change waits for approval like any other. Run it again without `--break-glass`.',
    ko: '`{env}`에서는 긴급 실행(break-glass)이 켜져 있지 않아 이 변경도 다른 변경처럼 승인을 기다려야 합니다. `--break-glass` 없이 다시 실행하세요.',
  },
  bgNotAllowed: {
    en: 'You may not break glass in `{env}`. Who may: {who}. Run it again without `--break-glass` to ask for approval.',
    ko: '`{env}`에서 긴급 실행(break-glass)을 할 권한이 없습니다. 가능한 사람: {who}. 승인을 요청하려면 `--break-glass` 없이 다시 실행하세요.',
  },
  frozenApprovers: {
    en: 'Approvers in `{env}`, who can unfreeze it: {who}.',
    ko: '`{env}` 환경의 동결을 해제할 수 있는 승인자: {who}.',
  },
  bgHint: {
    en: 'The list is `environments.{env}.gates.breakGlass.users` in chatops.yml.',
    ko: '목록은 chatops.yml의 `environments.{env}.gates.breakGlass.users`입니다.',
  },
  bgWithAt: {
    en: '`--break-glass` runs the change now; it cannot be combined with `--at`. Use one or the other.',
    ko: '`--break-glass`는 변경을 지금 실행하므로 `--at`과 함께 쓸 수 없습니다. 둘 중 하나만 사용하세요.',
  },
  // windows
  windowOpen: {
    en: 'Change window: open now ({windows}){closes}.',
    ko: '변경 허용 시간: 지금 열려 있음 ({windows}){closes}.',
  },
  windowCloses: { en: ', until {at}', ko: ', {at}까지' },
  windowScheduled: {
    en: 'Change window: scheduled for {at} ({windows}).',
    ko: '변경 허용 시간: {at} 시작으로 예약됨 ({windows}).',
  },
  windowBypassed: {
    en: 'Change window: *bypassed by break-glass* (now is {why}).',
    ko: '변경 허용 시간: *긴급 실행(break-glass)으로 건너뜀* (지금은 {why}).',
  },
  windowClosed: {
    en: '`{env}` takes {verb} changes only inside its change windows, and now is {why}. Nothing was requested.',
    ko: '`{env}` 환경은 변경 허용 시간 안에서만 {verb} 변경을 받으며, 지금은 {why}입니다. 요청된 것이 없습니다.',
  },
  windowNext: {
    en: 'The next window opens {at}. Ask again with `--at next-window` to have it approved now and started then, or name a time with `--at {example}`.',
    ko: '다음 허용 시간은 {at}에 열립니다. `--at next-window`로 다시 요청하면 지금 승인받고 그때 시작합니다. 또는 `--at {example}`처럼 시간을 지정하세요.',
  },
  windowNone: {
    en: 'No window opens in the next {days} days (blackouts?). Check `environments.{env}.gates.windows` in chatops.yml.',
    ko: '앞으로 {days}일 안에 열리는 허용 시간이 없습니다 (변경 금지 기간?). chatops.yml의 `environments.{env}.gates.windows`를 확인하세요.',
  },
  atClosed: {
    en: '{at} is {why}, so `{env}` would not start it then. Nothing was requested.',
    ko: '{at} 시각은 {why}이므로 `{env}`에서 그때 시작할 수 없습니다. 요청된 것이 없습니다.',
  },
  atPast: {
    en: '{at} is in the past. Give a time ahead, or `--at next-window`.',
    ko: '{at}: 이미 지난 시각입니다. 앞으로의 시각이나 `--at next-window`를 지정하세요.',
  },
  atTooFar: {
    en: '{at} is more than {max} ahead; the scheduler keeps requests at most that long. Ask closer to the time.',
    ko: '{at}: {max}보다 먼 미래입니다. 스케줄러는 그 기간까지만 요청을 보관합니다. 가까운 시점에 다시 요청하세요.',
  },
  atMalformed: { en: '`{at}` is not a date and time I can read.', ko: '`{at}`: 읽을 수 있는 날짜와 시각이 아닙니다.' },
  atFormat: {
    en: 'Write a real local time in {zone}: `--at 02:00` (the next 02:00), `--at tomorrow 02:00`, `--at {example}`, `--at +30m`, or `--at next-window`.',
    ko: '{zone} 기준 실제 현지 시각으로 쓰세요: `--at 02:00`(다가오는 02:00), `--at 내일 02:00`, `--at {example}`, `--at +30m`, 또는 `--at next-window`.',
  },
  nextWindowNoWindows: {
    en: '`{env}` has no change windows, so there is no next window to wait for: run it without `--at`, or name a time.',
    ko: '`{env}`에는 변경 허용 시간이 없어 기다릴 다음 허용 시간이 없습니다. `--at` 없이 실행하거나 시각을 지정하세요.',
  },
  scheduledAt: { en: 'Scheduled: starts {at} (asked with {asked}).', ko: '예약: {at}에 시작 (요청 시 입력: {asked}).' },
  /** `--at 02:00` read in the requester's own time zone: which one, for readers elsewhere. */
  askedIn: { en: '{at} in {zone}', ko: '{zone} 기준 {at}' },
  nextWindowOpenNow: {
    en: 'Change window: open now ({windows}), so `--at next-window` starts it as soon as it is approved.',
    ko: '변경 허용 시간: 지금 열려 있음 ({windows}). 따라서 `--at next-window`는 승인되는 즉시 시작합니다.',
  },
  // cost
  cost: { en: 'Cost: {line}.', ko: '비용: {line}.' },
  costExtra: {
    en: 'Cost: {line}. That is above `{env}`’s limit of {limit}/month, so it needs one more approval ({needed} in all).',
    ko: '비용: {line}. `{env}`의 한도 월 {limit}를 넘으므로 승인이 하나 더 필요합니다 (모두 {needed}건).',
  },
  costExtraBg: {
    en: 'Cost: {line}. That is above `{env}`’s limit of {limit}/month: one more approval after the fact ({needed} in all).',
    ko: '비용: {line}. `{env}`의 한도 월 {limit}를 넘으므로 사후 승인이 하나 더 필요합니다 (모두 {needed}건).',
  },
  // traffic shift
  traffic: {
    en: 'Traffic shift: its deployments pause at {stages}; production traffic moves only when someone presses *Shift production traffic* in the thread ({who}).',
    ko: '트래픽 전환: 이 서비스의 배포는 {stages}에서 일시 중지되며, 누군가 스레드에서 *운영 트래픽 전환*을 눌러야 운영 트래픽이 이동합니다 ({who}).',
  },
  // dry run
  wouldRefuse: { en: ':no_entry_sign: The real request would be refused: {why}', ko: ':no_entry_sign: 실제 요청은 거부됩니다: {why}' },
  // the requester's answer
  requestedScheduled: {
    en: ':calendar: Request {id} to {verb} {service} is posted in <#{channel}>{approvals}. It starts {at}; progress will be reported in its thread.',
    ko: ':calendar: <#{channel}>에 {service} {verb} 요청을 올렸습니다 ({id}){approvals}. {at}에 시작하며, 진행 상황은 스레드에 알립니다.',
  },
  requestedApprovals: { en: ' and needs {n} {n|approval|approvals} first', ko: '. 먼저 승인 {n}건이 필요합니다' },
  requestedBreakGlass: {
    en: ':rotating_light: Break-glass: {verb} {service} in `{env}` runs now without approval (request {id}). It is announced in <#{audit}> and approvers are asked after the fact in the thread in <#{channel}>.',
    ko: ':rotating_light: 긴급 실행(break-glass): `{env}`의 {service} {verb}이(가) 승인 없이 지금 실행됩니다 (요청 {id}). <#{audit}>에 공지되었고, <#{channel}> 스레드에서 승인자들에게 사후 승인을 요청합니다.',
  },
});

export interface GateOutcome {
  /** The card's gate lines (kept in the request and its audit entry). */
  gates: GateNote[];
  startAt?: number;
  breakGlass?: string;
  extraApprovals: number;
  /** Dry run only: the refusals the real request would get. */
  refusals: string[];
}

class GateRefusal extends BotError {
  constructor(message: string, hint?: string) {
    super('REFUSED', `release gate: ${message.slice(0, 120)}`, { userMessage: message, ...(hint ? { hint } : {}) });
  }
}

/** "2026-12-02T02:00" in the zone (what `--at` takes). */
function localIso(t: number, timeZone: string): string {
  const p = localParts(t, timeZone);
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${p.year}-${pad(p.month)}-${pad(p.day)}T${pad(Math.floor(p.minutes / 60))}:${pad(p.minutes % 60)}`;
}

/** The zone suffix of a `--at` date and time (`Z`, `+09:00`). */
const AT_OFFSET = /(Z|[+-]\d{2}:\d{2})$/i;

/**
 * `--at` text → epoch ms: a local date and time in `zone` (atZone), or with an explicit offset; a
 * time of day (`02:00`), the next time the zone's clock shows it (today if not past, else tomorrow);
 * `tomorrow 02:00` (or `내일 02:00`), that time on the zone's next calendar day;
 * a delay (`+30m`, `+2h`) from `now`.
 */
export function resolveAt(at: string, zone: string, now: number): number | undefined {
  const after = /^\+(\d+)(m|h)$/.exec(at);
  if (after) return now + Number(after[1]) * (after[2] === 'h' ? 3_600_000 : 60_000);
  const clock = /^(?:(tomorrow|\uB0B4\uC77C) )?(\d{2}):(\d{2})$/.exec(at);
  if (clock) {
    const today = localParts(now, zone);
    const minutes = Number(clock[2]) * 60 + Number(clock[3]);
    if (clock[1]) return zonedTime(today.year, today.month, today.day + 1, minutes, zone);
    const t = zonedTime(today.year, today.month, today.day, minutes, zone);
    return t >= now - 60_000 ? t : zonedTime(today.year, today.month, today.day + 1, minutes, zone);
  }
  if (AT_OFFSET.test(at)) {
    const ms = Date.parse(at.toUpperCase().endsWith('Z') ? at.toUpperCase() : at);
    return Number.isFinite(ms) ? ms : undefined;
  }
  return parseLocal(at, zone);
}

/** Whether `at` is a local time (a time of day, or a date and time without an offset): it needs a zone. */
function localAt(at: string): boolean {
  return !at.startsWith('+') && !AT_OFFSET.test(at);
}

/**
 * The zone a local `--at` is read in: the change windows' (the team's), else the requester's own
 * Slack time zone (users.info `tz`), else UTC when Slack does not say or cannot be asked.
 */
async function atZone(rt: Runtime, w: WindowsConfig | undefined, userId: string): Promise<string> {
  if (w) return w.timeZone;
  const tz = await rt.slack.userTimeZone(userId).catch((err: unknown) => {
    rt.log.warn('users.info failed; reading --at in UTC', { user: userId, err });
    return undefined;
  });
  return tz && isTimeZone(tz) ? tz : 'UTC';
}

/**
 * Evaluate the gates of `prepared` for this invocation. Refusals throw (a BotError with the reason
 * and what to do), except in a dry run, where they come back as `refusals`.
 */
export async function evaluateGates(rt: Runtime, inv: Invocation, prepared: Prepared, args: ChangeArgsBase): Promise<GateOutcome> {
  const { plan } = prepared;
  const envName = plan.environment;
  const env = rt.config.environments[envName]!;
  const g = env.gates;
  // A refusal (and all of a dry run) is the requester's alone, in their language; the card's gate lines are the channel's.
  const reader: Locale = await rt.people.localeOf(inv.userId);
  const locale: Locale = args.dryRun ? reader : rt.config.slack.language;
  const t = text.in(locale);
  const tr = text.in(reader);
  const now = rt.now();
  const out: GateOutcome = { gates: [], extraApprovals: 0, refusals: [] };
  const refuse = (message: string, hint?: string): void => {
    if (args.dryRun) out.refusals.push(tr('wouldRefuse', { why: message }));
    else throw new GateRefusal(message, hint);
  };

  // Break-glass: checked first (it changes what the other gates do).
  let breakGlass = false;
  if (args.breakGlass !== undefined) {
    // A frozen environment refuses every change, break-glass or not: say that (and who can unfreeze it),
    // not to run it again without `--break-glass`, which the freeze refuses too.
    const freeze = guardFromHash(await rt.redis.hgetall(keys.envFreeze(envName)));
    if (freeze)
      refuse(
        answerFor('FROZEN', { now, environment: envName, guard: freeze }, reader),
        tr('frozenApprovers', { env: envName, who: env.approvers.map((p) => principal(p, reader)).join(', ') }),
      );
    else if (!g.breakGlass) refuse(tr('bgNotEnabled', { env: envName }));
    else if (args.at) refuse(tr('bgWithAt'));
    else if (!(await rt.access.holds(envName, inv.userId, 'breakGlass'))) {
      refuse(
        tr('bgNotAllowed', {
          env: envName,
          who: principalsFor(env, 'breakGlass')
            .map((p) => principal(p))
            .join(', '),
        }),
        tr('bgHint', { env: envName }),
      );
    } else breakGlass = true;
    if (breakGlass) out.breakGlass = args.breakGlass;
  }

  // 1. Promotion order (deploys: the digest must have completed healthy upstream).
  const from = g.promotion?.from ?? args.promoteFrom;
  if (from && plan.verb === 'deploy') {
    // The configured gate, or `/ecs promote --from` where there is none (then shown, and it passes by construction).
    const soakMs = g.promotion?.from === from ? g.promotion.soak : undefined;
    // The bot's record, else ECS's deployment history upstream (a deploy made by CI or in the console).
    const record =
      (await healthyIn(rt, plan.digest, from)) ??
      (await (await import('../deploy/promotion.run')).healthyInEcs(rt, plan.digest, from, plan.repository));
    const v = promotionVerdict(record, soakMs, now);
    const tag = plan.tag ?? args.promotedTag;
    const o = { digest: plan.digest, ...(tag ? { tag } : {}), from, ...(soakMs ? { soakMs } : {}), now, locale };
    if (v.ok) out.gates.push({ gate: 'promotion', text: promotionPassedLine(v, o) });
    else if (breakGlass) out.gates.push({ gate: 'promotion', text: promotionBypassedLine(v, o) });
    else {
      const upstream = Object.entries(rt.config.services).find(([, s]) => s.environment === from && s.repository === plan.repository)?.[0];
      const readyAtLocal =
        v.reason === 'soak'
          ? g.windows
            ? localIso(v.readyAt, g.windows.timeZone)
            : `${new Date(v.readyAt).toISOString().slice(0, 16)}Z`
          : undefined;
      const r = promotionRefusal(v, {
        ...o,
        locale: reader,
        env: envName,
        service: plan.alias,
        ...(upstream ? { upstream } : {}),
        ...(readyAtLocal ? { readyAtLocal } : {}),
      });
      refuse(r.message, r.hint);
    }
  }

  // 3. Change windows, and `--at`.
  const w = g.windows;
  const gated = windowsApply(w, plan.verb);
  if (args.at && !breakGlass) {
    if (args.at === 'next-window') {
      if (!gated) refuse(tr('nextWindowNoWindows', { env: envName }));
      else if (isOpen(w, now)) out.gates.push({ gate: 'window', text: t('nextWindowOpenNow', { windows: describeWindows(w, locale) }) });
      else {
        const next = nextOpen(w, now);
        if (next === undefined) refuse(tr('windowNone', { days: 35, env: envName }));
        else {
          out.startAt = next;
          out.gates.push({ gate: 'window', text: t('windowScheduled', { at: slackDate(next), windows: describeWindows(w, locale) }) });
        }
      }
    } else {
      const zone = localAt(args.at) ? await atZone(rt, w, inv.userId) : 'UTC';
      const at = resolveAt(args.at, zone, now);
      if (at === undefined) {
        refuse(tr('atMalformed', { at: args.at }), tr('atFormat', { zone, example: localIso(now + 86_400_000, zone) }));
      } else if (at < now - 60_000) refuse(tr('atPast', { at: code(args.at) }));
      else if (at > now + MAX_SCHEDULE_AHEAD_MS)
        refuse(tr('atTooFar', { at: code(args.at), max: formatDuration(MAX_SCHEDULE_AHEAD_MS, reader) }));
      else if (gated && !isOpen(w, at)) {
        const next = nextOpen(w, at);
        refuse(
          tr('atClosed', { at: `${code(args.at)} (${slackDate(at)})`, why: closedText(w, closedBecause(w, at)!, reader), env: envName }),
          next !== undefined ? tr('windowNext', { at: slackDate(next), example: localIso(next, w.timeZone) }) : undefined,
        );
      } else {
        out.startAt = Math.max(at, now);
        out.gates.push(
          gated
            ? { gate: 'window', text: t('windowScheduled', { at: slackDate(out.startAt), windows: describeWindows(w, locale) }) }
            : {
                gate: 'window',
                text: t('scheduledAt', {
                  at: slackDate(out.startAt),
                  // The text as typed; a local one read in the requester's own zone names it.
                  asked: localAt(args.at) && !w ? t('askedIn', { at: code(`--at ${args.at}`), zone }) : code(`--at ${args.at}`),
                }),
              },
        );
      }
    }
  } else if (gated) {
    const closed = closedBecause(w, now);
    if (!closed) {
      const end = closesAt(w, now);
      out.gates.push({
        gate: 'window',
        text: t('windowOpen', { windows: describeWindows(w, locale), closes: end ? t('windowCloses', { at: slackDate(end) }) : '' }),
      });
    } else if (breakGlass) {
      out.gates.push({ gate: 'window', text: t('windowBypassed', { why: closedText(w, closed, locale) }) });
    } else {
      const next = nextOpen(w, now);
      refuse(
        tr('windowClosed', { env: envName, verb: plan.verb, why: closedText(w, closed, reader) }),
        next !== undefined
          ? tr('windowNext', { at: slackDate(next), example: localIso(next, w.timeZone) })
          : tr('windowNone', { days: 35, env: envName }),
      );
    }
  }

  // 6. The cost of the change.
  if (prepared.cost) {
    const line = costLine(prepared.cost, locale);
    const limit = g.cost?.extraApprovalAbove;
    if (limit !== undefined && prepared.cost.ok && prepared.cost.perMonth > limit) {
      out.extraApprovals = 1;
      const approvals = env.approvals[requestVerb(plan)];
      const needed = breakGlass ? Math.max(1, approvals + 1) : approvals + 1;
      out.gates.push({
        gate: 'cost',
        text: t(breakGlass ? 'costExtraBg' : 'costExtra', { line, env: envName, limit: money(limit, false), needed }),
      });
    } else out.gates.push({ gate: 'cost', text: t('cost', { line }) });
  }

  // 2. The traffic-shift gate (shown; it acts when the deployment pauses).
  if (prepared.pauseStages?.length && plan.verb !== 'scale') {
    out.gates.push({
      gate: 'trafficShift',
      text: t('traffic', {
        stages: prepared.pauseStages.map(code).join(', '),
        who:
          principalsFor(env, 'shifter')
            .map((p) => principal(p))
            .join(', ') || '—',
      }),
    });
  }
  return out;
}

/** What the requester sees for a scheduled or a break-glass request (the others keep the usual answer). */
export function gateRequestedText(
  rt: Runtime,
  r: {
    id: string;
    channel: string;
    environment: string;
    service: string;
    verb: string;
    state: string;
    approvalsNeeded: number;
    startAt?: number;
    breakGlass?: string;
  },
  locale: Locale,
): string | undefined {
  const t = text.in(locale);
  // The English sentence takes the verb as typed ("to restart"); the Korean one its noun (재시작).
  const verb = locale === 'en' ? r.verb : verbTitle(r.verb as ChangeVerb, locale);
  if (r.breakGlass !== undefined) {
    const audit = rt.config.environments[r.environment]?.gates.breakGlass?.auditChannel ?? r.channel;
    return t('requestedBreakGlass', {
      verb,
      service: code(r.service),
      env: r.environment,
      id: code(r.id),
      audit,
      channel: r.channel,
    });
  }
  if (r.startAt !== undefined && (r.state === 'pending' || r.state === 'scheduled')) {
    return t('requestedScheduled', {
      id: code(r.id),
      verb,
      service: code(r.service),
      channel: r.channel,
      approvals: r.state === 'pending' ? t('requestedApprovals', { n: r.approvalsNeeded }) : '',
      at: slackDate(r.startAt),
    });
  }
  return undefined;
}
