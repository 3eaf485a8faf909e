/**
 * An AWS-compatible HTTP endpoint on loopback, for tests and the local playground. The bot's SDK
 * clients reach it only through the SDK's own endpoint variables (AWS_ENDPOINT_URL,
 * AWS_ENDPOINT_URL_<SERVICE>; see endpointEnv()), never through an endpoint written in the code.
 *
 *   const aws = await startAwsEndpoint({ credentials: { AKIDWORKER: 'secret' } });
 *   aws.handle('ecs', 'DescribeServices', (call) => ({ services: [], failures: [] }));
 *   aws.handleAll(world.handlers());            // a whole table: { ecs: { DescribeServices: fn, … }, … }
 *   spawn(..., { env: { ...aws.env(), AWS_ACCESS_KEY_ID: 'AKIDWORKER', … } });
 *   aws.calls                                   // every call: who (access key), what, where, input, outcome
 *   await aws.close();
 *
 * It speaks awsJson1_1 (ECS, ECR, CloudWatch Logs, Cost Explorer, Application Auto Scaling),
 * awsJson1_0 (CloudWatch), the query protocol (STS: form in, XML out, ./query.ts) and restJson1 for
 * Lambda's Invoke (./services.ts), reads the SigV4 Authorization header to know
 * which access key made each call (and checks the signature when the key's secret is known),
 * asks an optional `authorize` hook (an IAM policy, say), then a handler. A handler returns the
 * operation's output in the SDK's shape (Dates are written as epoch seconds) or throws an
 * AwsFault, answered as AWS answers errors: the status, `X-Amzn-ErrorType: <code>` and a body
 * `{ "__type": <code>, "message": … }`. An operation without a handler answers
 * UnknownOperationException, like an endpoint that lacks the API.
 */
import { randomUUID } from 'node:crypto';
import http from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { AwsFault, isAwsFault } from './fault';
import { parseQueryForm, queryErrorXml, queryResponseXml } from './query';
import { endpointEnv, serviceByTargetPrefix, serviceInfo, toAwsJson, type AwsProtocol } from './services';
import { parseAuthorization, verifySignature } from './sigv4';

/**
 * The action of a table's handler for presigned-like GETs: `GET /_presigned/<service>/<region>/<path>` calls
 * the handler `<service>:GET presigned` with that `region` and `input.path`; it answers `{ body, contentType }`, or
 * undefined for a 404. Such a GET carries no signature (the URL is the permission, as S3's presigned
 * URLs that ECR's GetDownloadUrlForLayer answers) and is not recorded among the calls; stallNext of
 * `<service>:GET presigned` holds it unanswered.
 */
export const PRESIGNED_GET = 'GET presigned';

/** One request to the endpoint, as recorded. `input` is the parsed request; the outcome is filled in when answered. */
export interface AwsCall {
  /** 1, 2, 3 … in arrival order. */
  readonly seq: number;
  /** Date.now() when the request arrived. */
  readonly at: number;
  /** SigV4 signing name = IAM prefix: `ecs`, `ecr`, `logs`, `ce`, `application-autoscaling`, `lambda`. */
  readonly service: string;
  /** The API operation: `DescribeServices`, `Invoke`, … */
  readonly action: string;
  /** The region of the signature's credential scope. */
  readonly region: string;
  /** The URL the caller reached this endpoint at (scheme, and the request's Host): where a presigned-like URL points. */
  readonly endpoint?: string;
  /** Who signed the request (undefined: not signed). */
  readonly accessKeyId: string | undefined;
  readonly protocol: AwsProtocol;
  /**
   * The operation's input as the SDK sent it: the JSON body for awsJson1_1 (timestamps are epoch
   * seconds there); for Lambda Invoke `{ FunctionName, InvocationType, Qualifier?, LogType?,
   * ClientContext?, Payload }` with the payload as a UTF-8 string.
   */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- AWS inputs are deep and loosely typed; handlers read what they need
  readonly input: Record<string, any>;
  /** HTTP status of the answer (undefined while in flight or stalled). */
  status?: number;
  /** Error code when the answer was an error (`AccessDeniedException`, …). */
  errorCode?: string;
  errorMessage?: string;
  /** The output a handler returned (before serialization). */
  output?: unknown;
}

export type AwsHandler = (call: AwsCall) => unknown | Promise<unknown>;

/** `{ ecs: { DescribeServices: handler, … }, ecr: { … } }` */
export type AwsHandlerTable = Record<string, Record<string, AwsHandler>>;

