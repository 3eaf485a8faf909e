/**
 * Argument handling shared by the verbs that change something: deploy, rollback, scale and restart
 * (flags, targets, counts, revisions), and the `--reason` of lock and freeze. Pure: imported by the
 * verb modules on the Slack-facing path. Every refusal says what was wrong and what to type instead.
 */
import { z } from 'zod';
import type { ResolvedService } from '../config/schema';
import { badInput } from '../errors';
import { code } from '../slack/text';
import { parseRaw, resolveService } from './args';
import type { RawArgs } from './grammar';
import type { ParseContext, Parsed } from './types';

const MAX_REASON = 500;

/** Flags every change verb takes. */
export const commonFlags = {
  reason: z
    .string({ error: 'give the reason in quotes, e.g. --reason "hotfix for checkout"' })
    .trim()
    .min(1, 'the reason is empty; write it in quotes, e.g. --reason "hotfix for checkout"')
    .max(MAX_REASON, `the reason is too long; keep it under ${MAX_REASON} characters`)
    .optional(),
  'dry-run': z.literal(true, { error: '--dry-run takes no value' }).optional(),
};

export interface ChangeArgsBase {
  reason?: string;
  dryRun: boolean;
}

interface SpecInfo {
  verb: string;
  usage: string;
}

/** A required positional: what it is, and an example command that has it. */
interface Required {
  what: string;
  example: string;
}

/**
 * Validate a change verb's tokens: `required` positionals (a missing one is named, with an
 * example), nothing extra, and `flags` plus reason and dry-run.
 */
export function parseChange<F extends z.ZodRawShape>(
  spec: SpecInfo,
  raw: RawArgs,
  required: readonly Required[],
  flags: F,
): { args: string[]; flags: z.output<z.ZodObject<F & typeof commonFlags>> } {
  const missing = required[raw.positionals.length];
  if (missing) throw badInput(`Missing ${missing.what}, e.g. ${code(`/ecs ${missing.example}`)}.`, spec.usage);
  const flagShape = { ...commonFlags, ...flags };
  const schema = z.object({ args: z.array(z.string()).max(required.length), flags: z.object(flagShape).strict() });
  return parseRaw(spec, schema, raw, Object.keys(flagShape)) as { args: string[]; flags: z.output<z.ZodObject<F & typeof commonFlags>> };
}

/** The service a change names, with the change-specific checks (the verb's usage on every error). */
export function changeTarget(ctx: ParseContext, alias: string, spec: SpecInfo): ResolvedService {
  return resolveService(ctx.config, alias, spec.usage);
}

export function parsedFor<A>(svc: ResolvedService, args: A): Parsed<A> {
  return { args, environment: svc.environment, service: svc };
}

/** A whole number of tasks within the service's configured bounds. */
export function parseCount(text: string, svc: ResolvedService, usage: string): number {
  const t = text.trim();
  if (!/^\d+$/.test(t)) {
    const hint = /^-/.test(t)
      ? 'A task count cannot be negative.'
      : /[.,]/.test(t)
        ? 'Give a whole number of tasks.'
        : `Give the number of tasks as digits.`;
    throw badInput(
      `${code(t)} is not a task count. ${hint}`,
      usage,
      `Allowed for ${code(svc.alias)}: ${svc.scale.min} to ${svc.scale.max} tasks.`,
    );
  }
  const n = Number(t);
  if (!Number.isSafeInteger(n) || n < svc.scale.min || n > svc.scale.max) {
    throw badInput(
      `${code(t)} is outside the allowed range for ${code(svc.alias)}: ${svc.scale.min} to ${svc.scale.max} tasks.`,
      usage,
      `The range is \`services.${svc.alias}.scale\` in chatops.yml.`,
    );
  }
  return n;
}

/** `--to 42`: a task definition revision number. */
export function parseRevision(text: string | true | undefined, usage: string): number | undefined {
  if (text === undefined) return undefined;
  if (text === true) throw badInput('`--to` needs a revision number, e.g. `--to 41`.', usage);
  const t = text.trim();
  const named = /^[A-Za-z0-9_-]+:(\d+)$/.exec(t);
  if (named) throw badInput(`Give only the revision number: \`--to ${named[1]}\` (the family is the service's own).`, usage);
  if (!/^\d+$/.test(t))
    throw badInput(
      `${code(t)} is not a task definition revision. Give the revision number, e.g. \`--to 41\`.`,
      usage,
      '`/ecs status &lt;service&gt;` shows the revision the service runs.',
    );
  const n = Number(t);
  if (!Number.isSafeInteger(n) || n < 1) throw badInput(`Revision numbers start at 1; ${code(t)} is not one.`, usage);
  return n;
}

/* ---- The `--reason` flag of /ecs lock and /ecs freeze (shorter than a change's reason). ---- */
const REASON_MAX = 200;

export const reasonFlag = z
  .string({ error: 'needs a value, e.g. --reason "migrating the orders table"' })
  .trim()
  .min(1, 'needs a value, e.g. --reason "migrating the orders table"')
  .max(REASON_MAX, `keep the reason under ${REASON_MAX} characters`)
  .optional();

/**
 * Words left over after the target: most likely a reason of several words typed without quotes
 * (`--reason migrating the DB`) or without `--reason`. Say how to write it.
 */
export function reasonWithoutQuotes(extra: readonly string[], reason: string | undefined, example: string, usage: string): void {
  if (!extra.length) return;
  const words = [reason, ...extra].filter((w): w is string => Boolean(w)).join(' ');
  throw badInput(
    `Unexpected extra input: ${code(extra.join(' '))}. A reason of several words goes in quotes after --reason, e.g. ${code(`/ecs ${example} --reason "${words}"`)}.`,
    usage,
  );
}
