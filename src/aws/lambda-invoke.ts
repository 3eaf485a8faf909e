/**
 * The hand-off to the worker: an asynchronous Lambda Invoke (InvocationType Event), signed with the
 * AWS SDK's own SigV4 signer (@smithy/signature-v4) and sent with node:https over a keep-alive
 * agent. It replaces `new LambdaClient().send(new InvokeCommand(...))` on the Slack-facing path:
 * the SDK client is ~370 KiB of bundled code whose first load and first request cost 100+ ms
 * inside Slack's 3-second ack; this is ~40 KiB and loads with the bundle.
 *
 * What it keeps from the SDK: the signer, the environment credential provider (Lambda puts the
 * function role's credentials in AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY / AWS_SESSION_TOKEN),
 * the endpoint settings (AWS_ENDPOINT_URL_LAMBDA, AWS_ENDPOINT_URL, AWS_IGNORE_CONFIGURED_ENDPOINT_URLS,
 * AWS_USE_FIPS_ENDPOINT, AWS_USE_DUALSTACK_ENDPOINT), the request shape of Invoke, and the
 * standard retry mode's decision (one retry after a jittered delay on throttling, 5xx and
 * network errors). Endpoints are Lambda's documented ones for the aws, aws-cn and aws-us-gov
 * partitions; test/unit/lambda-invoke.test.ts checks them against the SDK's own resolver.
 */
import { createHash } from 'node:crypto';
import { request as httpRequest, Agent as HttpAgent, type IncomingMessage } from 'node:http';
import { request as httpsRequest, Agent as HttpsAgent } from 'node:https';
import { isIP } from 'node:net';
import { fromEnv } from '@aws-sdk/credential-provider-env';
import { Sha256 } from '@smithy/core/checksum';
import { SignatureV4 } from '@smithy/signature-v4';
import type { AwsCredentialIdentityProvider, HttpRequest } from '@smithy/types';

export interface InvokeOptions {
  env?: NodeJS.ProcessEnv;
  /** Per attempt: time to open the connection. */
  connectTimeoutMs?: number;
  /** Per attempt: time from sending the request to the end of the answer. */
  requestTimeoutMs?: number;
  /** Attempts in all (the SDK's maxAttempts). */
  maxAttempts?: number;
  credentials?: AwsCredentialIdentityProvider;
}

export interface InvokeCallOptions {
  /**
   * All attempts of this call together within this many ms (a click's budget, src/slack/click-budget.ts):
   * each attempt's connect and request timeouts are cut to what is left, and the retry is made only
   * when at least MIN_RETRY_MS are left after its delay. An attempt stopped this way is a failed
   * hand-off like any other (the caller cannot know whether Lambda queued it: the worker's start
   * script runs a job at most once and only for an approved request).
   */
  withinMs?: number;
}

export interface AsyncInvoker {
  /** Queue one asynchronous invocation; resolves when Lambda accepted it (HTTP 202). */
  invokeAsync(functionName: string, payload: string, opts?: InvokeCallOptions): Promise<void>;
}

/** A retry with less time than this left is not made (it could not connect and be answered). */
export const MIN_RETRY_MS = 150;

/**
 * One attempt's connect and request timeouts within what is left of a call's time; undefined when
 * nothing is left. Pure.
 */
export function attemptBounds(
  connectTimeoutMs: number,
  requestTimeoutMs: number,
  leftMs: number,
): { connectMs: number; requestMs: number } | undefined {
  if (!(leftMs > 0)) return undefined;
  return { connectMs: Math.min(connectTimeoutMs, leftMs), requestMs: Math.min(requestTimeoutMs, leftMs) };
}

export class InvokeError extends Error {
  constructor(
    message: string,
    readonly retryable: boolean,
    readonly statusCode?: number,
    readonly errorType?: string,
    /**
     * The whole request reached the endpoint and no answer came back (the request timeout, or the
     * connection lost after sending): Lambda may have queued the invocation. False when it cannot
     * have (no connection, or Lambda answered with an error).
     */
    readonly unconfirmed = false,
  ) {
    super(message);
    this.name = 'InvokeError';
  }
}

const truthy = (v: string | undefined): boolean => v?.trim().toLowerCase() === 'true';

/** Regions of the ISO partitions, whose endpoints this module does not know. */
const ISO_REGION = /^(us-iso[a-z]*|eu-iso[a-z]*|us-isob|us-isof)-/;