/**
 * Lambda Invoke handlers return this (the SDK's InvokeCommandOutput, minus metadata): the status
 * becomes the HTTP status (202 for Event, 200 for RequestResponse, 204 for DryRun), the payload
 * the body, FunctionError the `X-Amz-Function-Error` header.
 */
export interface LambdaInvokeOutput {
  StatusCode: number;
  Payload?: string | Uint8Array;
  FunctionError?: string;
  ExecutedVersion?: string;
  LogResult?: string;
}

export interface AwsEndpointOptions {
  /** Default 127.0.0.1 (loopback only). */
  host?: string;
  /** Default: a free port chosen by the OS. */
  port?: number;
  /**
   * HTTPS with this certificate and key (PEM) instead of plain HTTP, as AWS answers (the benchmark
   * makes a self-signed one and gives the SDK its CA through NODE_EXTRA_CA_CERTS).
   */
  tls?: { cert: string | Buffer; key: string | Buffer };
  /**
   * Secrets by access key id. When given, every request must be signed by one of these keys with
   * a valid signature (UnrecognizedClientException / InvalidSignatureException otherwise).
   * Without it, any signature is accepted and only read for attribution.
   */
  credentials?: Record<string, string> | ((accessKeyId: string) => string | undefined);
  /** Called before the handler; throw an AwsFault (e.g. AccessDeniedException) to refuse the call. */
  authorize?: (call: AwsCall) => void | Promise<void>;
  /** Called after every answer (for logs or live views). */
  onCall?: (call: AwsCall) => void;
}

export interface CallFilter {
  service?: string;
  action?: string;
  accessKeyId?: string;
}

export interface AwsEndpoint {
  /** http://127.0.0.1:PORT (https:// with `tls`) */
  readonly url: string;
  readonly port: number;
  /** Every call in arrival order (live array; cleared by reset()). */
  readonly calls: AwsCall[];
  /** Calls matching every given field. */
  callsOf(filter: CallFilter): AwsCall[];
  /** Sets (or replaces) the handler of `service:action`. */
  handle(service: string, action: string, handler: AwsHandler): void;
  /** Sets every handler of a table (see AwsHandlerTable). */
  handleAll(table: AwsHandlerTable): void;
  /** The next `times` calls of `service:action` ('*' for any action) answer `fault` instead of reaching the handler. */
  failNext(service: string, action: string, fault: AwsFault, times?: number): void;
  /** The next `times` calls of `service:action` ('*' for any) are accepted and never answered (until close()). */
  stallNext(service: string, action: string, times?: number): void;
  /**
   * The next `times` calls of `service:action` ('*' for any) get this HTTP answer as it is, not
   * an AWS-shaped one: what a proxy, a load balancer or an endpoint without the API sends (an
   * HTML error page, a bare 404, …).
   */
  answerNext(service: string, action: string, raw: RawAnswer, times?: number): void;
  /** The next `times` calls of `service:action` ('*' for any) have their connection cut without an answer (ECONNRESET). */
  resetNext(service: string, action: string, times?: number): void;
  /** Removes the handler of `service:action`: it answers UnknownOperationException again, like an endpoint that lacks the API. */
  unhandle(service: string, action: string): void;
  /** The environment that points SDK clients here (AWS_ENDPOINT_URL, or per service; see endpointEnv()). */
  env(services?: readonly string[]): Record<string, string>;
  /** Forgets recorded calls and pending faults/stalls (handlers stay). */
  reset(): void;
  /** Stops listening and drops every connection (stalled requests included). */
  close(): Promise<void>;
}

/** An HTTP answer sent as it is (answerNext). */
export interface RawAnswer {
  status: number;
  body: string;
  /** Default text/html. */
  contentType?: string;
}

const LAMBDA_INVOKE = /^\/2015-03-31\/functions\/([^/]+)\/invocations$/;

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

