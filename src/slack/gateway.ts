/**
 * The thin adapter between the bot and Slack's Web API. Every outgoing message passes
 * `fitMessage` (limits) and, if Slack still rejects the blocks, is re-sent once as plain text,
 * so a rendering problem never loses an answer.
 */
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { KnownBlock } from '@slack/types';
import { WebClient, type WebClientOptions } from '@slack/web-api';
import { BotError, errorMessage } from '../errors';
import { defineMessages } from '../i18n/catalog';
import type { Logger } from '../log';
import { fitMessage, type SlackMessage } from './blocks';
import { escapeMrkdwn } from './text';
import type { SharedPauses } from './patient.run';

const SLACK_DEFAULT_API_URL = 'https://slack.com/api/';

function slackApiUrl(env: NodeJS.ProcessEnv = process.env): string {
  const url = env.SLACK_API_URL || SLACK_DEFAULT_API_URL;
  return url.endsWith('/') ? url : url + '/';
}

/**
 * 'patient' (the worker): bounded retries; a 429 rejects at once in the SDK (which would otherwise
 * sleep whatever Retry-After says, its whole queue paused) and the gateway's patient client waits it
 * out only when the wait fits (RATE_LIMIT_WAIT_CAP_MS, the work's deadline). 'withinAck' (calls made
 * while Slack waits for the 3-second ack): one short attempt, a 429 is not waited out; callers of
 * such calls fall back instead.
 */
/** The timeout of one Web API call made while Slack waits for the answer (the 'withinAck' client; a click's budget cuts it further). */
export const WITHIN_ACK_TIMEOUT_MS = 1_200;

export function slackClientOptions(env: NodeJS.ProcessEnv = process.env, mode: 'patient' | 'withinAck' = 'patient'): WebClientOptions {
  if (mode === 'withinAck')
    return { slackApiUrl: slackApiUrl(env), timeout: WITHIN_ACK_TIMEOUT_MS, rejectRateLimitedCalls: true, retryConfig: { retries: 0 } };
  return {
    slackApiUrl: slackApiUrl(env),
    timeout: 10_000,
    rejectRateLimitedCalls: true,
    retryConfig: { retries: 4, factor: 2, minTimeout: 300, maxTimeout: 5_000, randomize: true },
  };
}

/** Where Slack's response_urls live; SLACK_RESPONSE_URL_BASE replaces it for tests and local Slack fakes. */
const SLACK_RESPONSE_URL_BASE = 'https://hooks.slack.com/';

/**
 * Whether `url` is one of Slack's response_urls: under the configured base, compared as a parsed
 * URL (scheme, host and port exactly; the path under the base's), so `hooks.slack.com.evil.example`
 * or `hooks.slack.com@evil.example` do not pass. A response_url is a capability that answers as the
 * bot; one from anywhere else is refused, never fetched.
 */
export function isSlackResponseUrl(url: string, env: NodeJS.ProcessEnv = process.env): boolean {
  let u: URL;
  let base: URL;
  try {
    u = new URL(url);
    base = new URL(env.SLACK_RESPONSE_URL_BASE || SLACK_RESPONSE_URL_BASE);
  } catch {
    return false;
  }
  const basePath = base.pathname.endsWith('/') ? base.pathname : base.pathname + '/';
  return u.protocol === base.protocol && u.host === base.host && !u.username && !u.password && u.pathname.startsWith(basePath);
}

export interface PostOptions {
  threadTs?: string;
  broadcast?: boolean;
  /** Posted while Slack waits for the ack (lock, freeze, mute notices): one short attempt, no retries. */
  withinAck?: boolean;
  /**
   * A stable key for a post that may be tried again (a request id and what is said): sent as the
   * message's metadata (event type POST_KEY_EVENT), so that a later attempt can find out with
   * `findPosted` whether an earlier one that got no answer landed.
   */
  key?: string;
}

/** The metadata event_type of a keyed post (PostOptions.key); its event_payload is `{ key }`. */
export const POST_KEY_EVENT = 'ecs_chatops_post';

export interface ViewRef {
  id: string;
  hash?: string;
}

