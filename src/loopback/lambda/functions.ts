/**
 * A loopback Lambda service: functions that each run in their own Node process (./host.ts) with
 * their own environment (AWS_LAMBDA_FUNCTION_NAME, _HANDLER, LAMBDA_TASK_ROOT, AWS_REGION, the
 * function's own credentials, its configured variables), and Lambda's Invoke API for the
 * loopback AWS endpoint (invokeHandler()).
 *
 *   const lambda = new LambdaFunctions({ hostScript, region, account });
 *   lambda.add({ name: 'app-worker', handler: 'dist/worker.handler', taskRoot, env, credentials });
 *   endpoint.handle('lambda', 'Invoke', lambda.invokeHandler());
 *   await lambda.invoke('app-slack', apiGatewayEvent);   // as API Gateway would (synchronous)
 *   lambda.invokeAsync('app-events', eventBridgeEvent);  // as EventBridge would (queued)
 *   await lambda.idle();                                 // every queued invocation (and what it caused) ran
 *   await lambda.close();
 *
 * Like Lambda: an environment runs one invocation at a time, and this service keeps one
 * environment per function (invocations queue, as with reserved concurrency 1); INIT runs
 * when the environment starts, before the first invocation; between invocations the process is
 * frozen (SIGSTOP), so work left running after the handler returned does not run until the next
 * invocation; an invocation past the function's timeout ends the environment ("Task timed out");
 * an asynchronous invocation (`Event`) is accepted with 202 and retried on error up to
 * `maximumRetryAttempts` times (0–2, default 2).
 */
import { fork, type ChildProcess } from 'node:child_process';
import { createHash, randomUUID } from 'node:crypto';
import { AwsFault } from '../aws/fault';
import type { AwsCall, AwsHandler, LambdaInvokeOutput } from '../aws/server';
import type { FunctionErrorPayload, HostMessage, InvokeContext } from './protocol';

export interface FunctionCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

export interface FunctionSpec {
  /** The function name (FunctionName in Invoke, AWS_LAMBDA_FUNCTION_NAME inside). */
  name: string;
  /** `<path without .js>.<export>`, relative to taskRoot: `dist/worker.handler`. */
  handler: string;
  /** The unzipped artifact: the function's working directory and LAMBDA_TASK_ROOT. */
  taskRoot: string;
  /** The function's configured environment variables. */
  env?: Record<string, string>;
  /** The execution role's credentials (AWS_ACCESS_KEY_ID, …); each function signs with its own. */
  credentials: FunctionCredentials;
  /** Default 3 (Lambda's default). */
  timeoutSeconds?: number;
  memoryMb?: number;
  /** Asynchronous invocations: retries after an error (0–2, default 2). */
  maximumRetryAttempts?: number;
  /**
   * Asynchronous invocations: where Lambda sends the invocation record once it gives up (an SQS
   * queue ARN added with addQueue), with the function's own role (sqs:SendMessage).
   */
  onFailure?: string;
}

/** A function's role is asked before Lambda acts for it (log writes aside): true when allowed. */
export type PlatformAuthorizer = (fn: string, action: string, resource: string) => boolean;

/** An SQS message as the loopback queues keep it. */
export interface QueueMessage {
  messageId: string;
  receiptHandle: string;
  body: string;
  sentAt: number;
  receiveCount: number;
}

/** An SQS event source mapping: Lambda polls `queueArn` and invokes `functionName` with batches. */
export interface EventSourceMapping {
  queueArn: string;
  functionName: string;
  batchSize?: number;
  /** The function answers `{ batchItemFailures: [{ itemIdentifier }] }` for the messages to keep. */
  reportBatchItemFailures?: boolean;
  /** A message received this many times without being deleted is dropped (a redrive policy). Default 3. */
  maxReceiveCount?: number;
}

