/**
 * Argument handling shared by the verbs that change something: deploy, rollback, scale and restart
 * (flags, targets, counts, revisions), and the `--reason` of lock and freeze. Pure: imported by the
 * verb modules on the Slack-facing path. Every refusal says what was wrong and what to type instead.
 */
import * as z from 'zod';
import { lazySchema } from '../config/lazy-schema';
import type { ResolvedService } from '../config/schema';
import { badInput } from '../errors';
import { defineMessages, type Text } from '../i18n/catalog';
import { code, escapeMrkdwn } from '../slack/text';
import { argsText, extraInput, parseRaw, resolveService, withSuggestion } from './args';
import { lookupService } from '../config/aliases';
import { closest } from './suggest';
import { MAX_SCHEDULE_AHEAD_MS } from '../approvals/gate-settings';
import { formatDuration } from '../i18n/units';
import type { RawArgs } from './grammar';
import type { ParseContext, Parsed } from './types';

const MAX_REASON = 500;

export const changeArgsText = defineMessages('commands.change-args', {
  // The flag typed without a value (the grammar gives it no string otherwise).
  reasonInQuotes: {
    en: 'the reason is missing: write it after --reason, e.g. --reason "hotfix for checkout"',
    ko: '사유가 빠졌습니다. --reason 뒤에 쓰세요. 예: --reason "결제 오류 핫픽스"',
  },
  reasonEmpty: {
    en: 'the reason is empty; write it in quotes, e.g. --reason "hotfix for checkout"',
    ko: '사유가 비어 있습니다. 따옴표로 감싸 쓰세요. 예: --reason "결제 오류 핫픽스"',
  },
  reasonTooLong: { en: 'the reason is too long; keep it under {max} characters', ko: '사유가 너무 깁니다. {max}자 이내로 써 주세요' },
  dryRunNoValue: { en: '--dry-run takes no value', ko: '--dry-run은 값을 받지 않습니다' },
  missing: { en: 'Missing {what}, e.g. {example}.', ko: '빠진 값이 있습니다: {what}. 예: {example}' },
  notCount: { en: '{input} is not a task count. {hint}', ko: '{input}: 작업 수로 읽을 수 없습니다. {hint}' },
  negative: { en: 'A task count cannot be negative.', ko: '작업 수는 음수일 수 없습니다.' },
  whole: { en: 'Give a whole number of tasks.', ko: '작업 수는 자연수로 쓰세요.' },
  digits: { en: 'Give the number of tasks as digits.', ko: '작업 수를 숫자로 쓰세요.' },
  allowed: { en: 'Allowed for {service}: {min} to {max} tasks.', ko: '{service}에 허용된 범위: 작업 {min}~{max}개.' },
  outOfRange: {
    en: '{input} is outside the allowed range for {service}: {min} to {max} tasks.',
    ko: '{input}: {service}에 허용된 범위(작업 {min}~{max}개)를 벗어납니다.',
  },
  rangeHint: {
    en: 'The range is `services.{service}.scale` in chatops.yml.',
    ko: '범위는 chatops.yml의 `services.{service}.scale`에서 정합니다.',
  },
  toNeedsNumber: { en: '`--to` needs a revision number, e.g. `--to 41`.', ko: '`--to`에는 리비전 번호가 필요합니다. 예: `--to 41`' },
  onlyNumber: {
    en: "Give only the revision number: `--to {n}` (the family is the service's own).",
    ko: '리비전 번호만 쓰세요: `--to {n}` (패밀리는 서비스의 것을 씁니다).',
  },
  notRevision: {
    en: '{input} is not a task definition revision. Give the revision number, e.g. `--to 41`.',
    ko: '{input}: 작업 정의 리비전이 아닙니다. 리비전 번호를 쓰세요. 예: `--to 41`',
  },
  revisionHint: {
    en: '`/ecs taskdef {alias}` shows the revision it runs; `/ecs history {alias}` the ones before.',
    ko: '실행 중인 리비전: `/ecs taskdef {alias}` · 전에 실행한 리비전: `/ecs history {alias}`',
  },
  startsAtOne: {
    en: 'Revision numbers start at 1; {input} is not one.',
    ko: '리비전 번호는 1부터 시작하므로 {input} 값은 쓸 수 없습니다.',
  },
  reasonNeedsValue: {
    en: 'needs a value, e.g. --reason "migrating the orders table"',
    ko: '값이 필요합니다. 예: --reason "주문 테이블 마이그레이션"',
  },
  keepReasonShort: { en: 'keep the reason under {max} characters', ko: '사유는 {max}자 이내로 써 주세요' },
  reasonWithoutQuotes: {
    en: 'Unexpected extra input: {extra}. A reason of several words goes in quotes after {flag}, e.g. {example}.',
    ko: '필요 없는 입력이 있습니다: {extra}. 여러 단어로 된 사유는 {flag} 뒤에 따옴표로 감싸 쓰세요. 예: {example}',
  },
  // What a change verb is missing (the `what` of `missing`).
  theService: { en: 'the service', ko: '서비스' },
  theImage: { en: 'the image tag or digest', ko: '이미지 태그나 다이제스트' },
  theCount: { en: 'the number of tasks', ko: '작업 수' },
  theTask: { en: 'the one-off task', ko: '실행할 작업' },
  tagsAt: { en: '`/ecs images {service}` lists the tags you can deploy.', ko: '배포할 수 있는 태그 목록: `/ecs images {service}`' },
});
const M = changeArgsText;