export interface SlackGateway {
  post(channel: string, msg: SlackMessage, opts?: PostOptions): Promise<{ channel: string; ts: string }>;
  update(channel: string, ts: string, msg: SlackMessage): Promise<void>;
  ephemeral(channel: string, user: string, msg: SlackMessage, threadTs?: string): Promise<void>;
  /**
   * Answer through a response_url (5 uses in 30 minutes). Refused (a 4xx but 429): not sent again.
   * A 429 or 5xx: sent again after its Retry-After. No answer after it was sent (a timeout, a cut
   * connection): sent again only when it replaces or deletes the original; a new message is not (it
   * may have shown: the error is then NO_ANSWER, mayHaveLanded). A failure before it was written (no
   * connection, or the connect phase, DNS, TCP or the TLS handshake, timed out): Slack cannot have
   * it, so it is sent again while there is time, and the error is NOT_SENT (not mayHaveLanded). `withinMs`: all attempts together
   * (a click's budget); by default RESPOND_WITHIN_MS, or WITHIN_ACK_TIMEOUT_MS on the Slack function.
   */
  respond(
    responseUrl: string,
    msg: SlackMessage,
    opts?: { inChannel?: boolean; replaceOriginal?: boolean; deleteOriginal?: boolean; withinMs?: number },
  ): Promise<void>;
  /** views.open; the opened view's id and hash (for views.update). */
  openView(triggerId: string, view: Record<string, unknown>): Promise<ViewRef>;
  /** views.push: a view on top of the modal the trigger came from. */
  pushView(triggerId: string, view: Record<string, unknown>): Promise<ViewRef>;
  /**
   * views.update of a modal by its id (with `hash`: refused with hash_conflict when the view changed
   * since) or by its external_id.
   */
  updateView(target: { viewId: string; hash?: string } | { externalId: string }, view: Record<string, unknown>): Promise<ViewRef>;
  /** views.publish: a user's Home tab. */
  publishHome(userId: string, view: Record<string, unknown>): Promise<void>;
  /** A user's Slack locale (users.info with include_locale), e.g. "ko-KR"; undefined when Slack does not say. */
  userLocale(userId: string): Promise<string | undefined>;
  /** The user's time zone as Slack has it (users.info `tz`, an IANA name); undefined when Slack has none. */
  userTimeZone(userId: string): Promise<string | undefined>;
  uploadText(
    channel: string,
    file: { filename: string; content: string; title?: string; threadTs?: string; comment?: string },
  ): Promise<void>;
  /**
   * A binary file (a chart's PNG) into a channel or a thread: files.getUploadURLExternal, the bytes
   * POSTed to the upload URL (bounded by a timeout), files.completeUploadExternal. `altText` is what
   * screen readers say for an image.
   */
  uploadFile(
    channel: string,
    file: { filename: string; bytes: Uint8Array; title?: string; altText?: string; threadTs?: string; comment?: string },
  ): Promise<void>;
  /** Members of a user group (usergroups.users.list). */
  groupMembers(groupId: string): Promise<string[]>;
  /** The id of the bot's direct-message channel with `userId` (conversations.open; scope im:write). */
  openDm(userId: string): Promise<string>;
  /**
   * The ts of the bot's post carrying `key` (PostOptions.key) in the thread `threadTs` of `channel`
   * (or, without a thread, among the channel's newest messages); undefined when it is not there.
   * Bounded (a few pages, its own timeout: src/slack/patient.run.ts findPosted); throws when Slack
   * could not be read (scopes channels:history / groups:history). Worker side only.
   */
  findPosted(channel: string, key: string, threadTs?: string): Promise<string | undefined>;
}

/** All attempts of one response_url answer outside Slack's ack (the worker's functions: well under their timeouts). */
export const RESPOND_WITHIN_MS = 15_000;
/** The code of a response_url answer that was sent and got no answer (it may have shown). */
export const NO_ANSWER = 'response_url_no_answer';

/** The code of a response_url answer that failed before it was written (DNS, TCP connect, TLS handshake): Slack cannot have it. */
export const NOT_SENT = 'not_sent';

/** How a response_url answer is sent (node:http(s), keep-alive: Node's global agents). */
const POST_JSON = { method: 'POST', headers: { 'content-type': 'application/json' } };