export interface LambdaFunctionsOptions {
  /** The built host script (src/loopback/lambda/host.ts bundled to one .js file). */
  hostScript: string;
  region: string;
  account: string;
  /** Variables every function gets in addition to its own (e.g. the AWS endpoint variables of a loopback world). */
  env?: Record<string, string>;
  /** Freeze a function's process between invocations (SIGSTOP/SIGCONT), as Lambda does. Default true. */
  freeze?: boolean;
  /** Every line a function writes to stdout or stderr. */
  onOutput?: (fn: string, line: string) => void;
  /** Asked before Lambda calls SQS for a function (destinations, event source polling); default: allowed. */
  authorizePlatform?: PlatformAuthorizer;
}

export interface Invocation {
  fn: string;
  requestId: string;
  /** RequestResponse also for SQS event source batches (source 'sqs'). */
  type: 'RequestResponse' | 'Event';
  source?: 'sqs';
  event: unknown;
  /** 0 for the first attempt of an asynchronous invocation, 1 and 2 for its retries. */
  attempt: number;
  startedAt?: number;
  endedAt?: number;
  /** The failure was injected by the test (crashNext). */
  injected?: true;
  /** The handler's result (ok) or its error. */
  result?: { ok: true; value: unknown } | { ok: false; error: FunctionErrorPayload };
}

interface Job {
  inv: Invocation;
  resolve(result: NonNullable<Invocation['result']>): void;
}

interface Env {
  child: ChildProcess;
  ready: Promise<void>;
  frozen: boolean;
  exited: boolean;
  pending?: { id: string; done(result: NonNullable<Invocation['result']>): void };
}

interface Fn {
  spec: FunctionSpec;
  queue: Job[];
  running: boolean;
  env?: Env;
}

const ASYNC_PAYLOAD_LIMIT = 256 * 1024;
const SYNC_PAYLOAD_LIMIT = 6 * 1024 * 1024;

export class LambdaFunctions {
  private readonly fns = new Map<string, Fn>();
  private readonly idleWaiters = new Set<() => void>();
  private closed = false;
  /** Every invocation, in the order they were accepted. */
  readonly invocations: Invocation[] = [];
  /** Output lines per function. */
  private readonly output = new Map<string, string[]>();

  private readonly queues = new Map<string, QueueMessage[]>();
  private readonly mappings: EventSourceMapping[] = [];
  private readonly drops = new Map<string, number>();
  private readonly crashes = new Map<string, number>();
  /** Asynchronous invocations Lambda gave up on (sent to a destination or dropped), in order. */
  readonly gaveUp: Array<{ fn: string; requestId: string; condition: string; destination?: string; delivered: boolean }> = [];

  /** Ends the environments if this process exits without close() (a frozen child would otherwise stay stopped). */
  private readonly onExit = () => {
    for (const f of this.fns.values()) if (f.env && !f.env.exited) f.env.child.kill('SIGKILL');
  };

  constructor(private readonly o: LambdaFunctionsOptions) {
    process.once('exit', this.onExit);
  }

  functionArn(name: string): string {
    return `arn:aws:lambda:${this.o.region}:${this.o.account}:function:${name}`;
  }

  add(spec: FunctionSpec): void {
    if (this.fns.has(spec.name)) throw new Error(`function ${spec.name} exists`);
    this.fns.set(spec.name, { spec, queue: [], running: false });
    this.output.set(spec.name, []);
  }

  names(): string[] {
    return [...this.fns.keys()];
  }

  spec(name: string): FunctionSpec | undefined {
    return this.fns.get(name)?.spec;
  }

  /** Lines a function wrote (stdout and stderr), oldest first. */
  logs(name: string): string[] {
    return [...(this.output.get(name) ?? [])];
  }

  /** Starts every function's environment now (INIT), instead of at its first invocation. */
  async warm(): Promise<void> {
    await Promise.all([...this.fns.values()].map((f) => this.environment(f).ready));
  }

