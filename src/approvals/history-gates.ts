/**
 * `/ecs history`: the release-gate marks of one run (break-glass and its approval after the fact,
 * a scheduled start, presses on the traffic-shift gate, the automatic lock after a rollback, the
 * gate lines of the card). Pure; one catalog part.
 */
import { defineMessages, type Locale } from '../i18n';
import { mention, oneLine, truncate } from '../slack/text';
import { slackDate } from '../slack/time';
import type { BotRun } from './history';
import { endedUnstarted } from './model';

const text = defineMessages('approvals.history-gates', {
  breakGlass: { en: ':rotating_light: *break-glass*: “{reason}”', ko: ':rotating_light: *긴급 실행*: “{reason}”' },
  retroWaiting: { en: 'not approved after the fact yet', ko: '아직 사후 승인되지 않음' },
  retroExpired: { en: '*never approved after the fact*', ko: '*사후 승인되지 않음*' },
  retroNotRun: { en: 'did not run: no approval after the fact needed', ko: '실행되지 않음: 사후 승인 필요 없음' },
  scheduled: { en: ':calendar: scheduled for {at}', ko: ':calendar: {at} 시작으로 예약됨' },
  shifted: { en: 'traffic shifted by {user}', ko: '{user} 님이 트래픽 전환' },
  rolledBack: { en: 'rolled back at the traffic gate by {user}', ko: '{user} 님이 트래픽 게이트에서 롤백' },
  late: { en: 'a late press by {user} (the pause had ended)', ko: '{user} 님의 늦은 누름 (일시 중지 종료 후)' },
  autoLocked: { en: ':lock: locked after the rollback', ko: ':lock: 롤백 후 잠김' },
  acknowledged: { en: ', acknowledged by {user}', ko: ', {user} 님이 확인' },
  gates: { en: 'Gates: {lines}', ko: '게이트: {lines}' },
  retroApprovedBy: { en: 'approved after the fact by {users}', ko: '{users} 님이 사후 승인' },
  noApprovalBreakGlass: { en: 'no approval (break-glass)', ko: '승인 없음 (긴급 실행)' },
});

/** "approved after the fact by …" / "no approval (break-glass)" for a break-glass run. */
export function breakGlassApprovalText(r: BotRun, locale: Locale = 'en'): string {
  const t = text.in(locale);
  return r.retro?.state === 'approved'
    ? t('retroApprovedBy', { users: r.approvers.map((u) => mention(u)).join(', ') })
    : t('noApprovalBreakGlass');
}

/** One line of marks, or '' when the run met no release gate. */
export function historyGatesLine(r: BotRun, locale: Locale = 'en'): string {
  const t = text.in(locale);
  const marks: string[] = [];
  if (r.breakGlass !== undefined) {
    marks.push(t('breakGlass', { reason: oneLine(r.breakGlass, 150) }));
    // One that never ran changed nothing: it needs no approval after the fact (unless it got one).
    if (r.retro?.state !== 'approved' && (r.notRun || endedUnstarted(r))) marks.push(t('retroNotRun'));
    else if (!r.retro) marks.push(t('retroWaiting'));
    else if (r.retro.state === 'expired') marks.push(t('retroExpired'));
  }
  if (r.scheduledFor) marks.push(t('scheduled', { at: slackDate(r.scheduledFor) }));
  for (const s of r.shifts ?? []) {
    const key = s.event === 'traffic-shifted' ? 'shifted' : s.event === 'traffic-rolled-back' ? 'rolledBack' : 'late';
    marks.push(t(key, { user: mention(s.actor) }));
  }
  if (r.autoLocked) marks.push(`${t('autoLocked')}${r.acknowledgedBy ? t('acknowledged', { user: mention(r.acknowledgedBy) }) : ''}`);
  const gateLines = (r.gates ?? []).filter((g) => g.gate === 'promotion' || g.gate === 'cost' || g.gate === 'window');
  if (gateLines.length) marks.push(t('gates', { lines: truncate(gateLines.map((g) => g.text.replace(/\.$/, '')).join('; '), 600) }));
  return marks.join(' · ');
}
