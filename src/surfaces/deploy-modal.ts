/**
 * The deploy form's handlers (Slack-facing: Redis and Slack only; the ECR lookups run in the
 * worker, ./deploy-modal.run.ts).
 *
 * - Opening (`/ecs deploy` typed without arguments, the "Deploy to ECS" shortcut, the Home tab's
 *   Deploy… button): the form opens at once with the environments and services the reader may
 *   deploy (config and authorization); the tags follow by `views.update` once the worker has them.
 *   A trigger that expired (Slack gives 3 seconds) gets a clear answer with the command to type.
 * - Choosing an environment or a service re-renders the form (and asks the worker for the tags).
 * - Submitting runs `/ecs deploy <service> <tag> --reason …` through the slash-command path — the
 *   same parse, authorization, idempotency, plan and approvals as typing it. Wrong choices are
 *   answered under the field (`response_action: errors`); what only ECR can tell (a tag deleted
 *   meanwhile) and the outcome appear in the view pushed on top of the form.
 */
import * as z from 'zod';
import { serviceIndex } from '../config/aliases';
import { lazySchema } from '../config/lazy-schema';
import type { Config } from '../config/schema';
import { BotError, isBotError } from '../errors';
import type { ActionContext, ShortcutContext, SlackView, ViewContext, ViewDef, ViewResult } from '../hooks/actions';
import { LOCALES, type Locale } from '../i18n';
import { keys } from '../redis/keys';
import type { Runtime } from '../runtime';
import type { SlackMessage } from '../slack/blocks';
import {
  answerWithin,
  COMMAND_NEEDS,
  dispatchWithin,
  FORM_NEEDS,
  lookupWithin,
  MIN_STEP_MS,
  RESERVE,
  type ClickBudget,
} from '../slack/click-budget';
import { WITHIN_ACK_TIMEOUT_MS } from '../slack/gateway';
import type { Invocation } from '../slack/invocation';
import { answerModal } from '../slack/modal';
import { plainText, truncate } from '../slack/text';
import { viewCallWithin } from '../slack/view-calls';
import { deployableEnvironments, type LookupOptions } from './home-data';
import {
  deployForm,
  FORM,
  formMeta,
  formText,
  imageBlock,
  notOpenedMessage,
  notUpdatedText,
  tagsNotAskedMessage,
  text,
  nowhereView,
  type NotOpened,
  preparingView,
  REASON_MAX,
  serviceBlock,
  type FormEnvironment,
  type TagOption,
  type TagsState,
} from './deploy-form';

/** Tags read from ECR this recently are shown without asking ECR again. */
export const TAGS_FRESH_MS = 60_000;
/** The tags of a service are cached this long (a submission checks its tag against them). */
export const TAGS_TTL_SECONDS = 600;

const scanSchema = lazySchema(() =>
  z.discriminatedUnion('kind', [
    z.object({ kind: z.literal('clean') }),
    z.object({ kind: z.literal('findings'), critical: z.number(), high: z.number() }),
    z.object({ kind: z.literal('pending') }),
    z.object({ kind: z.literal('none') }),
    z.object({ kind: z.literal('other'), status: z.string() }),
  ]),
);
export const tagsCacheSchema = lazySchema(() =>
  z.object({
    at: z.number(),
    repository: z.string(),
    tags: z.array(z.object({ tag: z.string(), digest: z.string(), pushedAt: z.number().optional(), scan: scanSchema })),
  }),
);
export type TagsCache = z.infer<typeof tagsCacheSchema>;

export const tagsJobSchema = lazySchema(() =>
  z.object({
    kind: z.literal('deploy-form-tags'),
    id: z.string().min(1),
    viewId: z.string().min(1),
    hash: z.string().optional(),
    userId: z.string().min(1),
    env: z.string().min(1),
    service: z.string().min(1),
    origin: z.string().optional(),
    locale: z.enum(LOCALES),
  }),
);
export type TagsJob = z.infer<typeof tagsJobSchema>;

/** The channel a request from the form goes to: where the form was opened when it is one of the environment's, else its first. */
export function channelFor(config: Config, env: string, origin?: string): string {
  const channels = config.environments[env]?.channels ?? [];
  return origin && channels.includes(origin) ? origin : channels[0]!;
}

