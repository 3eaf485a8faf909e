/**
 * The `command` job kind: a slash command (or a button that runs one) whose slow part runs in the
 * worker. The job carries the invocation; the worker routes it again through the same table and
 * runs the verb's `run`, after checking again that the user may run it in that channel. Registered
 * by registerAll() (src/handlers/compose.ts).
 */
import * as z from 'zod';
import { lazySchema } from '../config/lazy-schema';
import { registerAction } from '../hooks/actions';
import { claimJob, registerJobKind } from '../hooks/jobs';
import { COMMAND_ACTION } from '../slack/command-button';
import { handleCommandButton } from './buttons';
import { storeUnavailable } from '../redis/client';
import { invocationSchema } from '../slack/invocation';
import { answerInvocation, errorReply } from '../slack/reply';
import { route } from './router';
import { registerRecheck, withFollowUp } from './recheck';
import { noBudget } from '../slack/click-budget';
import { roleFor } from './types';
import { defineMessages } from '../i18n/catalog';

const M = defineMessages('commands.job', {
  lost: { en: 'I could not run {command}: {why}.', ko: '{command} 명령을 실행하지 못했습니다: {why}.' },
  lostHint: {
    en: 'Nothing was changed by it. Try again in a minute; if it keeps happening, whoever runs the bot finds the details in the worker logs.',
    ko: '이 명령으로 바뀐 것은 없습니다. 1분 뒤에 다시 시도하세요. 계속 되풀이되면 봇 운영자가 워커 로그에서 자세한 내용을 볼 수 있습니다.',
  },
});
import { BotError } from '../errors';
import { code } from '../slack/text';

const commandJobSchema = lazySchema(() =>
  z.object({
    kind: z.literal('command'),
    id: z.string().min(1),
    invocation: invocationSchema,
  }),
);

/** How long a command's AWS calls may take in all: the answer comes well within 30 seconds. */
export const COMMAND_BUDGET_MS = 20_000;

let registered = false;

export function registerCommands(): void {
  if (registered) return;
  registered = true;
  // Buttons that run a command as the clicker (src/slack/command-button.ts).
  registerAction({ actionId: COMMAND_ACTION, handle: handleCommandButton });
  // The follow-up of a change whose answer was lost (./recheck.ts).
  registerRecheck();
  registerJobKind('command', {
    schema: commandJobSchema,
    // A person is waiting: whatever AWS does, they get an answer (or "AWS did not answer within N s") in time.
    budgetMs: COMMAND_BUDGET_MS,
    // Claimed inside: a read-only command still answers when Redis is down (a duplicate answer is harmless).
    once: false,
    // Lambda gave up on it: the person who typed it gets an answer instead of silence.
    async lost(job, rt, why) {
      const inv = job.invocation;
      const text = inv.text.trim().split(/\s+/).slice(0, 3).join(' ');
      const err = new BotError('INTERNAL', `command job lost: ${why('en')}`, {
        userMessage: M.lazy('lost', { command: code(`/ecs ${text}`), why }),
        hint: M.lazy('lostHint'),
      });
      // Only the person who typed it sees this: in their language.
      await answerInvocation(rt, inv, errorReply(err, rt.log, await rt.people.localeOf(inv.userId)), { inChannel: false });
    },
    async handle(job, rt) {
      const inv = job.invocation;
      const log = rt.log.child({ invocation: inv.id, user: inv.userId });
      try {
        const { spec, parsed } = route(rt, inv);
        // Re-authorized here, not only at the edge: the worker trusts the signature for where the
        // job came from, not for who may run it now.
        const role = roleFor(spec.kind);
        if (role) await rt.access.ensure(parsed.environment, inv.channelId, inv.userId, [role, ...(spec.alsoAllowed ?? [])]);
        const claim = await claimJob(rt, job.id);
        if (claim === 'duplicate') {
          log.info('job already ran; duplicate delivery ignored', { kind: job.kind, id: job.id });
          return;
        }
        if (claim instanceof Error) {
          if (spec.kind !== 'read') throw storeUnavailable(claim);
          log.warn('redis unavailable; read-only job runs without the duplicate check', { err: claim });
        }
        if (!spec.run) throw new Error(`verb ${spec.verb} has no worker part`);
        await spec.run(parsed, rt, inv);
      } catch (err) {
        // The refusal goes to the person who typed it only: in their language.
        const locale = await rt.people.localeOf(inv.userId).catch(() => rt.people.workspace);
        // A request created whose answer was lost (a scheduled or break-glass change…): followed up (./recheck.ts).
        const place = { userId: inv.userId, locale, responseUrl: inv.responseUrl, channelId: inv.channelId };
        const shown = await withFollowUp(rt, err, place, noBudget());
        await answerInvocation(rt, inv, errorReply(shown, log, locale), { inChannel: false, failed: true }).catch((e) =>
          log.error('could not report error', { err: e }),
        );
      }
    },
  });
}
