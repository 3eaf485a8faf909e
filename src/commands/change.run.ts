/**
 * The end of planning (worker side): answer a dry run with the plan and the diff, or hand the
 * plan to the approval workflow (which posts the request in the channel, refuses when the
 * service is locked, the environment frozen or another change open, and runs it at once when
 * the environment needs no approval). The requester's answer goes to the response_url.
 */
import type { SlackMessage } from '../slack/blocks';
import type { Runtime } from '../runtime';
import { answerInvocation } from '../slack/reply';
import { code, notificationText } from '../slack/text';
import { section } from '../slack/blocks';
import { announceBreakGlass } from '../approvals/gates';
import { evaluateGates, gateRequestedText } from './change-gates';
import type { ChangeArgsBase } from './change-args';
import type { Prepared } from '../deploy/planner';
import { requestVerb } from '../deploy/plan';
import { dryRunMessage, requestedMessage } from '../deploy/render';
import { runDryRunMessage, runRequestedMessage } from '../deploy/run-render';
import { noteRollbackOnAlert } from './rollback-note.run';
import type { Invocation } from '../slack/invocation';
import { submitRequest } from '../approvals/workflow';
import { readGuards } from '../approvals/guards';
import { guardText } from '../approvals/format';
import { defineMessages } from '../i18n/catalog';
import type { Locale } from '../i18n/locale';

const M = defineMessages('commands.change', {
  frozen: {
    en: ':snowflake: {env} is frozen {guard}: the real request would be refused until it is unfrozen.',
    ko: ':snowflake: {env} 환경이 동결되어 있습니다 — {guard}. 동결을 해제할 때까지 실제 요청은 거절됩니다.',
  },
  locked: {
    en: ':lock: {service} is locked {guard}: the real request would be refused until it is unlocked.',
    ko: ':lock: {service} 서비스가 잠겨 있습니다 — {guard}. 잠금을 풀 때까지 실제 요청은 거절됩니다.',
  },
  unavailable: {
    en: 'Lock and freeze state unavailable (the bot cannot reach Redis).',
    ko: '잠금·동결 상태를 확인할 수 없습니다 (봇이 Redis에 연결하지 못함).',
  },
});

/** The requester's own answers (dry runs, "request posted") are for them only. */
function answer(rt: Runtime, inv: Invocation, msg: SlackMessage): Promise<void> {
  return answerInvocation(rt, inv, msg, { inChannel: false });
}

export async function submitPrepared(rt: Runtime, inv: Invocation, prepared: Prepared, args: ChangeArgsBase): Promise<void> {
  const { plan } = prepared;
  // The release gates (promotion, windows, break-glass, cost, traffic shift): refusals throw here.
  const gates = await evaluateGates(rt, inv, prepared, args);
  if (args.dryRun) {
    const locale = await rt.people.localeOf(inv.userId);
    const notes = [
      ...prepared.notes,
      ...gates.gates.map((g) => g.text),
      ...gates.refusals,
      ...(await guardNotes(rt, plan.environment, plan.alias, inv.userId, locale)),
    ];
    await answer(
      rt,
      inv,
      plan.verb === 'run' ? runDryRunMessage(plan, notes, locale) : dryRunMessage(plan, prepared.details, notes, locale, rt.now()),
    );
    return;
  }
  const req = await submitRequest(rt, {
    verb: requestVerb(plan),
    environment: plan.environment,
    service: plan.alias,
    plan,
    summary: prepared.summary,
    ...(prepared.details ? { details: prepared.details } : {}),
    requester: inv.userId,
    ...(args.reason ? { reason: args.reason } : {}),
    channel: inv.channelId,
    invocationId: inv.id,
    ...(gates.gates.length ? { gates: gates.gates } : {}),
    ...(gates.startAt !== undefined ? { startAt: gates.startAt } : {}),
    ...(gates.breakGlass !== undefined ? { breakGlass: gates.breakGlass } : {}),
    ...(gates.extraApprovals ? { extraApprovals: gates.extraApprovals } : {}),
  });
  if (req.breakGlass !== undefined) await announceBreakGlass(rt, req);
  // Asked from an alert's Roll back button: said once in the alert's thread too.
  if (inv.alert && plan.verb === 'rollback') await noteRollbackOnAlert(rt, inv.alert, req, plan, inv.userId);
  rt.log.info('change requested', {
    requestId: req.id,
    verb: requestVerb(plan),
    environment: plan.environment,
    service: plan.alias,
    state: req.state,
  });
  // The requester's own answer, in their language.
  const locale = await rt.people.localeOf(inv.userId);
  const special = gateRequestedText(rt, req, locale);
  await answer(
    rt,
    inv,
    special
      ? { text: notificationText(special), blocks: [section(special)], locale }
      : plan.verb === 'run'
        ? runRequestedMessage(plan, req, locale)
        : requestedMessage(plan, req, locale),
  );
}

/** A dry run says what would refuse the real request: a lock on the service (not the requester's own), a freeze of the environment. */
async function guardNotes(rt: Runtime, environment: string, alias: string, requester: string, locale: Locale): Promise<string[]> {
  const t = M.in(locale);
  try {
    const g = await readGuards(rt.redis, environment, [alias]);
    const now = rt.now();
    const notes: string[] = [];
    if (g.frozen) notes.push(t('frozen', { env: code(environment), guard: guardText(g.frozen, now, locale) }));
    const lock = g.locks[alias];
    if (lock && lock.kind !== 'change' && !(lock.kind === 'manual' && lock.by === requester))
      notes.push(t('locked', { service: code(alias), guard: guardText(lock, now, locale) }));
    return notes;
  } catch (err) {
    rt.log.warn('lock and freeze state unavailable for a dry run', { err });
    return [t('unavailable')];
  }
}