/** The environments (and services) `user` may deploy, as the form offers them (`opts`: the lookups' bound, where to note those not checked). */
export async function formEnvironments(rt: Runtime, user: string, origin?: string, opts: LookupOptions = {}): Promise<FormEnvironment[]> {
  const envs = await deployableEnvironments(rt, user, opts);
  return envs.map((name) => {
    const services = Object.entries(rt.config.services).filter(([, s]) => s.environment === name);
    return {
      name,
      approvals: rt.config.environments[name]!.approvals.deploy,
      channel: channelFor(rt.config, name, origin),
      services: services
        .filter(([, s]) => s.repository)
        .map(([alias]) => alias)
        .sort(),
      withoutRepository: services.filter(([, s]) => !s.repository).length,
      aliases: serviceIndex(rt.config).aliasesOf,
    };
  });
}

/**
 * How long the reader's language may take (users.info when it is not cached): a form in the
 * workspace's language beats one that opens too late.
 */
export const FORM_LOCALE_MS = 500;

/**
 * What the form shows, read within `budget` (the reader's language and the group lookups, side by
 * side), keeping `reserveMs` for what must follow. Environments whose lookup did not answer in time
 * are left out and named (`unchecked`), so the form never says "nowhere" because Slack was slow.
 */
async function readForm(
  rt: Runtime,
  user: string,
  origin: string | undefined,
  budget: ClickBudget,
  reserveMs: number,
): Promise<{ locale: Locale; environments: FormEnvironment[]; unchecked: string[] }> {
  const unchecked = new Set<string>();
  const localeOpts = budget.bounded ? { withinMs: budget.boundFor('formLocale', FORM_LOCALE_MS, reserveMs) } : {};
  const [locale, environments] = await Promise.all([
    rt.people.localeOf(user, localeOpts),
    formEnvironments(rt, user, origin, { ...lookupWithin(budget, WITHIN_ACK_TIMEOUT_MS, reserveMs), unchecked }),
  ]);
  return { locale, environments, unchecked: [...unchecked].sort() };
}

export async function readTags(rt: Runtime, env: string, service: string): Promise<TagsCache | undefined> {
  const raw = await rt.redis.get(keys.imageTags(env, service));
  if (!raw) return undefined;
  try {
    const r = tagsCacheSchema.safeParse(JSON.parse(raw));
    return r.success ? r.data : undefined;
  } catch {
    return undefined;
  }
}

/** The tags cache's read on the Slack-facing side: Redis's own bound there (src/redis/client.ts). */
const TAGS_READ_MS = 1_000;

/**
 * The tags as the form can show them now: from a fresh cache, or "loading" (the worker is asked).
 * The cache read waits what `budget` leaves after the views call's reserve, never under one healthy
 * round trip (MIN_STEP_MS: a read skipped would cost a hand-off to the worker instead); a read that
 * fails or does not answer in time counts as "not cached".
 */
export async function tagsNow(rt: Runtime, env: string, service: string, budget: ClickBudget): Promise<TagsState> {
  const repository = rt.config.services[service]?.repository ?? service;
  const read = await budget
    .optional('formTags', TAGS_READ_MS, RESERVE.openView, () => readTags(rt, env, service), MIN_STEP_MS)
    .catch(() => undefined);
  const cached = read?.done ? read.value : undefined;
  if (cached && rt.now() - cached.at < TAGS_FRESH_MS)
    return { state: 'loaded', repository, at: cached.at, tags: cached.tags as TagOption[] };
  return { state: 'loading', repository };
}

interface Shown {
  userId: string;
  env?: string;
  service?: string;
  origin?: string;
  locale: Locale;
}

/**
 * Hand the tags' lookup to the worker within what the request has left. False when the hand-off
 * failed: the form shows "loading" and stays so (the caller tells the person to open it again).
 */
