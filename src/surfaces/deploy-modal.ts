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
import { lazySchema } from '../config/lazy-schema';
import type { Config } from '../config/schema';
import { BotError, isBotError } from '../errors';
import type { ActionContext, SlackView, ViewContext, ViewDef, ViewResult } from '../hooks/actions';
import { LOCALES, type Locale } from '../i18n';
import { keys } from '../redis/keys';
import type { Runtime } from '../runtime';
import type { Invocation } from '../slack/invocation';
import { answerModal } from '../slack/modal';
import { plainText, truncate } from '../slack/text';
import { deployableEnvironments } from './home-data';
import { readerLocale } from './locale';
import {
  deployForm,
  expiredMessage,
  FORM,
  formMeta,
  formText,
  imageBlock,
  nowhereView,
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

/** The environments (and services) `user` may deploy, as the form offers them. */
export async function formEnvironments(rt: Runtime, user: string, origin?: string): Promise<FormEnvironment[]> {
  const envs = await deployableEnvironments(rt, user);
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
    };
  });
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

/** The tags as the form can show them now: from a fresh cache, or "loading" (the worker is asked). */
async function tagsNow(rt: Runtime, env: string, service: string): Promise<TagsState> {
  const repository = rt.config.services[service]?.repository ?? service;
  const cached = await readTags(rt, env, service).catch(() => undefined);
  if (cached && rt.now() - cached.at < TAGS_FRESH_MS)
    return { state: 'loaded', repository, at: cached.at, tags: cached.tags as TagOption[] };
  return { state: 'loading', repository };
}

const TRIGGER_ERRORS = /expired_trigger_id|exchanged_trigger_id|invalid_trigger_id|trigger_id/;

function isTriggerProblem(err: unknown): boolean {
  return isBotError(err) && err.code === 'SLACK' && TRIGGER_ERRORS.test(err.message);
}

interface Shown {
  userId: string;
  env?: string;
  service?: string;
  origin?: string;
  locale: Locale;
}

async function askForTags(
  rt: Runtime,
  shown: Shown & { env: string; service: string },
  view: { id: string; hash?: string },
): Promise<void> {
  await rt.dispatcher.dispatch({
    kind: 'deploy-form-tags',
    id: `tags-${view.id}-${rt.now()}`,
    viewId: view.id,
    ...(view.hash ? { hash: view.hash } : {}),
    userId: shown.userId,
    env: shown.env,
    service: shown.service,
    ...(shown.origin ? { origin: shown.origin } : {}),
    locale: shown.locale,
  });
}

/**
 * Open the form with `triggerId`. 'expired' when Slack refused the trigger (more than 3 seconds
 * old, or used already): the caller tells the person what to do instead.
 */
export async function openDeployForm(
  rt: Runtime,
  opts: { triggerId: string; userId: string; originChannel?: string },
): Promise<'opened' | 'expired'> {
  const locale = await readerLocale(rt, opts.userId);
  const environments = await formEnvironments(rt, opts.userId, opts.originChannel);
  let view: SlackView;
  let wantTags: (Shown & { env: string; service: string }) | undefined;
  if (!environments.length) view = nowhereView(locale);
  else {
    const env =
      environments.find((e) => opts.originChannel && rt.config.environments[e.name]!.channels.includes(opts.originChannel)) ??
      (environments.length === 1 ? environments[0] : undefined);
    const service = env?.services.length === 1 ? env.services[0] : undefined;
    const tags = env && service ? await tagsNow(rt, env.name, service) : undefined;
    view = deployForm({ locale, now: rt.now(), environments, env: env?.name, service, tags, originChannel: opts.originChannel });
    if (env && service && tags?.state === 'loading')
      wantTags = { userId: opts.userId, env: env.name, service, origin: opts.originChannel, locale };
  }
  let opened;
  try {
    opened = await rt.slack.openView(opts.triggerId, view);
  } catch (err) {
    if (isTriggerProblem(err)) {
      rt.log.warn('deploy form: the trigger expired before the form could open', { user: opts.userId, err });
      return 'expired';
    }
    throw err;
  }
  if (wantTags) await askForTags(rt, wantTags, opened);
  return 'opened';
}

/** Where there is no channel to answer in (the shortcut, the Home tab): the bot's direct message. */
async function answerExpiredDirectly(rt: Runtime, userId: string): Promise<void> {
  await rt.slack
    .post(userId, expiredMessage(await readerLocale(rt, userId)))
    .catch((err) => rt.log.warn('deploy form: could not tell about the expired trigger', { user: userId, err }));
}

/** `/ecs deploy` typed without arguments (registered as the verb's form). */
export async function openFromCommand(rt: Runtime, inv: Invocation): Promise<ReturnType<typeof expiredMessage> | undefined> {
  const res = await openDeployForm(rt, { triggerId: inv.triggerId!, userId: inv.userId, originChannel: inv.channelId });
  return res === 'expired' ? expiredMessage(await readerLocale(rt, inv.userId)) : undefined;
}

/** The global shortcut "Deploy to ECS". */
export async function openFromShortcut(rt: Runtime, userId: string, triggerId: string): Promise<void> {
  if ((await openDeployForm(rt, { triggerId, userId })) === 'expired') await answerExpiredDirectly(rt, userId);
}

/** The Home tab's Deploy… button. */
export async function openFromHome(ctx: ActionContext): Promise<void> {
  const triggerId = ctx.body.trigger_id;
  if (!triggerId || (await openDeployForm(ctx.rt, { triggerId, userId: ctx.userId })) === 'expired')
    await answerExpiredDirectly(ctx.rt, ctx.userId);
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
  const locale = await readerLocale(rt, userId);
  const environments = await formEnvironments(rt, userId, origin);
  const envOk = environments.find((e) => e.name === env);
  if (!envOk) env = service = undefined;
  else if (service && !envOk.services.includes(service)) service = undefined;
  // An environment with one service: it is the choice.
  else if (!service && envOk.services.length === 1) service = envOk.services[0];
  const tags = env && service ? await tagsNow(rt, env, service) : undefined;
  const form = deployForm({ locale, now: rt.now(), environments, env, service, tags, originChannel: origin });
  let updated;
  try {
    updated = await rt.slack.updateView({ viewId: view.id, ...(view.hash ? { hash: view.hash } : {}) }, form);
  } catch (err) {
    // Another change of the form got there first; it shows its own state.
    if (isBotError(err) && /hash_conflict/.test(err.message)) return;
    throw err;
  }
  if (env && service && tags?.state === 'loading') await askForTags(rt, { userId, env, service, origin, locale }, updated);
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
    const locale = await readerLocale(rt, userId);
    const t = formText(locale);
    const values = (view.state?.values ?? {}) as NonNullable<NonNullable<FormViewPayload['state']>['values']>;
    const env = values[FORM.envBlock]?.[FORM.envAction]?.selected_option?.value ?? undefined;
    if (!env) return { errors: { [FORM.envBlock]: t('errPickEnv') } };
    const origin = formMeta(view).c;
    const fe = (await formEnvironments(rt, userId, origin)).find((e) => e.name === env);
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