/** Network errors that mean the request never reached Slack (no connection was made). */
const NOT_CONNECTED: ReadonlySet<string> = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'ENETUNREACH', 'EHOSTUNREACH', NOT_SENT]);

/** Whether `err` (or what it wraps) is a connection to Slack that was never made: nothing was sent. */
export function neverReachedSlack(err: unknown): boolean {
  for (const e of causes(err)) if (NOT_CONNECTED.has(String((e as { code?: unknown }).code))) return true;
  return false;
}

/** How long the bytes of one upload may take to reach Slack's upload URL. */
const UPLOAD_TIMEOUT_MS = 15_000;

const BLOCK_ERRORS = new Set(['invalid_blocks', 'msg_blocks_too_long', 'invalid_blocks_format', 'too_many_blocks']);

/**
 * The Web API error code Slack answered (`data.error` of the SDK's platform error), looked for on
 * the error and its causes (a gateway BotError wraps the SDK's error), or undefined when Slack
 * answered none (a timeout, a network failure, an HTTP error).
 */
export function slackErrorCodeOf(err: unknown): string | undefined {
  for (const e of causes(err)) {
    const code = (e as { data?: { error?: unknown } }).data?.error;
    if (typeof code === 'string' && code) return code;
  }
  return undefined;
}

/** True when `err` (or what it wraps: the gateway's BotError) is Slack's 429 that the client did not wait out. */
export function isSlackRateLimited(err: unknown): boolean {
  for (const e of causes(err)) if ((e as { code?: unknown }).code === 'slack_webapi_rate_limited_error') return true;
  return false;
}

/** `err` and the errors it wraps (`cause`), four deep at most. */
export function* causes(err: unknown): Generator<unknown> {
  for (let e: unknown = err, depth = 0; e && depth < 4; e = (e as { cause?: unknown }).cause, depth++) yield e;
}

/**
 * `allWithinAck`: every call of this gateway runs while Slack waits for an ack (the Slack-facing
 * Lambda function), so all of them get the short, single-attempt client. `deadline`: when the work
 * making a call must end (epoch ms, Infinity if unknown; a job's or an event's budget, the Lambda's end), which bounds
 * how long a 429 is waited out (patientClient). `sharedPauses`: where the patient client shares its
 * 429 pauses with the other processes (never used by an `allWithinAck` gateway).
 */
