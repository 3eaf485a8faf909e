/**
 * Argument handling shared by the verbs that change something: deploy, rollback, scale and restart
 * (flags, targets, counts, revisions), and the `--reason` of lock and freeze. Pure: imported by the
 * verb modules on the Slack-facing path. Every refusal says what was wrong and what to type instead.
 */
import { z } from 'zod';
import type { ResolvedService } from '../config/schema';
import { badInput } from '../errors';
import { code, escapeMrkdwn } from '../slack/text';
import { defineMessages } from '../i18n';
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
  /** Release gates: start at a time or in the next change window (checked in `changeBase`, in the workspace's language). */
  at: z.union([z.string(), z.literal(true)]).optional(),
  /** Release gates: run without waiting for approval, with a mandatory reason (checked in `changeBase`). */
  'break-glass': z.union([z.string(), z.literal(true)]).optional(),
};

export interface ChangeArgsBase {
  reason?: string;
  dryRun: boolean;
  /** `--at`: a local time or `next-window` (resolved in the worker against the change windows). */
  at?: string;
  /** `--break-glass "reason"`. */
  breakGlass?: string;
  /** `/ecs promote`: the environment the digest comes from (checked like the promotion gate), and its tag there. */
  promoteFrom?: string;
  promotedTag?: string;
}

const gateFlagText = defineMessages('commands.change-args', {
  atMissing: {
    en: '`--at` needs a time: a local time like `--at {example}`, or `--at next-window`.',
    ko: '`--at`에는 시각이 필요합니다: `--at {example}` 같은 현지 시각이나 `--at next-window`를 쓰세요.',
  },
  atBad: {
    en: '`--at {at}` is not a time I can read.',
    ko: '`--at {at}`은(는) 읽을 수 있는 시각이 아닙니다.',
  },
  atHint: {
    en: 'Write the local time of the environment’s change windows as `YYYY-MM-DDTHH:MM`, e.g. `--at {example}` (add `Z` or `+09:00` for another zone), or `--at next-window`.',
    ko: '환경의 변경 허용 시간대 기준 현지 시각을 `YYYY-MM-DDTHH:MM` 형식으로 쓰세요. 예: `--at {example}` (다른 시간대는 `Z`나 `+09:00`을 붙이세요). 또는 `--at next-window`.',
  },
  bgMissing: {
    en: '`--break-glass` needs the reason in quotes, e.g. `--break-glass "checkout is down for everyone"`.',
    ko: '`--break-glass`에는 따옴표로 감싼 사유가 필요합니다. 예: `--break-glass "결제가 전부 실패합니다"`.',
  },
  bgShort: {
    en: 'The break-glass reason {reason} is too short: say why in a few words (5 characters or more).',
    ko: '긴급 실행(break-glass) 사유 {reason}이(가) 너무 짧습니다. 몇 단어로 이유를 적으세요 (5자 이상).',
  },
  bgLong: {
    en: 'The break-glass reason is too long ({n} characters); keep it under {max}.',
    ko: '긴급 실행(break-glass) 사유가 너무 깁니다 ({n}자). {max}자 미만으로 줄이세요.',
  },
  bgHint: {
    en: 'Break-glass runs the change now without approval; approvers are asked after the fact.',
    ko: '긴급 실행(break-glass)은 승인 없이 지금 변경을 실행하며, 승인자에게 사후 승인을 요청합니다.',
  },
});

const AT_LOCAL = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(Z|[+-]\d{2}:\d{2})?$/i;
const NEXT_WINDOW = /^next[-_ ]?window$/i;

/** An example `--at` value: tomorrow 02:00 (UTC date; only an example). */
function atExample(now: number): string {
  return `${new Date(now + 86_400_000).toISOString().slice(0, 10)}T02:00`;
}

/**
 * The common flags of a change verb as its arguments; `--at` and `--break-glass` are checked here
 * (what was wrong, the verb's usage, and how to write it, in the workspace's language).
 */
export function changeBase(
  flags: { reason?: string; 'dry-run'?: true; at?: string | true; 'break-glass'?: string | true },
  ctx: Pick<ParseContext, 'config'>,
  spec: SpecInfo,
): ChangeArgsBase {
  const t = gateFlagText.in(ctx.config.slack.language);
  const example = atExample(Date.now());
  let at: string | undefined;
  if (flags.at !== undefined) {
    if (flags.at === true || !flags.at.trim()) throw badInput(t('atMissing', { example }), spec.usage, t('atHint', { example }));
    const v = flags.at.trim().replace(/^(\d{4}-\d{2}-\d{2}) +(\d)/, '$1T$2');
    if (NEXT_WINDOW.test(v)) at = 'next-window';
    else if (AT_LOCAL.test(v)) at = v;
    else throw badInput(t('atBad', { at: escapeMrkdwn(v) }), spec.usage, t('atHint', { example }));
  }
  let breakGlass: string | undefined;
  if (flags['break-glass'] !== undefined) {
    if (flags['break-glass'] === true || !flags['break-glass'].trim()) throw badInput(t('bgMissing'), spec.usage, t('bgHint'));
    breakGlass = flags['break-glass'].trim();
    if (breakGlass.length < 5) throw badInput(t('bgShort', { reason: code(breakGlass) }), spec.usage, t('bgMissing'));
    if (breakGlass.length > MAX_REASON) throw badInput(t('bgLong', { n: breakGlass.length, max: MAX_REASON }), spec.usage);
  }
  return {
    reason: flags.reason,
    dryRun: flags['dry-run'] === true,
    ...(at ? { at } : {}),
    ...(breakGlass ? { breakGlass } : {}),
  };
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