async function askForTags(
  rt: Runtime,
  shown: Shown & { env: string; service: string },
  view: { id: string; hash?: string },
  budget: ClickBudget,
): Promise<boolean> {
  return dispatchWithin(
    rt.dispatcher,
    {
      kind: 'deploy-form-tags',
      id: `tags-${view.id}-${rt.now()}`,
      viewId: view.id,
      ...(view.hash ? { hash: view.hash } : {}),
      userId: shown.userId,
      env: shown.env,
      service: shown.service,
      ...(shown.origin ? { origin: shown.origin } : {}),
      locale: shown.locale,
    },
    budget,
  ).then(
    () => true,
    (err: unknown) => {
      rt.log.warn('deploy form: the tags could not be handed to the worker', { user: shown.userId, view: view.id, err });
      return false;
    },
  );
}

/**
 * The form opened (`tagsNotAsked`: but its tags could not be asked for), or why not; the caller tells
 * the person with `notOpenedMessage` / `tagsNotAskedMessage`, in `locale`.
 */
export type OpenOutcome = ({ opened: true; tagsNotAsked?: boolean } | ({ opened: false } & NotOpened)) & { locale: Locale };

/** What the person is told about an outcome, or nothing when the form opened with everything it needs. */
function openAnswer(res: OpenOutcome): SlackMessage | undefined {
  if (!res.opened) return notOpenedMessage(res, res.locale);
  return res.tagsNotAsked ? tagsNotAskedMessage(res.locale) : undefined;
}

/**
 * Open the form with `triggerId` within `budget` (the request's: its trigger_id is valid for 3
 * seconds): the reader's language and the group lookups leave views.open its reserve, views.open is
 * bounded to what is left (a trigger Slack would refuse by then is not waited for), and the tags
 * are asked for within what remains after it.
 */
export async function openDeployForm(
  rt: Runtime,
  opts: { triggerId: string; userId: string; originChannel?: string; budget: ClickBudget },
): Promise<OpenOutcome> {
  const { budget } = opts;
  const { locale, environments, unchecked } = await readForm(rt, opts.userId, opts.originChannel, budget, FORM_NEEDS);
  let view: SlackView;
  let wantTags: (Shown & { env: string; service: string }) | undefined;
  if (!environments.length) view = nowhereView(locale, unchecked);
  else {
    const env =
      environments.find((e) => opts.originChannel && rt.config.environments[e.name]!.channels.includes(opts.originChannel)) ??
      (environments.length === 1 ? environments[0] : undefined);
    const service = env?.services.length === 1 ? env.services[0] : undefined;
    const tags = env && service ? await tagsNow(rt, env.name, service, budget) : undefined;
    view = deployForm({ locale, now: rt.now(), environments, env: env?.name, service, tags, originChannel: opts.originChannel, unchecked });
    if (env && service && tags?.state === 'loading')
      wantTags = { userId: opts.userId, env: env.name, service, origin: opts.originChannel, locale };
  }
  // After views.open: the tags' hand-off when the form opened, the answer when it did not.
  const opened = await viewCallWithin(budget, 'openView', wantTags ? RESERVE.handOff : RESERVE.answer, () =>
    rt.slack.openView(opts.triggerId, view),
  );
  if (!opened.done) {
    rt.log.warn('deploy form: the form did not open', {
      user: opts.userId,
      why: opened.why,
      code: 'code' in opened ? opened.code : undefined,
    });
    const { done: _done, ...why } = opened;
    return { opened: false, ...why, locale };
  }
  if (wantTags && !(await askForTags(rt, wantTags, opened.value, budget))) return { opened: true, tagsNotAsked: true, locale };
  return { opened: true, locale };
}

/**
 * Where there is no channel to answer in (the shortcut, the Home tab): the bot's direct message,
 * within what the request has left (never under the answer's reserve: a late answer beats none).
 */
async function answerDirectly(rt: Runtime, userId: string, outcome: OpenOutcome, budget: ClickBudget): Promise<void> {
  const answer = openAnswer(outcome);
  if (!answer) return;
  await answerWithin(budget, WITHIN_ACK_TIMEOUT_MS, () => rt.slack.post(userId, answer)).catch((err) =>
    rt.log.warn('deploy form: could not tell what happened to the form', { user: userId, err }),
  );
}

/** `/ecs deploy` typed without arguments (registered as the verb's form): the answer is the command's ack. */
export async function openFromCommand(rt: Runtime, inv: Invocation, budget: ClickBudget): Promise<SlackMessage | undefined> {
  return openAnswer(await openDeployForm(rt, { triggerId: inv.triggerId!, userId: inv.userId, originChannel: inv.channelId, budget }));
}