  /** A synchronous invocation (RequestResponse): the handler's result, or its error. */
  invoke(name: string, event: unknown): Promise<NonNullable<Invocation['result']>> {
    const f = this.fnOrThrow(name);
    const inv: Invocation = { fn: name, requestId: randomUUID(), type: 'RequestResponse', event, attempt: 0 };
    this.invocations.push(inv);
    return new Promise((resolve) => this.enqueue(f, { inv, resolve }));
  }

  /**
   * An asynchronous invocation (Event): queued; retried on error up to the function's
   * maximumRetryAttempts; once Lambda gives up, its invocation record goes to the function's
   * on-failure destination.
   */
  invokeAsync(name: string, event: unknown): Invocation {
    const f = this.fnOrThrow(name);
    const inv: Invocation = { fn: name, requestId: randomUUID(), type: 'Event', event, attempt: 0 };
    this.invocations.push(inv);
    if (this.take(this.drops, name)) {
      // Lost before it ran (the event aged out, or Lambda lost it): no attempt, no destination.
      inv.result = {
        ok: false,
        error: { errorType: 'Loopback.Dropped', errorMessage: 'the event was lost before it reached the function' },
      };
      this.gaveUp.push({ fn: name, requestId: inv.requestId, condition: 'Dropped', delivered: false });
      return inv;
    }
    const retries = Math.max(0, Math.min(2, f.spec.maximumRetryAttempts ?? 2));
    const attempt = (n: number, current: Invocation) => {
      this.enqueue(f, {
        inv: current,
        resolve: (result) => {
          if (result.ok || this.closed) return;
          if (n < retries) {
            const retry: Invocation = { ...current, attempt: n + 1, startedAt: undefined, endedAt: undefined, result: undefined };
            this.invocations.push(retry);
            attempt(n + 1, retry);
          } else {
            this.onFailure(f, current, result.error, n + 1);
          }
        },
      });
    };
    attempt(0, inv);
    return inv;
  }

  /** The next `times` asynchronous invocations of `name` are lost before they run (as an event that aged out). */
  dropNext(name: string, times = 1): void {
    this.fnOrThrow(name);
    this.drops.set(name, (this.drops.get(name) ?? 0) + times);
  }

  /** The next `times` invocations of `name` crash the environment before the handler runs (Runtime.ExitError). */
  crashNext(name: string, times = 1): void {
    this.fnOrThrow(name);
    this.crashes.set(name, (this.crashes.get(name) ?? 0) + times);
  }

  private take(counts: Map<string, number>, name: string): boolean {
    const n = counts.get(name) ?? 0;
    if (n <= 0) return false;
    if (n === 1) counts.delete(name);
    else counts.set(name, n - 1);
    return true;
  }

  /** An SQS queue (a destination or an event source), by ARN. */
  addQueue(arn: string): void {
    if (!this.queues.has(arn)) this.queues.set(arn, []);
  }

  /** Messages waiting in a queue (not yet deleted). */
  queueMessages(arn: string): QueueMessage[] {
    return [...(this.queues.get(arn) ?? [])];
  }

  /** Lambda polls `queueArn` for `functionName` (messages already waiting are delivered now). */
  addEventSourceMapping(m: EventSourceMapping): void {
    this.fnOrThrow(m.functionName);
    this.addQueue(m.queueArn);
    this.mappings.push(m);
    this.poll(m.queueArn);
  }

  /** Sends a message to a queue (as a producer would), then lets its event source mappings poll. */
  sendMessage(queueArn: string, body: string): QueueMessage {
    const q = this.queues.get(queueArn);
    if (!q) throw new Error(`no loopback queue ${queueArn}`);
    const msg: QueueMessage = { messageId: randomUUID(), receiptHandle: randomUUID(), body, sentAt: Date.now(), receiveCount: 0 };
    q.push(msg);
    this.poll(queueArn);
    return msg;
  }

