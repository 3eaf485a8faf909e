/**
 * Approved requests that never started: what their thread is told when the approval lapses (the
 * start-deadline tick, or a start refused past startBy), when the worker's invocation failed for
 * good (the on-failure destination), or when someone cancels them before they start. Pure.
 */
import { section, type SlackMessage } from '../slack/blocks';
import { code, mention, verbTitle } from '../slack/text';
import { slackDate } from '../slack/time';
import { formatDuration } from '../i18n';
import type { ChangeRequest } from './types';

type Req = Pick<ChangeRequest, 'verb' | 'service' | 'approvedAt' | 'startBy'>;

/** Why the request failed (decisionReason, shown on the request message). */
export function lapseReason(deadlineMs: number): string {
  return `not started within ${formatDuration(deadlineMs)} of the approval (the work was lost before it began), so the approval lapsed and the service is free again. Nothing was changed.`;
}

/** The reason when the execute job arrives after the start deadline. */
export function lateStartReason(deadlineMs: number): string {
  return `not started: the work reached the worker more than ${formatDuration(deadlineMs)} after the approval, when the approval was no longer valid. Nothing was changed.`;
}

/** The reason when the worker's invocation failed for good (Lambda's on-failure destination). */
export function workerFailedReason(why: string): string {
  return `not started: ${why}. Nothing was changed.`;
}

function title(req: Req): string {
  return `${verbTitle(req.verb)} of ${code(req.service)}`;
}

/** The thread reply when the start-deadline tick fails an approved request that never started. */
export function lapsedNotice(req: Req, deadlineMs: number): SlackMessage {
  const when = req.approvedAt ? ` ${slackDate(req.approvedAt)}` : '';
  const text = `:hourglass: This ${title(req)} was approved${when} but never started: the bot lost the work before it began (for example the worker could not reach Redis, or stopped first). An approval must start within ${formatDuration(deadlineMs)}, so I failed the request and ${code(req.service)} is free for new requests. Nothing was changed on the service; request it again if it is still needed.`;
  return { text: `${verbTitle(req.verb)} of ${req.service} never started; the request failed`, blocks: [section(text)] };
}

/** The thread reply when the execute job reached the worker after the approval's start deadline. */
export function lateStartNotice(req: Req, deadlineMs: number, now: number): SlackMessage {
  const when = req.approvedAt ? ` ${slackDate(req.approvedAt)}` : '';
  const text = `:hourglass: This ${title(req)} was approved${when}, but its work only reached the worker ${formatDuration(Math.max(0, now - (req.approvedAt ?? now)))} later, after the approval's start deadline (${formatDuration(deadlineMs)}). It did not run: nothing was changed, and ${code(req.service)} is free for new requests. Request it again if it is still needed.`;
  return { text: `${verbTitle(req.verb)} of ${req.service} did not start in time`, blocks: [section(text)] };
}

/** The thread reply when Lambda gave up on the worker invocation that should have run it. */
export function workerFailedNotice(req: Req, why: string): SlackMessage {
  const text = `:x: This ${title(req)} was approved but never started: ${why}. I failed the request, so ${code(req.service)} is free for new requests. Nothing was changed on the service; request it again if it is still needed.`;
  return { text: `${verbTitle(req.verb)} of ${req.service} never started; the request failed`, blocks: [section(text)] };
}

/** The thread reply when someone cancels an approved request before it starts. */
export function cancelledBeforeStartNotice(req: Req, user: string): SlackMessage {
  const text = `:heavy_multiplication_x: ${mention(user)} cancelled this ${title(req)} before it started. Nothing was changed on the service.`;
  return { text: `${verbTitle(req.verb)} of ${req.service} cancelled before it started`, blocks: [section(text)] };
}