function header(req: IncomingMessage, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

interface Route {
  service: string;
  action: string;
  protocol: AwsProtocol;
  input: Record<string, unknown>;
}

/** What the request asks for, or an AwsFault saying why it cannot be routed. */
function route(req: IncomingMessage, body: Buffer): Route {
  const url = req.url ?? '/';
  const q = url.indexOf('?');
  const path = q < 0 ? url : url.slice(0, q);
  const target = header(req, 'x-amz-target');
  if (target) {
    const dot = target.lastIndexOf('.');
    const info = dot > 0 ? serviceByTargetPrefix(target.slice(0, dot)) : undefined;
    if (!info || req.method !== 'POST' || path !== '/') {
      throw new AwsFault('UnknownOperationException', `The loopback endpoint does not know the target ${target}`);
    }
    let input: Record<string, unknown> = {};
    if (body.length) {
      try {
        const parsed: unknown = JSON.parse(body.toString('utf8'));
        if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) throw new Error('not an object');
        input = parsed as Record<string, unknown>;
      } catch {
        throw new AwsFault('SerializationException', 'The request body is not a JSON object');
      }
    }
    return { service: info.service, action: target.slice(dot + 1), protocol: info.protocol, input };
  }
  // The query protocol (STS): POST / with a form body; the service is the signature's scope.
  if (req.method === 'POST' && path === '/' && /x-www-form-urlencoded/.test(header(req, 'content-type') ?? '')) {
    const scoped = parseAuthorization(header(req, 'authorization'))?.service;
    const info = scoped ? serviceInfo(scoped) : undefined;
    const { action, input } = parseQueryForm(body.toString('utf8'));
    if (!info || info.protocol !== 'awsQuery' || !action) {
      throw new AwsFault(
        'UnknownOperationException',
        `The loopback endpoint does not know the query action ${action || '(none)'} of ${scoped ?? '?'}`,
      );
    }
    return { service: info.service, action, protocol: 'awsQuery', input };
  }
  const invoke = LAMBDA_INVOKE.exec(path);
  if (invoke && req.method === 'POST') {
    const params = new URLSearchParams(q < 0 ? '' : url.slice(q + 1));
    const input: Record<string, unknown> = {
      FunctionName: safeDecode(invoke[1]!),
      InvocationType: header(req, 'x-amz-invocation-type') ?? 'RequestResponse',
      Payload: body.toString('utf8'),
    };
    const qualifier = params.get('Qualifier');
    if (qualifier) input.Qualifier = qualifier;
    const logType = header(req, 'x-amz-log-type');
    if (logType) input.LogType = logType;
    const clientContext = header(req, 'x-amz-client-context');
    if (clientContext) input.ClientContext = clientContext;
    return { service: 'lambda', action: 'Invoke', protocol: 'restJson1', input };
  }
  if (path.startsWith('/2015-03-31/') || path.startsWith('/2014-11-13/') || path.startsWith('/2017-')) {
    throw new AwsFault('UnknownOperationException', `The loopback endpoint does not implement ${req.method} ${path}`, 404);
  }
  throw new AwsFault('UnknownOperationException', `The loopback endpoint does not know ${req.method} ${path}`, 404);
}

