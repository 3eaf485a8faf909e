/**
 * "Request again": the button under a thread note that says an approved change did not start (its
 * roles no longer held or could not be checked, the approval lapsed, the job reached the worker too
 * late, Lambda gave up on it). The note ends "request it again if it is still needed"; the button is
 * that request, one click away: the same change as a command (the same image digest, revision,
 * count or size, and the same reason), run as whoever clicks it through the slash-command path
 * (src/commands/buttons.ts), so it is parsed, authorized, gated and approved like a typed one.
 *
 * Loaded lazily by noteInThread (./workflow.ts): worker and tick code, not in the Slack bundle. Pure.
 */
import { actions, type SlackMessage } from '../slack/blocks';
import { commandButton } from '../slack/command-button';
import { defineMessages, type Locale } from '../i18n';
import { str } from './confirm';
import { RUN_TASK_NAME } from '../config/schema';
import type { ChangeRequest } from './types';

const M = defineMessages('approvals.again', {
  button: { en: 'Request again', ko: '다시 요청' },
});

/** The quote pairs the grammar reads (src/commands/grammar.ts tokenize), in the order tried. */
const QUOTE_PAIRS: ReadonlyArray<readonly [string, readonly string[]]> = [
  ['"', ['"']],
  ["'", ["'"]],
  // A value opened with a smart quote ends at the closing smart quote or a straight one.
  ['\u201c', ['\u201d', '"']],
  ['\u2018', ['\u2019']],
];

/** `text` as one quoted word of a command, or undefined when every quote the grammar reads is in it. */
export function quoteWord(text: string): string | undefined {
  for (const [open, closers] of QUOTE_PAIRS) {
    if (!closers.some((c) => text.includes(c))) return `${open}${text}${closers[0]}`;
  }
  return undefined;
}

/** The revision number of a task definition ARN or `family:revision`, with its family. */
function revisionOf(taskDefinition: string): { family: string; revision: number } | undefined {
  const m = /(?:^|\/)([A-Za-z0-9_-]+):(\d+)$/.exec(taskDefinition);
  return m ? { family: m[1]!, revision: Number(m[2]) } : undefined;
}

/**
 * The command (without `/ecs`) that asks for the same change again, or undefined when it cannot be
 * said as one: a plan without the fields it needs, a rollback to another task definition family (`--to`
 * names a revision of the family the service runs), a reason no quote can hold. Not carried over:
 * `--at` (its time has passed; `atNextWindow` asks for the next change window instead) and
 * `--break-glass` (skipping approval is asked for, not repeated).
 */
export function requestAgainCommand(req: Pick<ChangeRequest, 'plan' | 'reason'>, atNextWindow = false): string | undefined {
  // The plan as stored (opaque JSON to the approvals store, as in ./confirm.ts; src/deploy/plan.ts
  // types it): each field the command needs, or no command.
  const plan = (req.plan && typeof req.plan === 'object' ? req.plan : {}) as Record<string, unknown>;
  const alias = str(plan.alias);
  if (!alias || !/^[\w.-]+$/.test(alias)) return undefined;
  const to = plan.to && typeof plan.to === 'object' ? (plan.to as Record<string, unknown>) : {};
  const count = (v: unknown) => (Number.isInteger(v) && (v as number) >= 0 ? (v as number) : undefined);
  let command: string | undefined;
  switch (plan.verb) {
    case 'deploy': {
      // The digest, not the tag: exactly the image that was approved, wherever the tag points now.
      const digest = str(plan.digest);
      if (digest && /^sha256:[a-f0-9]{64}$/.test(digest)) command = `deploy ${alias} ${digest}`;
      break;
    }
    case 'resize': {
      const [cpu, memory] = [count(to.cpu), count(to.memory)];
      if (cpu && memory) command = `resize ${alias} --cpu ${cpu} --memory ${memory}`;
      break;
    }
    case 'scale': {
      const n = count(plan.to);
      if (n !== undefined) command = `scale ${alias} ${n}`;
      break;
    }
    case 'restart':
      command = `restart ${alias}`;
      break;
    case 'run': {
      const task = str(plan.task);
      if (task && RUN_TASK_NAME.test(task)) command = `run ${alias} ${task}`;
      break;
    }
    case 'rollback': {
      const target = revisionOf(str(plan.targetTaskDefinition) ?? '');
      const current = revisionOf(str(plan.currentTaskDefinition) ?? '');
      if (target && target.family === current?.family) command = `rollback ${alias} --to ${target.revision}`;
      break;
    }
  }
  if (!command) return undefined;
  if (req.reason) {
    const reason = quoteWord(req.reason);
    if (!reason) return undefined;
    command += ` --reason ${reason}`;
  }
  return atNextWindow ? `${command} --at next-window` : command;
}

/** `msg` with the Request again button under it (unchanged when the change cannot be said as a command). */
export function withRequestAgain(
  msg: SlackMessage,
  req: Pick<ChangeRequest, 'plan' | 'reason'>,
  locale: Locale,
  atNextWindow = false,
): SlackMessage {
  const command = requestAgainCommand(req, atNextWindow);
  if (!command) return msg;
  const button = commandButton(M.in(locale)('button'), command, { key: 'again' });
  return { ...msg, blocks: [...msg.blocks, actions('again', [button])] };
}