/** Lambda's endpoint, as the SDK resolves it from the environment (no shared config files on Lambda). */
export function lambdaEndpoint(env: NodeJS.ProcessEnv = process.env): URL {
  if (!truthy(env.AWS_IGNORE_CONFIGURED_ENDPOINT_URLS)) {
    const configured = env.AWS_ENDPOINT_URL_LAMBDA || env.AWS_ENDPOINT_URL;
    if (configured) return new URL(configured);
  }
  const region = env.AWS_REGION || env.AWS_DEFAULT_REGION;
  if (!region) throw new InvokeError('no AWS region: set AWS_REGION', false);
  if (ISO_REGION.test(region)) {
    throw new InvokeError(`no built-in Lambda endpoint for region ${region}: set AWS_ENDPOINT_URL_LAMBDA`, false);
  }
  const fips = truthy(env.AWS_USE_FIPS_ENDPOINT);
  const dualStack = truthy(env.AWS_USE_DUALSTACK_ENDPOINT);
  const china = region.startsWith('cn-');
  const suffix = dualStack ? (china ? 'api.amazonwebservices.com.cn' : 'api.aws') : china ? 'amazonaws.com.cn' : 'amazonaws.com';
  return new URL(`https://lambda${fips ? '-fips' : ''}.${region}.${suffix}`);
}

/** The signing region: the configured region, whatever the endpoint. */
export function signingRegion(env: NodeJS.ProcessEnv): string {
  const region = env.AWS_REGION || env.AWS_DEFAULT_REGION;
  if (!region) throw new InvokeError('no AWS region: set AWS_REGION', false);
  return region;
}

let httpsAgent: HttpsAgent | undefined;
let httpAgent: HttpAgent | undefined;

function agentFor(url: URL): HttpsAgent | HttpAgent {
  // Keep-alive: the TLS handshake is paid once per execution environment, not per hand-off.
  if (url.protocol === 'https:') return (httpsAgent ??= new HttpsAgent({ keepAlive: true, maxSockets: 50 }));
  return (httpAgent ??= new HttpAgent({ keepAlive: true, maxSockets: 50 }));
}

/** The TLS server name (SNI) of an endpoint: its host name, none for an IP address (as node:https works it out per request). */
function serverName(url: URL): string {
  const host = url.hostname.replace(/^\[|\]$/g, '');
  return isIP(host) ? '' : host;
}

export interface Answer {
  statusCode: number;
  headers: IncomingMessage['headers'];
  body: string;
}

/** Sends a signed request over the keep-alive agent, with a connect and a whole-request timeout (also used by ./ssm.ts). */
export function send(
  url: URL,
  signed: HttpRequest,
  connectTimeoutMs: number,
  requestTimeoutMs: number,
  what = 'Lambda Invoke',
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const request = url.protocol === 'https:' ? httpsRequest : httpRequest;
    const req = request({
      protocol: url.protocol,
      hostname: url.hostname,
      port: url.port || undefined,
      method: signed.method,
      path: signed.path,
      headers: signed.headers,
      agent: agentFor(url),
      // What the agent would work out from the Host header on every request (no SNI for an IP address).
      servername: serverName(url),
    });
    const fail = (err: Error) => {
      clearTimeout(requestTimer);
      clearTimeout(connectTimer);
      reject(err);
    };
    // The request (head and body) handed to the connection: from then on an error or a timeout
    // leaves it unknown whether the endpoint acted on it.
    let sent = false;
    req.once('finish', () => (sent = true));
    let connectTimer: NodeJS.Timeout | undefined;
    const requestTimer = setTimeout(
      () => req.destroy(new InvokeError(`${what} took longer than ${requestTimeoutMs} ms`, true, undefined, undefined, sent)),
      requestTimeoutMs,
    );
    req.on('socket', (socket) => {
      if (!socket.connecting) return;
      connectTimer = setTimeout(
        () => req.destroy(new InvokeError(`no connection to ${url.host} within ${connectTimeoutMs} ms`, true)),
        connectTimeoutMs,
      );
      socket.once(url.protocol === 'https:' ? 'secureConnect' : 'connect', () => clearTimeout(connectTimer));
    });
    req.on('error', (err) => fail(err instanceof InvokeError ? err : new InvokeError(err.message, true, undefined, undefined, sent)));
    req.on('response', (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('error', (err) => fail(new InvokeError(err.message, true, undefined, undefined, true)));
      res.on('end', () => {
        clearTimeout(requestTimer);
        clearTimeout(connectTimer);
        resolve({ statusCode: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') });
      });
    });
    // A string body (both callers) is written with the request head in one write.
    req.end(signed.body as string | Buffer);
  });
}