export async function startAwsEndpoint(opts: AwsEndpointOptions = {}): Promise<AwsEndpoint> {
  const host = opts.host ?? '127.0.0.1';
  const calls: AwsCall[] = [];
  const handlers = new Map<string, AwsHandler>();
  let faults = new Map<string, AwsFault[]>();
  let stalls = new Map<string, number>();
  let raws = new Map<string, RawAnswer[]>();
  let resets = new Map<string, number>();
  const stalled = new Set<ServerResponse>();
  let seq = 0;
  const secretOf =
    typeof opts.credentials === 'function'
      ? opts.credentials
      : opts.credentials
        ? (id: string) => (opts.credentials as Record<string, string>)[id]
        : undefined;

  const take = <T>(map: Map<string, T[]>, service: string, action: string): T | undefined => {
    for (const k of [`${service}:${action}`, `${service}:*`]) {
      const q = map.get(k);
      if (q?.length) {
        const item = q.shift();
        if (!q.length) map.delete(k);
        return item;
      }
    }
    return undefined;
  };
  const takeCount = (counts: Map<string, number>, service: string, action: string): boolean => {
    for (const k of [`${service}:${action}`, `${service}:*`]) {
      const n = counts.get(k) ?? 0;
      if (n > 0) {
        if (n === 1) counts.delete(k);
        else counts.set(k, n - 1);
        return true;
      }
    }
    return false;
  };

  function send(res: ServerResponse, status: number, body: string | Buffer, headers: Record<string, string>): void {
    const length = typeof body === 'string' ? Buffer.byteLength(body, 'utf8') : body.length;
    res.writeHead(status, { 'x-amzn-RequestId': randomUUID(), 'Content-Length': String(length), ...headers });
    // A string body goes out with the head in one write; an empty one is not written at all.
    if (length === 0) res.end();
    else if (typeof body === 'string') res.end(body, 'utf8');
    else res.end(body);
  }

  function sendFault(res: ServerResponse, protocol: AwsProtocol, fault: AwsFault, call?: AwsCall): void {
    if (call) {
      call.status = fault.httpStatus;
      call.errorCode = fault.code;
      call.errorMessage = fault.message;
    }
    if (protocol === 'awsQuery') {
      const id = randomUUID();
      send(res, fault.httpStatus, queryErrorXml(call?.service ?? '', fault.code, fault.message, fault.httpStatus, id), {
        'Content-Type': 'text/xml',
        'x-amzn-RequestId': id,
      });
      return;
    }
    const body =
      protocol === 'restJson1'
        ? { Type: fault.httpStatus >= 500 ? 'Service' : 'User', message: fault.message, ...fault.fields }
        : { __type: fault.code, message: fault.message, ...fault.fields };
    send(res, fault.httpStatus, JSON.stringify(body), {
      'Content-Type':
        protocol === 'restJson1'
          ? 'application/json'
          : protocol === 'awsJson1_0'
            ? 'application/x-amz-json-1.0'
            : 'application/x-amz-json-1.1',
      'X-Amzn-ErrorType': fault.code,
    });
  }

  function sendOutput(res: ServerResponse, call: AwsCall, output: unknown): void {
    call.output = output;
    if (call.protocol === 'awsJson1_1' || call.protocol === 'awsJson1_0') {
      call.status = 200;
      send(res, 200, toAwsJson(output ?? {}), {
        'Content-Type': `application/x-amz-json-${call.protocol === 'awsJson1_0' ? '1.0' : '1.1'}`,
      });
      return;
    }
    if (call.protocol === 'awsQuery') {
      call.status = 200;
      const id = randomUUID();
      send(res, 200, queryResponseXml(call.service, call.action, output ?? {}, id), { 'Content-Type': 'text/xml', 'x-amzn-RequestId': id });
      return;
    }
    // Lambda Invoke (the only restJson1 operation routed).
    const out = (output ?? { StatusCode: 200 }) as LambdaInvokeOutput;
    const headers: Record<string, string> = { 'Content-Type': 'application/json' };
    if (out.FunctionError) headers['X-Amz-Function-Error'] = out.FunctionError;
    if (out.ExecutedVersion) headers['X-Amz-Executed-Version'] = out.ExecutedVersion;
    if (out.LogResult) headers['X-Amz-Log-Result'] = out.LogResult;
    call.status = out.StatusCode;
    const payload = out.Payload === undefined ? '' : typeof out.Payload === 'string' ? out.Payload : Buffer.from(out.Payload);
    send(res, out.StatusCode, payload, headers);
  }

  async function presigned(req: IncomingMessage, res: ServerResponse): Promise<boolean> {
    const m = req.method === 'GET' ? /^\/_presigned\/([a-z0-9-]+)\/([a-z0-9-]+)\/([^?]*)/.exec(req.url ?? '') : null;
    const handler = m && handlers.get(`${m[1]}:${PRESIGNED_GET}`);
    if (!m || !handler) return false;
    if (takeCount(stalls, m[1]!, PRESIGNED_GET)) {
      stalled.add(res);
      res.on('close', () => stalled.delete(res));
      return true;
    }
    const out = (await handler({ service: m[1], region: m[2], input: { path: m[3] } } as unknown as AwsCall)) as
      { body: string | Buffer; contentType?: string } | undefined;
    if (out) send(res, 200, out.body, { 'Content-Type': out.contentType ?? 'application/octet-stream' });
    else send(res, 404, '<Error><Code>NoSuchKey</Code></Error>', { 'Content-Type': 'application/xml' });
    return true;
  }

  async function answer(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const body = await readBody(req);
    if (await presigned(req, res)) return;
    let r: Route;
    try {
      r = route(req, body);
    } catch (err) {
      const fault = isAwsFault(err) ? err : new AwsFault('InternalFailure', String(err), 500);
      sendFault(res, req.url?.startsWith('/2015-03-31/') ? 'restJson1' : 'awsJson1_1', fault);
      return;
    }
    const restStatus = (json: number) => (r.protocol === 'restJson1' ? 403 : json);
    const auth = parseAuthorization(header(req, 'authorization'));
    const call: AwsCall = {
      seq: ++seq,
      at: Date.now(),
      service: r.service,
      action: r.action,
      region: auth?.region ?? '',
      ...(header(req, 'host') ? { endpoint: `${opts.tls ? 'https' : 'http'}://${header(req, 'host')}` } : {}),
      accessKeyId: auth?.accessKeyId,
      protocol: r.protocol,
      input: r.input,
    };
    calls.push(call);
    try {
      if (!auth) throw new AwsFault('MissingAuthenticationTokenException', 'Missing Authentication Token', restStatus(400));
      if (auth.service !== r.service) {
        throw new AwsFault('InvalidSignatureException', `Credential should be scoped to correct service: '${r.service}'.`, restStatus(400));
      }
      if (secretOf) {
        const secret = secretOf(auth.accessKeyId);
        if (secret === undefined) {
          throw new AwsFault('UnrecognizedClientException', 'The security token included in the request is invalid.', restStatus(400));
        }
        if (!verifySignature({ method: req.method ?? 'POST', url: req.url ?? '/', headers: req.headers, body }, auth, secret)) {
          throw new AwsFault(
            'InvalidSignatureException',
            'The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method.',
            restStatus(400),
          );
        }
      }
      if (takeCount(stalls, r.service, r.action)) {
        stalled.add(res);
        res.on('close', () => stalled.delete(res));
        return;
      }
      if (takeCount(resets, r.service, r.action)) {
        call.errorCode = 'ECONNRESET';
        res.socket?.destroy();
        return;
      }
      const raw = take(raws, r.service, r.action);
      if (raw) {
        call.status = raw.status;
        send(res, raw.status, raw.body, { 'Content-Type': raw.contentType ?? 'text/html; charset=utf-8' });
        return;
      }
      await opts.authorize?.(call);
      const injected = take(faults, r.service, r.action);
      if (injected) throw injected;
      const handler = handlers.get(`${r.service}:${r.action}`);
      if (!handler) {
        throw new AwsFault(
          'UnknownOperationException',
          `The loopback endpoint does not implement ${r.service}:${r.action}`,
          r.protocol === 'restJson1' ? 404 : 400,
        );
      }
      sendOutput(res, call, await handler(call));
    } catch (err) {
      const fault = isAwsFault(err)
        ? err
        : new AwsFault(
            'InternalFailure',
            `loopback handler for ${r.service}:${r.action} failed: ${(err as Error)?.message ?? String(err)}`,
            500,
          );
      sendFault(res, r.protocol, fault, call);
    } finally {
      if (call.status !== undefined) opts.onCall?.(call);
    }
  }

  const listener = (req: IncomingMessage, res: ServerResponse) => {
    answer(req, res).catch((err: unknown) => {
      if (!res.headersSent) sendFault(res, 'awsJson1_1', new AwsFault('InternalFailure', String(err), 500));
    });
  };
  const server = opts.tls ? https.createServer({ cert: opts.tls.cert, key: opts.tls.key }, listener) : http.createServer(listener);
  server.keepAliveTimeout = 5_000;

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  const url = `${opts.tls ? 'https' : 'http'}://${host}:${port}`;

  return {
    url,
    port,
    calls,
    callsOf: (f) =>
      calls.filter(
        (c) =>
          (f.service === undefined || c.service === f.service) &&
          (f.action === undefined || c.action === f.action) &&
          (f.accessKeyId === undefined || c.accessKeyId === f.accessKeyId),
      ),
    handle(service, action, handler) {
      handlers.set(`${service}:${action}`, handler);
    },
    handleAll(table) {
      for (const [service, actions] of Object.entries(table)) {
        for (const [action, handler] of Object.entries(actions)) handlers.set(`${service}:${action}`, handler);
      }
    },
    failNext(service, action, fault, times = 1) {
      const k = `${service}:${action}`;
      const q = faults.get(k) ?? [];
      for (let i = 0; i < times; i++) q.push(fault);
      faults.set(k, q);
    },
    stallNext(service, action, times = 1) {
      const k = `${service}:${action}`;
      stalls.set(k, (stalls.get(k) ?? 0) + times);
    },
    answerNext(service, action, raw, times = 1) {
      const k = `${service}:${action}`;
      const q = raws.get(k) ?? [];
      for (let i = 0; i < times; i++) q.push(raw);
      raws.set(k, q);
    },
    resetNext(service, action, times = 1) {
      const k = `${service}:${action}`;
      resets.set(k, (resets.get(k) ?? 0) + times);
    },
    unhandle(service, action) {
      handlers.delete(`${service}:${action}`);
    },
    env: (services) => endpointEnv(url, services),
    reset() {
      calls.length = 0;
      faults = new Map();
      stalls = new Map();
      raws = new Map();
      resets = new Map();
    },
    async close() {
      for (const res of stalled) res.destroy();
      stalled.clear();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}
export { AwsFault, isAwsFault } from './fault';
