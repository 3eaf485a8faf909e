/**
 * A button that runs an `/ecs` command as if the person who clicks it had typed it: the same
 * parsing, authorization, idempotency and approvals (src/commands/buttons.ts hands it to the
 * slash-command path). Any message may carry one (the tasks list's "Logs", an image's "Deploy to
 * staging" / "Request prod", right-sizing's "Request resize") without forking that path.
 *
 * The value is JSON `{ c: <command text without /ecs>, ch?: <channel to run it in> }`. Without
 * `ch` it runs in the channel of the message; with it, in that channel (an image announcement's
 * "Request prod" runs in prod's channel, where the request is posted and prod's rules apply).
 */
import * as z from 'zod';
import { lazySchema } from '../config/lazy-schema';
import type { ButtonSpec } from './blocks';

/** action_id prefix; each button of a block gets its own suffix (action_ids are unique per block). */
export const COMMAND_ACTION = 'command:run:';

const valueSchema = lazySchema(() =>
  z.object({
    c: z.string().min(1).max(1_500),
    ch: z
      .string()
      .regex(/^[CGD][A-Z0-9]{2,}$/)
      .optional(),
  }),
);

export type CommandButtonValue = z.infer<typeof valueSchema>;

export function commandButton(
  text: string,
  command: string,
  opts: { key: string; channel?: string; style?: ButtonSpec['style'] },
): ButtonSpec {
  const value: CommandButtonValue = { c: command, ...(opts.channel ? { ch: opts.channel } : {}) };
  return { text, actionId: `${COMMAND_ACTION}${opts.key}`, value: JSON.stringify(value), ...(opts.style ? { style: opts.style } : {}) };
}

/** The button's command, or undefined for a value this version did not write. */
export function readCommandButton(value: string | undefined): CommandButtonValue | undefined {
  try {
    const r = valueSchema.safeParse(JSON.parse(value ?? ''));
    return r.success ? r.data : undefined;
  } catch {
    return undefined;
  }
}
