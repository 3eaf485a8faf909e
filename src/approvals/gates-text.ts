/**
 * What the approval workflow says about the release gates (issue 13): the request card's gate
 * lines, scheduled starts, break-glass and its approval after the fact, lock take-overs and the
 * automatic lock after a rollback. One catalog part (src/i18n/catalog.ts), English and Korean.
 */
import { defineMessages } from '../i18n';

export const gatesText = defineMessages('approvals.gates', {
  // The request card
  gatesHeading: { en: '*Release gates*', ko: '*릴리스 게이트*' },
  headScheduled: { en: ' (scheduled)', ko: ' (예약됨)' },
  stateScheduled: {
    en: ':calendar: *Approved; starts {at}* (in {left}). The scheduler starts it then, after checking the plan and the change window again.',
    ko: ':calendar: *승인됨; {at}에 시작* ({left} 후). 그때 스케줄러가 계획과 변경 허용 시간을 다시 확인한 뒤 시작합니다.',
  },
  pendingStartsAt: {
    en: ':calendar: Once approved, it starts {at} (not before).',
    ko: ':calendar: 승인되면 {at}에 시작합니다 (그 전에는 시작하지 않습니다).',
  },
  breakGlassLine: {
    en: ':rotating_light: *Break-glass* by {user}: “{reason}”. It ran without waiting for approval.',
    ko: ':rotating_light: {user} 님이 *긴급 실행(break-glass)*: “{reason}”. 승인을 기다리지 않고 실행했습니다.',
  },
  retroWaiting: {
    en: '*Approval after the fact:* {given} of {needed}, waiting{who}. I ask in the thread every {every} until {until}.',
    ko: '*사후 승인:* {needed}건 중 {given}건, 대기 중{who}. {until}까지 {every}마다 스레드에서 요청합니다.',
  },
  retroFrom: { en: ' for {approvers}', ko: ' ({approvers})' },
  retroDone: {
    en: ':white_check_mark: *Approved after the fact* by {users} {at}.',
    ko: ':white_check_mark: {users} 님이 {at}에 *사후 승인*했습니다.',
  },
  retroExpired: {
    en: ':warning: *Never approved after the fact*: I stopped asking {at}. The audit trail says so.',
    ko: ':warning: *사후 승인되지 않음*: {at}에 요청을 멈췄습니다. 감사 기록에 그렇게 남아 있습니다.',
  },
  breakGlassNotRun: {
    en: ':rotating_light: *Break-glass* by {user}: “{reason}”. It did not run, so no approval after the fact is needed.',
    ko: ':rotating_light: {user} 님이 *긴급 실행(break-glass)*: “{reason}”. 실행되지 않았으므로 사후 승인은 필요 없습니다.',
  },
  retroButton: { en: 'Approve after the fact', ko: '사후 승인' },
  cancelScheduled: { en: 'Cancel', ko: '취소' },

  // Refusals and answers (codes)
  notBreakGlass: {
    en: 'This request did not break glass, so there is nothing to approve after the fact.',
    ko: '이 요청은 긴급 실행(break-glass)이 아니므로 사후 승인할 것이 없습니다.',
  },
  retroAlready: {
    en: 'This break-glass change was already approved after the fact (or asking for it stopped). Nothing was recorded.',
    ko: '이 긴급 실행 변경은 이미 사후 승인되었거나 요청이 종료되었습니다. 기록된 것이 없습니다.',
  },
  retroNotRun: {
    en: 'This break-glass change did not run, so there is nothing to approve after the fact. Nothing was recorded.',
    ko: '이 긴급 실행 변경은 실행되지 않았으므로 사후 승인할 것이 없습니다. 기록된 것이 없습니다.',
  },
  selfRetro: {
    en: 'You broke glass for this change, so you cannot approve it after the fact yourself. Another approver has to: {approvers}.',
    ko: '이 변경을 긴급 실행한 본인은 사후 승인할 수 없습니다. 다른 승인자가 해야 합니다: {approvers}.',
  },
  scheduledSentence: {
    en: 'This request was approved{by} and starts {at}.',
    ko: '이 요청은 승인되었으며{by} {at}에 시작합니다.',
  },
  approvedBy: { en: ' by {users}', ko: ' (승인: {users})' },
  notStartedLocked: {
    en: 'not started: {service} was locked by {user} before its scheduled start. It will not start by itself: once it is unlocked, request it again.',
    ko: '시작하지 못함: 예약된 시작 전에 {user} 님이 {service} 서비스를 잠갔습니다. 저절로 시작되지 않으니 잠금이 풀린 뒤 다시 요청하세요.',
  },
  notScheduled: {
    en: 'This request is not waiting for a scheduled start (any more). Nothing was changed.',
    ko: '이 요청은 (더 이상) 예약된 시작을 기다리고 있지 않습니다. 변경된 것이 없습니다.',
  },
  lockedAfterRollback: {
    en: '{target} was locked automatically after a rollback {since}: “{reason}”. Nothing was changed. Check the service, then acknowledge it with `/ecs unlock {service}` (or the button on the failure message).',
    ko: '{target}은(는) 롤백 후 자동으로 잠겼습니다 ({since}): “{reason}”. 변경된 것이 없습니다. 서비스를 확인한 뒤 `/ecs unlock {service}`(또는 실패 메시지의 버튼)로 확인 처리하세요.',
  },

  // Scheduled starts
  windowClosedAtStart: {
    en: 'not started: the change window of `{env}` is closed at the scheduled start ({why}). Request it again with `--at next-window`.',
    ko: '시작되지 않음: 예약된 시작 시각에 `{env}`의 변경 허용 시간이 닫혀 있습니다 ({why}). `--at next-window`로 다시 요청하세요.',
  },
  approveWindowClosed: {
    en: 'Not approved: the change window of `{env}` is closed now ({why}), so approving would not start this request.{next} It stays pending: approve it once the window is open (if it is still pending then), or ask {requester} to request it again with `--at next-window`.',
    ko: '승인하지 않았습니다: 지금은 `{env}`의 변경 허용 시간이 닫혀 있어({why}) 승인해도 이 요청은 시작되지 않습니다.{next} 요청은 대기 중으로 남습니다. 변경 허용 시간이 열린 뒤 (그때도 대기 중이면) 승인하거나, {requester} 님에게 `--at next-window`로 다시 요청해 달라고 하세요.',
  },
  approveWindowNext: { en: ' The next window opens {at}.', ko: ' 다음 변경 허용 시간은 {at}에 열립니다.' },
  approveRecordedWindowClosed: {
    en: ':white_check_mark: Your approval is recorded ({given} of {needed}). The change window of `{env}` is closed now ({why}): the last needed approval will be refused until it opens.{next}',
    ko: ':white_check_mark: 승인이 기록되었습니다({needed}개 중 {given}개). 지금은 `{env}`의 변경 허용 시간이 닫혀 있어({why}) 마지막으로 필요한 승인은 시간이 열릴 때까지 거절됩니다.{next}',
  },
  startMissed: {
    en: 'not started: its start time {at} passed {late} ago (it can start at most {grace} late). Request it again.',
    ko: '시작되지 않음: 시작 시각 {at}이(가) {late} 전에 지났습니다 (최대 {grace}까지만 늦게 시작할 수 있습니다). 다시 요청하세요.',
  },

  // Break-glass
  auditPost: {
    en: ':rotating_light: {user} *broke glass* in `{env}`: {what}. Reason: “{reason}”. {link} — it runs now; approvals after the fact are asked for in its thread.',
    ko: ':rotating_light: {user} 님이 `{env}`에서 *긴급 실행(break-glass)*: {what}. 사유: “{reason}”. {link} — 지금 실행되며, 사후 승인은 해당 스레드에서 요청합니다.',
  },
  auditPostFailed: {
    en: ':warning: I could not announce this break-glass use in <#{channel}> ({error}). Tell the people who watch it.',
    ko: ':warning: 이 긴급 실행을 <#{channel}>에 알리지 못했습니다 ({error}). 그 채널을 보는 사람들에게 직접 알려 주세요.',
  },
  threadBreakGlass: {
    en: ':rotating_light: Started without waiting for approval (break-glass by {user}). Approvers, please review it and press *Approve after the fact*: {approvers}.',
    ko: ':rotating_light: 승인을 기다리지 않고 시작했습니다 ({user} 님의 긴급 실행). 승인자분들은 검토 후 *사후 승인*을 눌러 주세요: {approvers}.',
  },
  retroApprovedThread: {
    en: ':white_check_mark: {user} approved this break-glass change after the fact ({progress}).',
    ko: ':white_check_mark: {user} 님이 이 긴급 실행 변경을 사후 승인했습니다 ({progress}).',
  },

  // Locks: take-over and the automatic lock after a rollback
  tookOver: {
    en: ':lock: {user} took over the lock on {what} from {prev}{prevReason}: “{reason}”. New changes to it by anyone else are refused until `/ecs unlock {service}`.',
    ko: ':lock: {user} 님이 {prev} 님의 {what} 잠금을 넘겨받았습니다{prevReason}: “{reason}”. `/ecs unlock {service}` 전까지 다른 사람의 새 변경은 거절됩니다.',
  },
  lockedFresh: {
    en: ':lock: {user} locked {what}: “{reason}”. There was no lock to take over. New changes to it by anyone else are refused until `/ecs unlock {service}`.',
    ko: ':lock: {user} 님이 {what}을(를) 잠갔습니다: “{reason}”. 넘겨받을 잠금은 없었습니다. `/ecs unlock {service}` 전까지 다른 사람의 새 변경은 거절됩니다.',
  },
  prevReason: { en: ' (“{reason}”)', ko: ' (“{reason}”)', same: true },
  dmTakenOver: {
    en: ':lock: {user} took over your lock on {what} in <#{channel}>: “{reason}”. Your lock{prevReason} is gone; talk to them before changing it again.',
    ko: ':lock: {user} 님이 <#{channel}>에서 {what}에 대한 회원님의 잠금을 넘겨받았습니다: “{reason}”. 회원님의 잠금은 해제되었습니다{prevReason}. 다시 변경하기 전에 그분과 이야기하세요.',
  },
  tookOverConfirm: {
    en: ':lock: You hold the lock on {what} now.{told}',
    ko: ':lock: 이제 {what}의 잠금은 회원님이 가지고 있습니다.{told}',
  },
  toldDm: { en: ' I told {prev} directly.', ko: ' {prev} 님에게 직접 알렸습니다.' },
  toldMention: {
    en: ' I could not message {prev} directly, so the channel notice mentions them.',
    ko: ' {prev} 님에게 직접 메시지를 보낼 수 없어 채널 공지에서 멘션했습니다.',
  },
  autoLockReason: {
    en: 'rolled back: {why}',
    ko: '롤백됨: {why}',
  },
  autoLocked: {
    en: ':lock: {what} is locked automatically after the rollback, so the same image is not deployed again by reflex. Check it, then acknowledge: *Acknowledge and unlock* or `/ecs unlock {service}`.',
    ko: ':lock: 롤백 후 {what}이(가) 자동으로 잠겼습니다. 같은 이미지가 반사적으로 다시 배포되지 않도록 하기 위해서입니다. 확인한 뒤 *확인 후 잠금 해제* 또는 `/ecs unlock {service}` 명령으로 처리하세요.',
  },
  autoLockedExternal: {
    en: ':lock: {what} is locked automatically: ECS deployment `{deployment}` failed{reason}. New changes to it are refused until someone acknowledges it (*Acknowledge and unlock* or `/ecs unlock {service}`).',
    ko: ':lock: {what}이(가) 자동으로 잠겼습니다: ECS 배포 `{deployment}`이(가) 실패했습니다{reason}. 누군가 확인 처리할 때까지(*확인 후 잠금 해제* 또는 `/ecs unlock {service}`) 새 변경은 거절됩니다.',
  },
  ackButton: { en: 'Acknowledge and unlock', ko: '확인 후 잠금 해제' },
  acknowledged: {
    en: ':unlock: {user} acknowledged the rollback of {what} and unlocked it. Changes can be requested again.',
    ko: ':unlock: {user} 님이 {what}의 롤백을 확인하고 잠금을 해제했습니다. 다시 변경을 요청할 수 있습니다.',
  },
  ackNotAllowed: {
    en: ':no_entry: Acknowledging a rollback lock in `{env}` needs a requester or an approver there.',
    ko: ':no_entry: `{env}`의 롤백 잠금을 확인 처리하려면 그 환경의 요청자 또는 승인자여야 합니다.',
  },
  ackNothing: {
    en: ':information_source: {what} is not locked after a rollback any more ({state}). Nothing was changed.',
    ko: ':information_source: {what}은(는) 더 이상 롤백 잠금 상태가 아닙니다 ({state}). 변경된 것이 없습니다.',
  },
  ackStale: {
    en: ':grey_question: This button belongs to a message I cannot read any more. Use `/ecs unlock <service>`.',
    ko: ':grey_question: 더 이상 읽을 수 없는 메시지의 버튼입니다. `/ecs unlock <service>`를 사용하세요.',
  },
  stateNotLocked: { en: 'not locked', ko: '잠겨 있지 않음' },
  stateOtherLock: { en: 'locked by {who}', ko: '{who} 님이 잠금' },
});