  /** Lambda gave up on an asynchronous invocation: the invocation record goes to the on-failure destination. */
  private onFailure(f: Fn, inv: Invocation, error: FunctionErrorPayload, attempts: number): void {
    const dest = f.spec.onFailure;
    const allowed = dest ? (this.o.authorizePlatform?.(f.spec.name, 'sqs:SendMessage', dest) ?? true) : false;
    this.gaveUp.push({
      fn: f.spec.name,
      requestId: inv.requestId,
      condition: 'RetriesExhausted',
      ...(dest ? { destination: dest } : {}),
      delivered: allowed && !!dest && this.queues.has(dest),
    });
    if (!dest || !allowed || !this.queues.has(dest)) return;
    // The invocation record Lambda writes to an on-failure destination.
    const record = {
      version: '1.0',
      timestamp: new Date().toISOString(),
      requestContext: {
        requestId: inv.requestId,
        functionArn: `${this.functionArn(f.spec.name)}:$LATEST`,
        condition: 'RetriesExhausted',
        approximateInvokeCount: attempts,
      },
      requestPayload: inv.event,
      responseContext: { statusCode: 200, executedVersion: '$LATEST', functionError: 'Unhandled' },
      responsePayload: { errorType: error.errorType, errorMessage: error.errorMessage },
    };
    this.sendMessage(dest, JSON.stringify(record));
  }

  /** Every event source mapping of `queueArn` takes a batch of the waiting messages and invokes its function. */
  private poll(queueArn: string): void {
    if (this.closed) return;
    const q = this.queues.get(queueArn);
    for (const m of this.mappings.filter((x) => x.queueArn === queueArn)) {
      if (!q?.length) return;
      const fn = m.functionName;
      const auth = this.o.authorizePlatform;
      const allowed = ['sqs:ReceiveMessage', 'sqs:GetQueueAttributes', 'sqs:DeleteMessage'].every((a) => auth?.(fn, a, queueArn) ?? true);
      if (!allowed) return;
      const batch = q.splice(0, Math.max(1, m.batchSize ?? 10));
      for (const msg of batch) msg.receiveCount++;
      const region = this.o.region;
      const event = {
        Records: batch.map((msg) => ({
          messageId: msg.messageId,
          receiptHandle: msg.receiptHandle,
          body: msg.body,
          attributes: {
            ApproximateReceiveCount: String(msg.receiveCount),
            SentTimestamp: String(msg.sentAt),
            ApproximateFirstReceiveTimestamp: String(Date.now()),
          },
          messageAttributes: {},
          md5OfBody: createHash('md5').update(msg.body).digest('hex'),
          eventSource: 'aws:sqs',
          eventSourceARN: queueArn,
          awsRegion: region,
        })),
      };
      const f = this.fnOrThrow(fn);
      const inv: Invocation = { fn, requestId: randomUUID(), type: 'RequestResponse', source: 'sqs', event, attempt: 0 };
      this.invocations.push(inv);
      this.enqueue(f, {
        inv,
        resolve: (result) => {
          // Deleted: every message of a successful batch, except those the function reported as failed.
          let keep: QueueMessage[] = batch;
          if (result.ok) {
            const failed = m.reportBatchItemFailures
              ? new Set(
                  ((result.value as { batchItemFailures?: Array<{ itemIdentifier?: string }> } | null)?.batchItemFailures ?? []).map(
                    (x) => x.itemIdentifier,
                  ),
                )
              : new Set<string | undefined>();
            keep = batch.filter((msg) => failed.has(msg.messageId));
          }
          const max = m.maxReceiveCount ?? 3;
          q.push(...keep.filter((msg) => msg.receiveCount < max));
          // Kept messages come back after the visibility timeout: here, with the next message or pollQueues().
        },
      });
    }
  }

  /** Lets every event source mapping poll again (messages that failed come back, as after their visibility timeout). */
  pollQueues(): void {
    for (const arn of this.queues.keys()) this.poll(arn);
  }

