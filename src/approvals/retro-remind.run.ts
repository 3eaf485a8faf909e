/**
 * The break-glass reminder tick (src/approvals/gates.ts `remindRetro` loads it: the scheduled
 * function only) and the scheduling of a change's next reminder, with the tick's texts.
 */
import type { Runtime } from '../runtime';
import { storeOp } from '../redis/client';
import { defineMessages, formatDuration } from '../i18n';
import { code, notificationText } from '../slack/text';
import { dropEntry, dueEntries, serviceIndex } from './indexes';
import { parseRequestId } from './ids';
import { endedUnstarted } from './model';
import { retroSettings } from './gate-settings';
import { approverList, threadPost } from './gates';
import { getRequest, refreshMessage, transit } from './workflow';
import { luaScript, runScript } from '../redis/scripts';
import type { IndexEntry } from './indexes';
import remindNextLua from './lua/remind-next-1.lua';
import { postKeyed } from './keyed-post';
import type { ChangeRequest } from './types';
import { section } from '../slack/blocks';

/**
 * The end of the asking in the request's thread (an approval's outcome), said once: keyed, so a post
 * Slack answered late is looked for and tried once more instead of lost or said twice. (Reminders
 * stay unkeyed: another follows.)
 */
async function retroEnded(rt: Runtime, req: ChangeRequest, text: string): Promise<void> {
  await postKeyed(rt, req, 'retro-ended', { text: notificationText(text), blocks: [section(text)] }, { again: true });
}

const REMIND_NEXT = luaScript('retro_remind_next', 1, remindNextLua);

/**
 * Moves `entry` (read from its service's retro index) to `next`, unless a transition moved it since
 * it was read. True when moved.
 */
export async function scheduleNextReminder(rt: Runtime, entry: IndexEntry, next: number): Promise<boolean> {
  return Number(await runScript(rt.redis, REMIND_NEXT, [entry.key], [entry.id, entry.score, next])) === 1;
}

const text = defineMessages('approvals.retroRemind', {
  reminder: {
    en: ':bell: Still waiting for an approval after the fact of this break-glass change ({given} of {needed}). {approvers}',
    ko: ':bell: 이 긴급 실행 변경의 사후 승인을 아직 기다리고 있습니다 ({needed}건 중 {given}건). {approvers}',
  },
  retroExpiredThread: {
    en: ':hourglass: Nobody approved this break-glass change after the fact within {deadline}, so I stopped asking. The audit trail records it as never approved.',
    ko: ':hourglass: {deadline} 안에 아무도 이 긴급 실행 변경을 사후 승인하지 않아 요청을 멈췄습니다. 감사 기록에는 승인되지 않은 것으로 남습니다.',
  },
  reminderUnconfigured: {
    en: 'chatops.yml no longer names {service} in {env}, but the change ran: its approval after the fact is still asked.',
    ko: 'chatops.yml에 {env}의 {service} 서비스가 더 이상 없지만 변경은 실행되었으므로 사후 승인은 계속 요청합니다.',
  },
  retroEndedUnconfigured: {
    en: ':information_source: chatops.yml no longer names the environment {env}: nobody can approve this change after the fact, so I stopped asking. The audit trail records it as never approved.',
    ko: ':information_source: chatops.yml에 {env} 환경이 더 이상 없어 사후 승인할 사람이 없으므로 요청을 멈췄습니다. 감사 기록에는 승인되지 않은 것으로 남습니다.',
  },
  retroEndedNotRun: {
    en: ':information_source: This break-glass change did not run (nothing was changed), so no approval after the fact is needed: I stopped asking.',
    ko: ':information_source: 이 긴급 실행 변경은 실행되지 않았으므로(바뀐 것 없음) 사후 승인이 필요 없어 요청을 멈췄습니다.',
  },
  retroNotRunDetail: { en: 'it did not run: no approval after the fact needed', ko: '실행되지 않음: 사후 승인 필요 없음' },
  retroEndedUnconfiguredDetail: {
    en: 'environment {env} no longer in chatops.yml',
    ko: 'chatops.yml에 {env} 환경이 더 이상 없음',
  },
  retroExpiredDetail: {
    en: 'no approval after the fact within {deadline}',
    ko: '{deadline} 안에 사후 승인 없음',
  },
});