function errorOf(answer: Answer): InvokeError {
  let type = String(answer.headers['x-amzn-errortype'] ?? '').split(':')[0] || undefined;
  let message = answer.body.slice(0, 300);
  try {
    const parsed = JSON.parse(answer.body) as { Type?: string; __type?: string; message?: string; Message?: string };
    type ??= parsed.__type ?? parsed.Type;
    message = parsed.message ?? parsed.Message ?? message;
  } catch {
    // not JSON: keep the text
  }
  const retryable = answer.statusCode >= 500 || answer.statusCode === 429 || /Throttl|TooManyRequests/.test(type ?? '');
  return new InvokeError(
    `worker invoke answered ${answer.statusCode}${type ? ` ${type}` : ''}${message ? `: ${message}` : ''}`,
    retryable,
    answer.statusCode,
    type,
  );
}

export function createAsyncInvoker(opts: InvokeOptions = {}): AsyncInvoker {
  const env = opts.env ?? process.env;
  const connectTimeoutMs = opts.connectTimeoutMs ?? 700;
  const requestTimeoutMs = opts.requestTimeoutMs ?? 1_000;
  const maxAttempts = opts.maxAttempts ?? 2;
  let signer: SignatureV4 | undefined;
  let endpoint: URL | undefined;

  return {
    async invokeAsync(functionName, payload, callOpts = {}) {
      const startedAt = performance.now();
      const within = callOpts.withinMs ?? Infinity;
      const left = () => within - (performance.now() - startedAt);
      endpoint ??= lambdaEndpoint(env);
      signer ??= new SignatureV4({
        service: 'lambda',
        region: signingRegion(env),
        credentials: opts.credentials ?? fromEnv(),
        sha256: Sha256,
      });
      const base = endpoint.pathname.replace(/\/$/, '');
      // The payload's SHA-256 once, by node:crypto: the signer takes it from x-amz-content-sha256
      // instead of converting and hashing the payload itself on every attempt. The body stays a
      // string: node:http then sends the request head and the body in one write (one TLS record)
      // instead of a writev of two.
      const body = payload;
      const payloadHash = createHash('sha256').update(body, 'utf8').digest('hex');
      // An earlier attempt that may have been queued: a later failure is then unconfirmed too.
      let maybeQueued = false;
      for (let attempt = 1; ; attempt++) {
        // A new signature per attempt: its date must be current.
        const signed = (await signer.sign({
          method: 'POST',
          protocol: endpoint.protocol,
          hostname: endpoint.hostname,
          port: endpoint.port ? Number(endpoint.port) : undefined,
          path: `${base}/2015-03-31/functions/${encodeURIComponent(functionName)}/invocations`,
          query: {},
          headers: {
            host: endpoint.host,
            'content-type': 'application/octet-stream',
            'content-length': String(Buffer.byteLength(body, 'utf8')),
            'x-amz-invocation-type': 'Event',
            'x-amz-content-sha256': payloadHash,
          },
          body,
        })) as HttpRequest;
        const bounds = attemptBounds(connectTimeoutMs, requestTimeoutMs, left());
        if (!bounds) throw new InvokeError(`Lambda Invoke: no time left within ${within} ms`, false);
        try {
          const answer = await send(endpoint, signed, bounds.connectMs, bounds.requestMs);
          if (answer.statusCode === 202) return;
          throw errorOf(answer);
        } catch (err) {
          const retryable = err instanceof InvokeError ? err.retryable : true;
          maybeQueued ||= err instanceof InvokeError && err.unconfirmed;
          // The standard retry mode's first delay: full jitter over 100 ms.
          const delay = Math.random() * 100;
          if (!retryable || attempt >= maxAttempts || left() - delay < MIN_RETRY_MS) {
            if (maybeQueued && err instanceof InvokeError && !err.unconfirmed)
              throw new InvokeError(
                `${err.message} (an earlier attempt was not answered)`,
                err.retryable,
                err.statusCode,
                err.errorType,
                true,
              );
            throw err;
          }
          await new Promise((r) => setTimeout(r, delay));
        }
      }
    },
  };
}