/** The global shortcut "Deploy to ECS". */
export async function openFromShortcut(ctx: ShortcutContext): Promise<void> {
  const res = await openDeployForm(ctx.rt, { triggerId: ctx.triggerId, userId: ctx.userId, budget: ctx.budget });
  await answerDirectly(ctx.rt, ctx.userId, res, ctx.budget);
}

/** The Home tab's Deploy… button. */
export async function openFromHome(ctx: ActionContext): Promise<void> {
  const triggerId = ctx.body.trigger_id;
  const res: OpenOutcome = triggerId
    ? await openDeployForm(ctx.rt, { triggerId, userId: ctx.userId, budget: ctx.budget })
    : { opened: false, why: 'expired', locale: ctx.locale };
  await answerDirectly(ctx.rt, ctx.userId, res, ctx.budget);
}

interface FormViewPayload {
  id: string;
  hash?: string;
  private_metadata?: string;
  state?: { values?: Record<string, Record<string, { selected_option?: { value?: string } | null; value?: string | null }>> };
}

/** A select of the form changed (environment or service): show what follows from it. */
export async function handleFormAction(ctx: ActionContext): Promise<void> {
  const { rt, userId } = ctx;
  const view = (ctx.body as unknown as { view?: FormViewPayload }).view;
  const picked = (ctx.action as unknown as { selected_option?: { value?: string } }).selected_option?.value;
  if (!view?.id) return;
  const values = view.state?.values ?? {};
  let env: string | undefined;
  let service: string | undefined;
  if (ctx.action.action_id === FORM.envAction) env = picked;
  else if (ctx.action.action_id === FORM.serviceAction) {
    env = values[FORM.envBlock]?.[FORM.envAction]?.selected_option?.value ?? undefined;
    service = picked;
  } else return; // the tag select and the reason need nothing until submission
  const origin = formMeta(view).c;
  const { locale, environments, unchecked } = await readForm(rt, userId, origin, ctx.budget, FORM_NEEDS);
  const envOk = environments.find((e) => e.name === env);
  if (!envOk) env = service = undefined;
  else if (service && !envOk.services.includes(service)) service = undefined;
  // An environment with one service: it is the choice.
  else if (!service && envOk.services.length === 1) service = envOk.services[0];
  const tags = env && service ? await tagsNow(rt, env, service, ctx.budget) : undefined;
  const form = deployForm({ locale, now: rt.now(), environments, env, service, tags, originChannel: origin, unchecked });
  const wantTags = env && service && tags?.state === 'loading' ? { userId, env, service, origin, locale } : undefined;
  const updated = await viewCallWithin(ctx.budget, 'updateView', wantTags ? RESERVE.handOff : RESERVE.answer, () =>
    rt.slack.updateView({ viewId: view.id, ...(view.hash ? { hash: view.hash } : {}) }, form),
  );
  if (!updated.done) {
    // Another change of the form got there first; it shows its own state.
    if (updated.why === 'refused' && updated.code === 'hash_conflict') return;
    rt.log.warn('deploy form: the form was not updated', { user: userId, why: updated.why });
    await ctx.whisper(notUpdatedText(updated, ctx.locale));
    return;
  }
  if (wantTags && !(await askForTags(rt, wantTags, updated.value, ctx.budget))) await ctx.whisper(text.in(ctx.locale)('tagsNotAsked'));
}

/** Quote a value so the command grammar (src/commands/grammar.ts) reads it back unchanged. */
function quoted(value: string): string {
  const pairs: Array<[string, string]> = [
    ['"', '"'],
    ["'", "'"],
    ['«', '»'],
    ['‘', '’'],
  ];
  const pair = pairs.find(([, close]) => !value.includes(close));
  return pair ? `${pair[0]}${value}${pair[1]}` : `"${value.replace(/"/g, '″')}"`;
}

/**
 * The command the form stands for. The reason is escaped as Slack escapes typed text (the grammar
 * undoes exactly that), and given as `--reason=…` so a reason that starts with dashes stays a reason.
 */