  /** Resolves when no function is running or has queued invocations (including those queued meanwhile). */
  idle(): Promise<void> {
    if (this.isIdle()) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.add(resolve));
  }

  private isIdle(): boolean {
    return [...this.fns.values()].every((f) => !f.running && f.queue.length === 0);
  }

  /** The handler of Lambda's Invoke for the loopback AWS endpoint (authorization is the endpoint's `authorize` hook). */
  invokeHandler(): AwsHandler {
    return async (call: AwsCall): Promise<LambdaInvokeOutput> => {
      const name = this.resolveName(call);
      const type = String(call.input.InvocationType ?? 'RequestResponse');
      const payload = String(call.input.Payload ?? '');
      let event: unknown = {};
      if (payload.length) {
        try {
          event = JSON.parse(payload);
        } catch {
          throw new AwsFault(
            'InvalidRequestContentException',
            'Could not parse request body into json: Could not parse payload into json',
            400,
          );
        }
      }
      if (type === 'DryRun') return { StatusCode: 204 };
      if (type === 'Event') {
        if (Buffer.byteLength(payload) > ASYNC_PAYLOAD_LIMIT) {
          throw new AwsFault(
            'RequestEntityTooLargeException',
            `Request must be smaller than ${ASYNC_PAYLOAD_LIMIT} bytes for the InvokeAsync operation`,
            413,
          );
        }
        this.invokeAsync(name, event);
        return { StatusCode: 202 };
      }
      if (type !== 'RequestResponse') throw new AwsFault('InvalidParameterValueException', `Unsupported invocation type ${type}`, 400);
      if (Buffer.byteLength(payload) > SYNC_PAYLOAD_LIMIT) {
        throw new AwsFault(
          'RequestEntityTooLargeException',
          `Request must be smaller than ${SYNC_PAYLOAD_LIMIT} bytes for the Invoke operation`,
          413,
        );
      }
      const result = await this.invoke(name, event);
      if (result.ok) return { StatusCode: 200, ExecutedVersion: '$LATEST', Payload: JSON.stringify(result.value ?? null) };
      return { StatusCode: 200, ExecutedVersion: '$LATEST', FunctionError: 'Unhandled', Payload: JSON.stringify(result.error) };
    };
  }

  /** FunctionName may be a name, a partial ARN (`123456789012:function:name`) or an ARN, with an optional qualifier. */
  private resolveName(call: AwsCall): string {
    const raw = String(call.input.FunctionName ?? '');
    const m = /^(?:arn:aws[\w-]*:lambda:([\w-]+):(\d{12}):function:|(\d{12}):function:)?([\w-]{1,64})(?::([\w$-]+))?$/.exec(raw);
    const qualifier = call.input.Qualifier ?? m?.[5];
    const name = m?.[4];
    const wrongPlace = (m?.[1] && m[1] !== this.o.region) || ((m?.[2] ?? m?.[3]) && (m?.[2] ?? m?.[3]) !== this.o.account);
    if (!m || !name || wrongPlace || !this.fns.has(name) || (qualifier && qualifier !== '$LATEST')) {
      throw new AwsFault(
        'ResourceNotFoundException',
        `Function not found: ${this.functionArn(name ?? raw)}${qualifier ? `:${qualifier}` : ''}`,
        404,
      );
    }
    return name;
  }

  private fnOrThrow(name: string): Fn {
    const f = this.fns.get(name);
    if (!f) throw new Error(`no loopback function ${name}`);
    if (this.closed) throw new Error('the loopback Lambda service is closed');
    return f;
  }

  private enqueue(f: Fn, job: Job): void {
    f.queue.push(job);
    if (!f.running) void this.drain(f);
  }

  private async drain(f: Fn): Promise<void> {
    f.running = true;
    try {
      while (f.queue.length && !this.closed) {
        const job = f.queue.shift()!;
        const result = await this.runOne(f, job.inv);
        job.inv.result = result;
        job.inv.endedAt = Date.now();
        job.resolve(result);
      }
    } finally {
      f.running = false;
      if (this.isIdle()) {
        for (const w of [...this.idleWaiters]) w();
        this.idleWaiters.clear();
      }
    }
  }

  private async runOne(f: Fn, inv: Invocation): Promise<NonNullable<Invocation['result']>> {
    const timeoutMs = (f.spec.timeoutSeconds ?? 3) * 1000;
    let env = this.environment(f);
    try {
      await env.ready;
    } catch (err) {
      f.env = undefined;
      return { ok: false, error: err as FunctionErrorPayload };
    }
    if (env.exited) {
      f.env = undefined;
      env = this.environment(f);
      try {
        await env.ready;
      } catch (err) {
        f.env = undefined;
        return { ok: false, error: err as FunctionErrorPayload };
      }
    }
    inv.startedAt = Date.now();
    if (this.take(this.crashes, f.spec.name)) {
      inv.injected = true;
      // The environment dies before the handler runs (out of memory, a crash in INIT of this invocation…).
      this.kill(env);
      f.env = undefined;
      this.line(f.spec.name, `START RequestId: ${inv.requestId} Version: $LATEST`);
      this.line(f.spec.name, `END RequestId: ${inv.requestId}`);
      return { ok: false, error: { errorType: 'Runtime.ExitError', errorMessage: 'Runtime exited with error: signal: killed' } };
    }
    const context: InvokeContext = {
      awsRequestId: inv.requestId,
      functionName: f.spec.name,
      functionVersion: '$LATEST',
      invokedFunctionArn: this.functionArn(f.spec.name),
      memoryLimitInMB: String(f.spec.memoryMb ?? 128),
      logGroupName: `/aws/lambda/${f.spec.name}`,
      logStreamName: this.logStream(f),
      deadlineMs: inv.startedAt + timeoutMs,
    };
    this.thaw(env);
    this.line(f.spec.name, `START RequestId: ${inv.requestId} Version: $LATEST`);
    const result = await new Promise<NonNullable<Invocation['result']>>((resolve) => {
      const timer = setTimeout(() => {
        env.pending = undefined;
        this.kill(env);
        f.env = undefined;
        resolve({
          ok: false,
          error: { errorType: 'Sandbox.Timedout', errorMessage: `Task timed out after ${(timeoutMs / 1000).toFixed(2)} seconds` },
        });
      }, timeoutMs);
      env.pending = {
        id: inv.requestId,
        done: (r) => {
          clearTimeout(timer);
          env.pending = undefined;
          resolve(r);
        },
      };
      env.child.send({ type: 'invoke', id: inv.requestId, event: inv.event, context }, (err) => {
        if (err)
          env.pending?.done({
            ok: false,
            error: { errorType: 'Runtime.ExitError', errorMessage: `could not reach the runtime: ${err.message}` },
          });
      });
    });
    this.line(f.spec.name, `END RequestId: ${inv.requestId}`);
    if (f.env === env && !env.exited) this.freeze(env);
    return result;
  }

  private streams = new Map<string, string>();

  private logStream(f: Fn): string {
    let s = this.streams.get(f.spec.name);
    if (!s) {
      const d = new Date().toISOString().slice(0, 10).replace(/-/g, '/');
      s = `${d}/[$LATEST]${randomUUID().replace(/-/g, '')}`;
      this.streams.set(f.spec.name, s);
    }
    return s;
  }

  private line(fn: string, line: string): void {
    this.output.get(fn)?.push(line);
    this.o.onOutput?.(fn, line);
  }

  private environment(f: Fn): Env {
    if (f.env && !f.env.exited) return f.env;
    const spec = f.spec;
    this.streams.delete(spec.name);
    const env: NodeJS.ProcessEnv = {
      PATH: process.env.PATH,
      LANG: 'en_US.UTF-8',
      TZ: ':UTC',
      ...this.o.env,
      ...spec.env,
      AWS_LAMBDA_FUNCTION_NAME: spec.name,
      AWS_LAMBDA_FUNCTION_VERSION: '$LATEST',
      AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(spec.memoryMb ?? 128),
      AWS_LAMBDA_LOG_GROUP_NAME: `/aws/lambda/${spec.name}`,
      AWS_LAMBDA_INITIALIZATION_TYPE: 'on-demand',
      AWS_EXECUTION_ENV: 'AWS_Lambda_nodejs22.x',
      AWS_REGION: this.o.region,
      AWS_DEFAULT_REGION: this.o.region,
      AWS_ACCESS_KEY_ID: spec.credentials.accessKeyId,
      AWS_SECRET_ACCESS_KEY: spec.credentials.secretAccessKey,
      ...(spec.credentials.sessionToken ? { AWS_SESSION_TOKEN: spec.credentials.sessionToken } : {}),
      // No shared config or credential files and no instance metadata: the function's own credentials only.
      AWS_CONFIG_FILE: '/nonexistent/aws-config',
      AWS_SHARED_CREDENTIALS_FILE: '/nonexistent/aws-credentials',
      AWS_EC2_METADATA_DISABLED: 'true',
      _HANDLER: spec.handler,
      LAMBDA_TASK_ROOT: spec.taskRoot,
    };
    const child = fork(this.o.hostScript, [], {
      cwd: spec.taskRoot,
      env,
      execArgv: [],
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
      serialization: 'json',
    });
    const e: Env = { child, frozen: false, exited: false, ready: Promise.resolve() };
    for (const stream of [child.stdout, child.stderr]) {
      let buf = '';
      stream?.setEncoding('utf8');
      stream?.on('data', (chunk: string) => {
        buf += chunk;
        let nl: number;
        while ((nl = buf.indexOf('\n')) >= 0) {
          this.line(spec.name, buf.slice(0, nl));
          buf = buf.slice(nl + 1);
        }
      });
      stream?.on('end', () => buf && this.line(spec.name, buf));
    }
    e.ready = new Promise<void>((resolve, reject) => {
      child.on('message', (raw: unknown) => {
        const msg = raw as HostMessage;
        if (msg.type === 'ready') resolve();
        else if (msg.type === 'init-error') reject(msg.error);
        else if (msg.type === 'result' && e.pending?.id === msg.id)
          e.pending.done(msg.ok ? { ok: true, value: msg.value } : { ok: false, error: msg.error });
      });
      child.on('exit', (code, signal) => {
        e.exited = true;
        reject({
          errorType: 'Runtime.ExitError',
          errorMessage: `RequestId: init Error: Runtime exited with error: ${signal ? `signal: ${signal}` : `exit status ${code}`}`,
        });
        e.pending?.done({
          ok: false,
          error: {
            errorType: 'Runtime.ExitError',
            errorMessage: `Runtime exited with error: ${signal ? `signal: ${signal}` : `exit status ${code}`}`,
          },
        });
      });
    });
    e.ready.catch(() => undefined);
    f.env = e;
    return e;
  }

  private freeze(e: Env): void {
    if (this.o.freeze === false || e.frozen || e.exited) return;
    e.frozen = e.child.kill('SIGSTOP');
  }

  private thaw(e: Env): void {
    if (!e.frozen || e.exited) return;
    e.child.kill('SIGCONT');
    e.frozen = false;
  }

  private kill(e: Env): void {
    if (e.exited) return;
    if (e.frozen) this.thaw(e);
    e.child.kill('SIGKILL');
  }

  /** Ends every environment (queued invocations are dropped). */
  async close(): Promise<void> {
    this.closed = true;
    process.off('exit', this.onExit);
    const exits: Array<Promise<void>> = [];
    for (const f of this.fns.values()) {
      f.queue.length = 0;
      const e = f.env;
      if (!e || e.exited) continue;
      exits.push(new Promise<void>((resolve) => e.child.once('exit', () => resolve())));
      this.kill(e);
    }
    await Promise.all(exits);
    for (const w of [...this.idleWaiters]) w();
    this.idleWaiters.clear();
  }
}