/** Flags every change verb takes (each schema built on first use). */
export const commonFlags = {
  reason: lazySchema(() =>
    z
      .string({ error: M.token('reasonInQuotes') })
      .trim()
      .min(1, M.token('reasonEmpty'))
      .max(MAX_REASON, M.token('reasonTooLong', { max: MAX_REASON }))
      .optional(),
  ),
  'dry-run': lazySchema(() => z.literal(true, { error: M.token('dryRunNoValue') }).optional()),
  /** Release gates: start at a time or in the next change window (checked in `changeBase`, in the workspace's language). */
  at: lazySchema(() => z.union([z.string(), z.literal(true)]).optional()),
  /** Release gates: run without waiting for approval, with a mandatory reason (checked in `changeBase`). */
  'break-glass': lazySchema(() => z.union([z.string(), z.literal(true)]).optional()),
};

export interface ChangeArgsBase {
  reason?: string;
  dryRun: boolean;
  /** `--at`: a local date and time, a time of day (`02:00`), a delay (`+30m`) or `next-window` (resolved in the worker against the change windows). */
  at?: string;
  /** `--break-glass "reason"`. */
  breakGlass?: string;
  /** `/ecs promote`: the environment the digest comes from (checked like the promotion gate), and its tag there. */
  promoteFrom?: string;
  promotedTag?: string;
}