export function createSlackGateway(
  token: string,
  log: Logger,
  env: NodeJS.ProcessEnv = process.env,
  allWithinAck = false,
  deadline?: () => number,
  sharedPauses?: SharedPauses,
): SlackGateway {
  // Calls made inside Slack's 3-second ack (user-group lookups, lock/freeze/mute notices, request
  // message updates on a click) use fastClient; their callers fall back (cached membership, a
  // reworded confirmation, a best-effort update).
  // Built on first use: a WebClient builds its whole method tree (hundreds of bound functions) when
  // constructed, and many cold starts (the Slack function answering help, handing off) call no Slack API.
  // The patient client is the worker's (./patient.run.ts, loaded lazily: never in the Slack function's bundle).
  let fast: WebClient | undefined;
  let patient: Promise<WebClient> | undefined;
  const fastClient = (): WebClient => (fast ??= new WebClient(token, slackClientOptions(env, 'withinAck')));
  const client = async (): Promise<WebClient> =>
    allWithinAck
      ? fastClient()
      : (patient ??= import('./patient.run').then((m) => m.patientClient(token, env, log, deadline, sharedPauses)));

  async function withTextFallback<T>(msg: SlackMessage, send: (text: string, blocks: KnownBlock[] | undefined) => Promise<T>): Promise<T> {
    const fitted = fitMessage(msg);
    try {
      return await send(fitted.text, fitted.blocks.length ? fitted.blocks : undefined);
    } catch (err) {
      const code = slackErrorCodeOf(err);
      if (code && BLOCK_ERRORS.has(code)) {
        log.warn('slack rejected blocks; resending as text', { error: code });
        return send(fitted.text, undefined);
      }
      throw wrap(err);
    }
  }

  return {
    async post(channel, msg, opts = {}) {
      return withTextFallback(msg, async (text, blocks) => {
        const args = {
          channel,
          text,
          ...(blocks ? { blocks } : {}),
          ...(opts.threadTs ? { thread_ts: opts.threadTs } : {}),
          ...(opts.broadcast ? { reply_broadcast: true } : {}),
          ...(opts.key ? { metadata: { event_type: POST_KEY_EVENT, event_payload: { key: opts.key } } } : {}),
          unfurl_links: false,
          unfurl_media: false,
        };
        // The SDK's argument type is a union of exclusive shapes (blocks vs text, thread vs not); ours is one of them.
        const via = opts.withinAck ? fastClient() : await client();
        const res = await via.chat.postMessage(args as Parameters<WebClient['chat']['postMessage']>[0]);
        return { channel: String(res.channel ?? channel), ts: String(res.ts) };
      });
    },
    async update(channel, ts, msg) {
      await withTextFallback(msg, async (text, blocks) => (await client()).chat.update({ channel, ts, text, blocks: blocks ?? [] }));
    },
    async ephemeral(channel, user, msg, threadTs) {
      await withTextFallback(msg, async (text, blocks) =>
        (await client()).chat.postEphemeral({
          channel,
          user,
          text,
          ...(blocks ? { blocks } : {}),
          ...(threadTs ? { thread_ts: threadTs } : {}),
        }),
      );
    },
    async respond(responseUrl, msg, opts = {}) {
      if (!isSlackResponseUrl(responseUrl, env)) {
        log.warn('response_url refused: not a Slack URL', { host: hostOf(responseUrl) });
        throw new BotError('SLACK', 'response_url refused: not a Slack URL', {
          userMessage: M.lazy('notSlack'),
        });
      }
      const fitted = fitMessage(msg);
      const body = JSON.stringify({
        text: fitted.text,
        blocks: fitted.blocks,
        response_type: opts.inChannel ? 'in_channel' : 'ephemeral',
        ...(opts.replaceOriginal !== undefined ? { replace_original: opts.replaceOriginal } : {}),
        ...(opts.deleteOriginal ? { delete_original: true } : {}),
      });
      // Sent again after no answer only when a second one changes nothing (it replaces or deletes the original).
      const again = opts.replaceOriginal === true || opts.deleteOriginal === true;
      const endsAt = Date.now() + (opts.withinMs ?? (allWithinAck ? WITHIN_ACK_TIMEOUT_MS : RESPOND_WITHIN_MS));
      const host = hostOf(responseUrl);
      for (let attempt = 1; ; attempt++) {
        let err: unknown;
        let waitMs = 200;
        // The request handed to its connection (node:http's 'finish': a new connection's TCP and TLS
        // handshakes came first). Until then Slack cannot have it, whatever stops it (a timeout included).
        let sent = false;
        try {
          // An answer that may be sent again after a timeout leaves itself time for it (all attempts but the last: half of what is left).
          const ms = Math.max(1, Math.min(8_000, (endsAt - Date.now()) / (again && attempt < 3 ? 2 : 1)));
          const res = await new Promise<[number, string, unknown]>((resolve, reject) => {
            const req = (responseUrl.startsWith('https:') ? httpsRequest : httpRequest)(responseUrl, POST_JSON, (r) => {
              let text = '';
              r.on('data', (c) => (text += c))
                .on('error', reject)
                .on('end', () => resolve([r.statusCode!, text, r.headers['retry-after']]));
            });
            const timer = setTimeout(() => req.destroy(new Error('timed out')), ms);
            req
              .on('finish', () => (sent = true))
              .on('error', reject)
              .on('close', () => clearTimeout(timer))
              .end(body);
          }).catch((e: Error) => {
            throw sent ? e : Object.assign(e, { code: NOT_SENT });
          });
          if (res[0] < 300) return;
          // Slack's reason: a bare word (expired_url, used_url, invalid_blocks, no_text) or {"error": ...}.
          const m = /^(\w+)$|"error":"(\w+)"/.exec(res[1].trim());
          const code = m?.[1] ?? m?.[2];
          err = Object.assign(new Error(`response_url answered HTTP ${res[0]} ${code}`), {
            statusCode: res[0],
            data: { error: code },
          });
          if (res[0] !== 429 && res[0] < 500) {
            // Refused (a spent or expired URL, a refused message): the same request would be refused again.
            log.warn('response_url refused; not sent again', { host, status: res[0], error: code });
            throw wrap(err);
          }
          waitMs = Math.min(5, Math.max(0.2, Number(res[2]) || 1)) * 1000;
        } catch (e) {
          if (e instanceof BotError) throw e;
          err = e;
          // Sent and not answered (a timeout, a cut connection): Slack may have shown it.
          if (!again && !neverReachedSlack(e)) {
            log.warn('response_url: no answer after sending; not sent again (it may or may not have shown)', { host, err: e });
            throw wrap(Object.assign(new Error(`response_url: no answer (${errorMessage(e)})`, { cause: e }), { code: NO_ANSWER }));
          }
        }
        if (attempt >= 3 || endsAt - Date.now() - waitMs < 200) throw wrap(err);
        await new Promise((r) => setTimeout(r, waitMs));
      }
    },
    async openView(triggerId, view) {
      try {
        const res = await (await client()).views.open({ trigger_id: triggerId, view: view as never });
        return { id: String(res.view?.id ?? ''), hash: res.view?.hash };
      } catch (err) {
        throw wrap(err);
      }
    },
    async pushView(triggerId, view) {
      try {
        const res = await (await client()).views.push({ trigger_id: triggerId, view: view as never });
        return { id: String(res.view?.id ?? ''), hash: res.view?.hash };
      } catch (err) {
        throw wrap(err);
      }
    },
    async updateView(target, view) {
      try {
        const args =
          'viewId' in target
            ? { view_id: target.viewId, ...(target.hash ? { hash: target.hash } : {}) }
            : { external_id: target.externalId };
        const res = await (await client()).views.update({ ...args, view: view as never });
        return { id: String(res.view?.id ?? ''), hash: res.view?.hash };
      } catch (err) {
        throw wrap(err);
      }
    },
    async publishHome(userId, view) {
      try {
        await (await client()).views.publish({ user_id: userId, view: view as never });
      } catch (err) {
        throw wrap(err);
      }
    },
    async userLocale(userId) {
      try {
        const res = await fastClient().users.info({ user: userId, include_locale: true });
        return res.user?.locale || undefined;
      } catch (err) {
        throw wrap(err);
      }
    },
    async userTimeZone(userId) {
      try {
        return (await fastClient().users.info({ user: userId })).user?.tz || undefined;
      } catch (err) {
        throw wrap(err);
      }
    },
    async uploadText(channel, file) {
      try {
        const slack = await client();
        await slack.filesUploadV2({
          channel_id: channel,
          content: file.content,
          filename: file.filename,
          ...(file.title ? { title: file.title } : {}),
          ...(file.threadTs ? { thread_ts: file.threadTs } : {}),
          ...(file.comment ? { initial_comment: file.comment } : {}),
        } as never);
      } catch (err) {
        throw wrap(err);
      }
    },
    async uploadFile(channel, file) {
      try {
        const slack = await client();
        const url = await slack.files.getUploadURLExternal({
          filename: file.filename,
          length: file.bytes.length,
          ...(file.altText ? { alt_text: file.altText.slice(0, 1000) } : {}),
        });
        if (!url.upload_url || !url.file_id) throw new Error('files.getUploadURLExternal returned no upload_url');
        const res = await fetch(url.upload_url, {
          method: 'POST',
          body: file.bytes,
          headers: { 'content-type': 'application/octet-stream' },
          signal: AbortSignal.timeout(UPLOAD_TIMEOUT_MS),
        });
        await res.arrayBuffer().catch(() => undefined);
        if (!res.ok) throw new Error(`the file upload answered HTTP ${res.status}`);
        await slack.files.completeUploadExternal({
          files: [{ id: url.file_id, title: file.title ?? file.filename }],
          channel_id: channel,
          ...(file.threadTs ? { thread_ts: file.threadTs } : {}),
          ...(file.comment ? { initial_comment: file.comment } : {}),
        } as never);
      } catch (err) {
        throw wrap(err);
      }
    },
    async openDm(userId) {
      try {
        const res = await (await client()).conversations.open({ users: userId });
        const id = (res.channel as { id?: string } | undefined)?.id;
        if (!id) throw new Error('conversations.open returned no channel');
        return id;
      } catch (err) {
        throw wrap(err);
      }
    },
    async findPosted(channel, key, threadTs) {
      try {
        return await (await import('./patient.run')).findPosted(await client(), channel, key, threadTs);
      } catch (err) {
        throw wrap(err);
      }
    },
    async groupMembers(groupId) {
      try {
        const res = await fastClient().usergroups.users.list({ usergroup: groupId });
        return res.users ?? [];
      } catch (err) {
        throw wrap(err);
      }
    },
  };
}