/**
 * The reminder tick: ask again in the thread of every break-glass request still without its approval
 * after the fact, from every service's retro index and the legacy one (its members move to their
 * service's index at their next reminder).
 */
export async function remindRetro(rt: Runtime, batch = 50): Promise<number> {
  const now = rt.now();
  const entries = await storeOp(() => dueEntries(rt, 'retro', now, batch));
  let reminded = 0;
  for (const entry of entries) {
    const id = entry.id;
    const ref = parseRequestId(id);
    const req = ref ? await storeOp(() => getRequest(rt.redis, id)) : undefined;
    if (!ref || !req?.breakGlass || req.retroApprovedAt || req.retroExpiredAt) {
      await dropEntry(rt, entry);
      continue;
    }
    const s = retroSettings(rt, req.environment);
    const t = text.in(rt.config.slack.language);
    try {
      if (endedUnstarted(req)) {
        // It ended without ever starting (the scripts made it due at once): nothing ran, nothing to
        // approve after the fact. Stop asking, and say why (its card already does).
        const reply = await transit(rt, (x) => x.retroExpire(ref, now, t('retroNotRunDetail')));
        if (entry.legacy || reply.code === 'NOT_FOUND') await dropEntry(rt, entry);
        if (reply.code === 'OK') {
          await refreshMessage(rt, reply.request);
          await retroEnded(rt, req, t('retroEndedNotRun'));
        }
        continue;
      }
      if (entry.orphan && !rt.config.environments[req.environment]) {
        // Its environment is gone from chatops.yml: nobody holds its approver role any more. End the asking, saying why.
        const reply = await transit(rt, (x) => x.retroExpire(ref, now, t('retroEndedUnconfiguredDetail', { env: req.environment })));
        if (reply.code === 'NOT_FOUND') await dropEntry(rt, entry);
        if (reply.code === 'OK') {
          await refreshMessage(rt, reply.request);
          await retroEnded(rt, req, t('retroEndedUnconfigured', { env: code(req.environment) }));
        }
        continue;
      }
      if (now >= req.createdAt + s.deadline) {
        const deadline = formatDuration(s.deadline, rt.config.slack.language);
        // The script takes it out of its service's retro index.
        const reply = await transit(rt, (x) => x.retroExpire(ref, now, t('retroExpiredDetail', { deadline })));
        if (entry.legacy || reply.code === 'NOT_FOUND') await dropEntry(rt, entry);
        if (reply.code === 'OK') {
          await refreshMessage(rt, reply.request);
          await retroEnded(rt, req, t('retroExpiredThread', { deadline }));
        }
        continue;
      }
      const reminder = t('reminder', {
        given: req.approvals.length,
        needed: req.approvalsNeeded,
        approvers: approverList(rt, req.environment),
      });
      // Its service is no longer configured (its environment is): keep asking, and say so.
      const note = entry.orphan ? `\n${t('reminderUnconfigured', { service: code(req.service), env: code(req.environment) })}` : '';
      await threadPost(rt, req, reminder + note);
      if (entry.orphan) await refreshMessage(rt, req);
      reminded++;
      const next = Math.min(now + s.remindEvery, req.createdAt + s.deadline);
      if (entry.legacy) {
        await rt.redis.zadd(serviceIndex('retro', ref.environment, ref.service), next, id);
        await dropEntry(rt, entry);
      } else {
        // Unless the request moved meanwhile (it failed without running: due at once, to end the asking).
        await scheduleNextReminder(rt, entry, next);
      }
    } catch (err) {
      rt.log.warn('break-glass: could not remind', { requestId: id, err });
    }
  }
  return reminded;
}