const gateFlagText = defineMessages('commands.change-args.gates', {
  // How to write one is the hint (atHint).
  atMissing: { en: '`--at` needs a time.', ko: '`--at`에는 시각이 필요합니다.' },
  atBad: {
    en: '`--at {at}` is not a time I can read.',
    ko: '`--at {at}`: 읽을 수 있는 시각이 아닙니다.',
  },
  atUnit: {
    en: '`--at {at}`: after `+` I read minutes (`m`) or hours (`h`), e.g. `--at +30m`, `--at +2h`; a change can be scheduled at most {max} ahead.',
    ko: '`--at {at}`: `+` 뒤에는 분(`m`)이나 시간(`h`)만 쓸 수 있습니다. 예: `--at +30m`, `--at +2h`. 변경은 최대 {max} 뒤까지 예약할 수 있습니다.',
  },
  atHint: {
    en: 'Write a time in the zone of the environment’s change windows (else your Slack time zone): `--at 02:00` (the next 02:00), `--at tomorrow 02:00`, `--at {example}` (or with `Z`, `+09:00`), `--at +30m`, or `--at next-window`.',
    ko: '환경의 변경 허용 시간대 기준(없으면 내 Slack 시간대) 시각으로 쓰세요: `--at 02:00`(다가오는 02:00), `--at 내일 02:00`, `--at {example}`(`Z`, `+09:00`도 가능), `--at +30m`, 또는 `--at next-window`.',
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
/** `--at 2:00`, `--at 14:30`: the next time the clock shows it. */
const AT_CLOCK = /^([01]?\d|2[0-3]):([0-5]\d)$/;
/** `--at +30m`, `--at +2h`: that long from now. */
const AT_AFTER = /^\+(\d{1,4})(m|h)$/i;
/** `--at tomorrow 02:00`, `--at 내일 02:00`: that time on the zone's next calendar day. */
const AT_TOMORROW = /^(tomorrow|\uB0B4\uC77C)$/i;
const AT_TOMORROW_CLOCK = /^(tomorrow|\uB0B4\uC77C)[ T]+([01]?\d|2[0-3]):([0-5]\d)$/i;
const NEXT_WINDOW = /^next[-_ ]?window$/i;

/** An example `--at` value: tomorrow 02:00 (UTC date; only an example). */
function atExample(now: number): string {
  return `${new Date(now + 86_400_000).toISOString().slice(0, 10)}T02:00`;
}

/**
 * The common flags of a change verb as its arguments; `--at` and `--break-glass` are checked here
 * (what was wrong, the verb's usage, and how to write it, in the reader's language).
 */
export function changeBase(
  flags: { reason?: string; 'dry-run'?: true; at?: string | true; 'break-glass'?: string | true },
  _ctx: Pick<ParseContext, 'config'>,
  spec: SpecInfo,
): ChangeArgsBase {
  const t = gateFlagText.lazy;
  const example = atExample(Date.now());
  let at: string | undefined;
  if (flags.at !== undefined) {
    if (flags.at === true || !flags.at.trim()) throw badInput(t('atMissing'), spec.usage, t('atHint', { example }));
    const v = flags.at.trim().replace(/^(\d{4}-\d{2}-\d{2}) +(\d)/, '$1T$2');
    const clock = AT_CLOCK.exec(v);
    const tomorrow = AT_TOMORROW_CLOCK.exec(v);
    if (NEXT_WINDOW.test(v)) at = 'next-window';
    else if (AT_LOCAL.test(v)) at = v;
    else if (clock) at = `${clock[1]!.padStart(2, '0')}:${clock[2]}`;
    else if (tomorrow) at = `${tomorrow[1]!.toLowerCase()} ${tomorrow[2]!.padStart(2, '0')}:${tomorrow[3]}`;
    else if (AT_AFTER.test(v)) at = v.toLowerCase();
    // `--at +400d`: an offset in a unit it does not take.
    else if (/^\+\d+\s*[a-z]+$/i.test(v))
      throw badInput(t('atUnit', { at: escapeMrkdwn(v), max: (l) => formatDuration(MAX_SCHEDULE_AHEAD_MS, l) }), spec.usage);
    else {
      // `--at next-windw`: the spelling it was meant to be.
      const near = closest(v, ['next-window']).length ? ['--at next-window'] : [];
      throw badInput(withSuggestion(t('atBad', { at: escapeMrkdwn(v) }), near), spec.usage, t('atHint', { example }));
    }
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
  what: 'theService' | 'theImage' | 'theCount' | 'theTask';
  example: string;
  /** Where to find a value when it is missing (the service's tags, its task range). */
  hint?: Text;
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
  if (missing)
    throw badInput(M.lazy('missing', { what: M.lazy(missing.what), example: code(`/ecs ${missing.example}`) }), spec.usage, missing.hint);
  // `--at tomorrow 02:00` without quotes: the time is the flag's, not an extra argument.
  if (typeof raw.flags.at === 'string' && AT_TOMORROW.test(raw.flags.at) && AT_CLOCK.test(raw.positionals[required.length] ?? '')) {
    const positionals = [...raw.positionals];
    const [clock] = positionals.splice(required.length, 1);
    raw = { ...raw, positionals, flags: { ...raw.flags, at: `${raw.flags.at} ${clock}` } };
  }
  // `--at 2026-12-04 02:00`: one time split by a space; say how to write it as one.
  const extra = raw.positionals[required.length];
  const at = `${raw.flags.at}T${extra}`;
  if (extra !== undefined && AT_LOCAL.test(at)) throw extraInput([extra], spec.usage, [`--at ${at}`]);
  // `--reason fix the payment bug`: a reason of several words without quotes; the command written with them.
  const freeText = (['reason', 'break-glass'] as const).find((f) => typeof raw.flags[f] === 'string');
  if (extra !== undefined && freeText) {
    const given = raw.positionals.slice(0, required.length).join(' ');
    const words = raw.positionals.slice(required.length);
    reasonWithoutQuotes(
      words,
      raw.flags[freeText] as string,
      `${spec.verb} ${given}${flagsText(raw.flags, freeText)}`,
      spec.usage,
      freeText,
    );
  }
  const flagShape = { ...commonFlags, ...flags };
  const schema = z.object({ args: z.array(z.string()).max(required.length), flags: z.object(flagShape).strict() });
  return parseRaw(spec, schema, raw, Object.keys(flagShape)) as { args: string[]; flags: z.output<z.ZodObject<F & typeof commonFlags>> };
}

/** The service a change names, with the change-specific checks (the verb's usage on every error). */
export function changeTarget(ctx: ParseContext, alias: string, spec: SpecInfo): ResolvedService {
  return resolveService(ctx.config, alias, spec.usage, ctx.channelId);
}

/**
 * `<verb> <service> <value>` (deploy, scale): both positionals (a missing one named, with an example
 * `/ecs <verb> web <sample>`), the service, the value `read` against it, then the common flags.
 */
export function parseServiceAndValue<V>(
  spec: SpecInfo,
  raw: RawArgs,
  ctx: ParseContext,
  value: { what: Required['what']; sample: string; hint?: (svc: ResolvedService) => Text },
  read: (text: string, svc: ResolvedService) => V,
): { svc: ResolvedService; value: V; base: ChangeArgsBase } {
  const [first, second] = raw.positionals;
  // `deploy v1.2.3 web`, `scale 3 web`: the same two in the other order.
  if (second !== undefined && !lookupService(ctx.config, first!) && lookupService(ctx.config, second))
    throw badInput(
      withSuggestion(argsText.lazy('unknownService', { name: code(first!) }), [`/ecs ${spec.verb} ${second} ${first}`]),
      spec.usage,
    );
  // The service first: a typo is answered with the names it is close to, and an example names a real service.
  const svc = first === undefined ? undefined : changeTarget(ctx, first, spec);
  const { args, flags } = parseChange(
    spec,
    raw,
    [
      { what: 'theService', example: `${spec.verb} web ${value.sample}` },
      {
        what: value.what,
        example: `${spec.verb} ${svc?.alias ?? 'web'} ${value.sample}`,
        ...(svc
          ? {
              hint: value.hint
                ? value.hint(svc)
                : value.what === 'theImage'
                  ? M.lazy('tagsAt', { service: svc.alias })
                  : M.lazy('allowed', { service: code(svc.alias), min: svc.scale.min, max: svc.scale.max }),
            }
          : {}),
      },
    ],
    {},
  );
  const v = read(args[1]!, svc!);
  return { svc: svc!, value: v, base: changeBase(flags, ctx, spec) };
}

export function parsedFor<A>(svc: ResolvedService, args: A): Parsed<A> {
  return { args, environment: svc.environment, service: svc };
}

/** A whole number of tasks within the service's configured bounds. */
export function parseCount(text: string, svc: ResolvedService, usage: string): number {
  const t = text.trim();
  if (!/^\d+$/.test(t)) {
    const hint = /^-/.test(t) ? M.lazy('negative') : /[.,]/.test(t) ? M.lazy('whole') : M.lazy('digits');
    // `3개`, `3tasks`: the number it starts with.
    const lead = /^(\d+)\D+$/.exec(t)?.[1];
    throw badInput(
      withSuggestion(M.lazy('notCount', { input: code(t), hint }), lead ? [lead] : []),
      usage,
      M.lazy('allowed', { service: code(svc.alias), min: svc.scale.min, max: svc.scale.max }),
    );
  }
  const n = Number(t);
  if (!Number.isSafeInteger(n) || n < svc.scale.min || n > svc.scale.max) {
    throw badInput(
      M.lazy('outOfRange', { input: code(t), service: code(svc.alias), min: svc.scale.min, max: svc.scale.max }),
      usage,
      M.lazy('rangeHint', { service: svc.alias }),
    );
  }
  return n;
}

/** `--to 42`: a task definition revision number. */
export function parseRevision(text: string | true | undefined, usage: string, alias: string): number | undefined {
  if (text === undefined) return undefined;
  if (text === true) throw badInput(M.lazy('toNeedsNumber'), usage);
  const t = text.trim();
  const named = /^[A-Za-z0-9_-]+:(\d+)$/.exec(t);
  if (named) throw badInput(M.lazy('onlyNumber', { n: named[1]! }), usage);
  if (!/^\d+$/.test(t)) throw badInput(M.lazy('notRevision', { input: code(t) }), usage, M.lazy('revisionHint', { alias }));
  const n = Number(t);
  if (!Number.isSafeInteger(n) || n < 1) throw badInput(M.lazy('startsAtOne', { input: code(t) }), usage);
  return n;
}

/* ---- The `--reason` flag of /ecs lock and /ecs freeze (shorter than a change's reason). ---- */
const REASON_MAX = 200;

export const reasonFlag = lazySchema(() =>
  z
    .string({ error: M.token('reasonNeedsValue') })
    .trim()
    .min(1, M.token('reasonNeedsValue'))
    .max(REASON_MAX, M.token('keepReasonShort', { max: REASON_MAX }))
    .optional(),
);

/**
 * Words left over after the target: most likely a reason of several words typed without quotes
 * (`--reason migrating the DB`) or without `--reason`. Say how to write it.
 */
export function reasonWithoutQuotes(
  extra: readonly string[],
  reason: string | undefined,
  example: string,
  usage: string,
  flag: 'reason' | 'break-glass' = 'reason',
): void {
  if (!extra.length) return;
  const words = [reason, ...extra].filter((w): w is string => Boolean(w)).join(' ');
  throw badInput(
    M.lazy('reasonWithoutQuotes', {
      extra: code(extra.join(' ')),
      flag: `--${flag}`,
      example: code(`/ecs ${example} --${flag} "${words}"`),
    }),
    usage,
  );
}

/** The flags typed, written back as the grammar reads them (`--dry-run`, `--at 2026-12-04T02:00`, `--reason "two words"`). */
function flagsText(flags: RawArgs['flags'], except: string): string {
  return Object.entries(flags)
    .filter(([name]) => name !== except)
    .map(([name, v]) => (v === true ? ` --${name}` : ` --${name} ${/\s/.test(v) ? `"${v}"` : v}`))
    .join('');
}