const M = defineMessages('slack.gateway', {
  notSlack: {
    en: 'I was asked to answer somewhere that is not Slack, so I did not.',
    ko: 'Slack이 아닌 곳으로 답하라는 요청을 받아 답하지 않았습니다.',
  },
  refused: { en: 'Slack refused the message ({detail}).', ko: 'Slack이 메시지를 거부했습니다 ({detail}).' },
  noAnswer: {
    en: 'Slack did not answer in time (it may be slow or out of reach), so this may not have gone through. Try again in a moment.',
    ko: 'Slack이 제때 응답하지 않아(느리거나 연결되지 않음) 처리되지 않았을 수 있습니다. 잠시 후 다시 시도하세요.',
  },
  httpError: {
    en: 'Slack answered with an error of its own (HTTP {status}). Try again in a moment.',
    ko: 'Slack이 자체 오류로 응답했습니다 (HTTP {status}). 잠시 후 다시 시도하세요.',
  },
  rateLimited: {
    en: 'Slack is limiting how often the bot may call it. Try again in a minute.',
    ko: 'Slack이 봇의 호출 횟수를 제한하고 있습니다. 1분 뒤에 다시 시도하세요.',
  },
  channel_not_found: {
    en: 'Invite the bot to the channel (`/invite @ECS ChatOps`) or check the channel ID in chatops.yml.',
    ko: '봇을 채널에 초대하거나(`/invite @ECS ChatOps`) chatops.yml의 채널 ID를 확인하세요.',
  },
  not_in_channel: { en: 'Invite the bot to the channel (`/invite @ECS ChatOps`).', ko: '봇을 채널에 초대하세요 (`/invite @ECS ChatOps`).' },
  invalid_auth: {
    en: 'The Slack bot token is wrong or revoked: check SLACK_BOT_TOKEN.',
    ko: 'Slack 봇 토큰이 틀렸거나 폐기되었습니다. SLACK_BOT_TOKEN을 확인하세요.',
  },
  missing_scope: {
    en: 'The Slack app lacks a scope: reinstall it from slack-manifest.yml.',
    ko: 'Slack 앱에 권한(scope)이 빠졌습니다. slack-manifest.yml로 다시 설치하세요.',
  },
});

const HINTS = new Set(['channel_not_found', 'not_in_channel', 'invalid_auth', 'missing_scope'] as const);
/** The host of a URL for a log line (never the path: a response_url's path is its secret). */
function hostOf(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return '(not a URL)';
  }
}

/**
 * What a person is told about a failed Slack call: Slack's own error code when it answered one;
 * otherwise what happened in plain words (the SDK's error text stays in the log, never in Slack).
 */
function userMessageOf(err: unknown, code: string | undefined) {
  const { statusCode } = err as { statusCode?: unknown };
  if (isSlackRateLimited(err) || statusCode === 429) return M.lazy('rateLimited');
  if (code) return M.lazy('refused', { detail: escapeMrkdwn(code) });
  if (typeof statusCode === 'number') return M.lazy('httpError', { status: statusCode });
  return M.lazy('noAnswer');
}

function wrap(err: unknown): BotError {
  if (err instanceof BotError) return err;
  const code = slackErrorCodeOf(err);
  const detail = code ?? errorMessage(err);
  const hint = code && (HINTS as Set<string>).has(code) ? M.lazy(code as 'channel_not_found') : undefined;
  return new BotError('SLACK', `Slack API error: ${detail}`, { userMessage: userMessageOf(err, code), hint, cause: err });
}