export function deployCommandText(service: string, tag: string, reason: string): string {
  const escaped = reason.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
  return `deploy ${service} ${tag}${reason ? ` --reason=${quoted(escaped)}` : ''}`;
}

/** The input block a refusal of the command path belongs under. */
function refusalBlock(err: unknown, blocks: { env: string; service: string; image: string }): string {
  if (!(err instanceof BotError)) return blocks.image;
  if (err.code === 'FORBIDDEN') return blocks.env;
  if (err.code === 'UNKNOWN_SERVICE') return blocks.service;
  if (err.code === 'BAD_INPUT' && /reason/i.test(err.userMessage)) return FORM.reasonBlock;
  return blocks.image;
}

function refusalText(err: unknown, fallback: string): string {
  if (!isBotError(err)) return truncate(plainText(fallback), 300);
  return truncate(plainText([err.userMessage, err.hint].filter(Boolean).join(' ')), 300);
}

/** The form's submission. */
export const deployFormView: ViewDef = {
  callbackId: FORM.callbackId,
  async handle(rt, view, userId, ctx: ViewContext): Promise<ViewResult | void> {
    const values = (view.state?.values ?? {}) as NonNullable<NonNullable<FormViewPayload['state']>['values']>;
    const env = values[FORM.envBlock]?.[FORM.envAction]?.selected_option?.value ?? undefined;
    const origin = formMeta(view).c;
    // Within the submission's budget: the command path (its own lookup, the admit script, the hand-off) still fits after.
    const { locale, environments, unchecked } = await readForm(rt, userId, origin, ctx.budget, COMMAND_NEEDS);
    const t = formText(locale);
    if (!env) return { errors: { [FORM.envBlock]: t('errPickEnv') } };
    const fe = environments.find((e) => e.name === env);
    if (!fe && unchecked.includes(env)) return { errors: { [FORM.envBlock]: t('errUnchecked') } };
    if (!fe) return { errors: { [FORM.envBlock]: t('errEnvNotAllowed', { env }) } };
    const sBlock = serviceBlock(env);
    const service = values[sBlock]?.[FORM.serviceAction]?.selected_option?.value ?? undefined;
    if (!service) return { errors: { [sBlock]: t('errPickService') } };
    if (!fe.services.includes(service)) return { errors: { [sBlock]: t('errServiceNotAllowed', { service, env }) } };
    const iBlock = imageBlock(env, service);
    if (!values[iBlock]) return { errors: { [sBlock]: t('errTagsLoading') } };
    const tag = values[iBlock]?.[FORM.imageAction]?.selected_option?.value ?? undefined;
    if (!tag) return { errors: { [iBlock]: t('errPickTag') } };
    // The worker refreshed the list since this form got it, and the tag is gone: say so here.
    const cached = await readTags(rt, env, service).catch(() => undefined);
    if (cached && !cached.tags.some((x) => x.tag === tag)) return { errors: { [iBlock]: t('errTagGone', { tag }) } };
    const reason = (values[FORM.reasonBlock]?.[FORM.reasonAction]?.value ?? '').trim();
    if (reason.length > REASON_MAX) return { errors: { [FORM.reasonBlock]: t('errReasonLong', { n: REASON_MAX }) } };

    const id = `cmd-${ctx.triggerId ?? `${view.id}-${view.hash}`}`;
    const inv: Invocation = {
      id,
      text: deployCommandText(service, tag, reason),
      userId,
      channelId: fe.channel,
      receivedAt: rt.now(),
      ...(ctx.triggerId ? { triggerId: ctx.triggerId } : {}),
      view: { externalId: id, title: t('title'), locale },
    };
    const out = await ctx.submitCommand(inv);
    switch (out.status) {
      case 'refused':
        return {
          errors: {
            [refusalBlock(out.error, { env: FORM.envBlock, service: sBlock, image: iBlock })]: refusalText(
              out.error,
              out.reply?.text ?? '',
            ),
          },
        };
      case 'duplicate':
        return;
      case 'answered':
        return { push: answerModal(out.reply!, { title: t('title'), locale, failed: false, externalId: id }) };
      case 'handed-off':
        return { push: preparingView(locale, id, { tag, service, env }) };
    }
  },
};
