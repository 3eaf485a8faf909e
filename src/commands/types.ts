/**
 * What a verb module exports. The registry (./registry.ts) is a table of these; the router,
 * `/ecs help`, authorization and the worker all read the same table.
 */
import type { Config, ResolvedService } from '../config/schema';
import type { Localized } from '../i18n/catalog';
import type { Locale } from '../i18n/locale';
import type { Role } from '../policy/authorize';
import type { Runtime } from '../runtime';
import type { SlackMessage } from '../slack/blocks';
import type { Invocation } from '../slack/invocation';
import type { RawArgs } from './grammar';

/**
 * meta: answered in the ack (help); read: read-only AWS lookups (readers);
 * change: changes production (requesters, approval per policy); admin: approvers only.
 */
export type VerbKind = 'meta' | 'read' | 'change' | 'admin';

/** The role a kind of verb needs (none for meta: help answers anyone). */
export function roleFor(kind: VerbKind): Role | undefined {
  switch (kind) {
    case 'read':
      return 'reader';
    case 'change':
      return 'requester';
    case 'admin':
      return 'approver';
    case 'meta':
      return undefined;
  }
}

export interface ParseContext {
  config: Config;
  channelId: string;
  userId: string;
}

/** The typed command a verb's parser produces, with what authorization needs. */
export interface Parsed<A> {
  args: A;
  /** The environment the command acts on (authorization scope). */
  environment: string;
  /** The service, when the command names one. */
  service?: ResolvedService;
  /**
   * Read-only verbs: who sees the answer. `--private` / `--public`, else the environment's
   * `visibility` (src/commands/visibility.ts). Absent for verbs that are not read-only.
   */
  visibility?: 'public' | 'private';
}

export interface CommandSpec<A = unknown> {
  verb: string;
  /** One sentence on what the verb does (a catalog entry: `/ecs help` is shown in the reader's language). */
  summary: Localized;
  /** e.g. `/ecs scale <service> <count>` */
  usage: string;
  /** Two or three examples, without the leading `/ecs `. */
  examples: string[];
  kind: VerbKind;
  /**
   * Roles that may also run the verb besides the one its kind needs (e.g. `unlock` is a change
   * verb for requesters, and approvers may unlock anyone's lock even when they are not requesters).
   */
  alsoAllowed?: readonly Role[];
  /** Flags that never take a value (e.g. dry-run), so `--dry-run web` does not eat "web". */
  booleanFlags?: readonly string[];
  /** Turn tokens into a typed command. Pure apart from reading config; throws BotError. */
  parse(raw: RawArgs, ctx: ParseContext): Parsed<A>;
  /** Text of the immediate (ephemeral) acknowledgement when the work goes to the worker, in the reader's language. */
  ackText?(parsed: Parsed<A>, locale: Locale): string;
  /**
   * Answer inside the Slack request itself (no AWS calls allowed: Redis and Slack only),
   * e.g. help, lock, unlock. When present, no job is dispatched. `locale` is the reader's (the
   * answer is ephemeral); what goes to the channel is in the workspace's (`rt.people.workspace`).
   */
  inline?(parsed: Parsed<A>, rt: Runtime, inv: Invocation, locale: Locale): Promise<SlackMessage>;
  /** The slow part, in the worker (AWS calls allowed). */
  run?(parsed: Parsed<A>, rt: Runtime, inv: Invocation): Promise<void>;
}

/** Identity helper that keeps the argument type while storing specs in one table. */
export function defineCommand<A>(spec: CommandSpec<A>): CommandSpec<A> {
  return spec;
}
