/**
 * AWS on loopback: one HTTP(S) server speaking the awsJson1_1 protocol of ECS, ECR, CloudWatch
 * Logs, Cost Explorer and Application Auto Scaling, reached by the bot's SDK clients through
 * AWS_ENDPOINT_URL (and, with a self-signed certificate, NODE_EXTRA_CA_CERTS). Unlike
 * aws-sdk-client-mock it works with bundled code (dist/*.js carry their own SDK copies), and it
 * counts every call.
 *
 * Operations are answered by handlers registered through the same API the tests use on
 * aws-sdk-client-mock stubs (`stub.on(DescribeServicesCommand).callsFake(fn)` / `.resolves(v)`),
 * so FakeEcs.install() and the other test fakes plug in unchanged. A handler may throw an SDK
 * exception: it is answered as AWS would (HTTP 400/500 with `__type` and `message`).
 * No jest imports: usable from the benchmark.
 */
import { createServer as createHttpServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';

/** The X-Amz-Target prefix of each service. */
export const TARGETS = Object.freeze({
  ecs: 'AmazonEC2ContainerServiceV20141113',
  ecr: 'AmazonEC2ContainerRegistry_V20150921',
  logs: 'Logs_20140328',
  ce: 'AWSInsightsIndexService',
  autoScaling: 'AnyScaleFrontendService',
});
export type ServiceName = keyof typeof TARGETS;

type Handler = (input: any) => unknown; // eslint-disable-line @typescript-eslint/no-explicit-any -- inputs are each operation's own JSON shape

/** The part of aws-sdk-client-mock's AwsStub API the fakes use. */
export class LoopbackStub {
  readonly handlers = new Map<string, Handler>();
  on(command: { name: string }) {
    const op = command.name.replace(/Command$/, '');
    const chain = {
      callsFake: (fn: Handler) => {
        this.handlers.set(op, fn);
        return chain;
      },
      resolves: (value: unknown) => {
        this.handlers.set(op, () => structuredClone(value));
        return chain;
      },
    };
    return chain;
  }
}

export interface AwsCall {
  service: ServiceName;
  operation: string;
  /** Free-form label set by the caller when the call arrived (e.g. the command being run). */
  label: string;
  at: number;
  /** HTTP status answered. */
  status: number;
  /** What the caller's `activity()` said when the call arrived (e.g. handlers running). */
  activity: number;
}

export interface LoopbackAws {
  url: string;
  stubs: Record<ServiceName, LoopbackStub>;
  calls: AwsCall[];
  /** Calls that had no handler (answered UnknownOperationException). */
  unhandled: string[];
  label: string;
  close(): Promise<void>;
}

/** awsJson1_1 timestamps are epoch seconds. */
function toJson(value: unknown): string {
  return JSON.stringify(value, function (this: Record<string, unknown>, key: string, v: unknown) {
    const raw = this[key];
    return raw instanceof Date ? raw.getTime() / 1000 : v;
  });
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

export async function startLoopbackAws(
  opts: { tls?: { cert: string | Buffer; key: string | Buffer }; activity?: () => number } = {},
): Promise<LoopbackAws> {
  const stubs = Object.fromEntries(Object.keys(TARGETS).map((k) => [k, new LoopbackStub()])) as Record<ServiceName, LoopbackStub>;
  const byPrefix = new Map<string, ServiceName>(Object.entries(TARGETS).map(([k, v]) => [v, k as ServiceName]));
  const calls: AwsCall[] = [];
  const unhandled: string[] = [];
  const state = { label: '' };

  const send = (res: ServerResponse, status: number, body: string, errorType?: string) => {
    res.writeHead(status, {
      'content-type': 'application/x-amz-json-1.1',
      'x-amzn-requestid': `loopback-${calls.length}`,
      ...(errorType ? { 'x-amzn-errortype': errorType } : {}),
    });
    res.end(body);
  };

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const body = await readBody(req);
    const target = String(req.headers['x-amz-target'] ?? '');
    const [prefix, operation = ''] = target.split('.');
    const service = byPrefix.get(prefix ?? '');
    const call: AwsCall = {
      service: service ?? ('?' as ServiceName),
      operation,
      label: state.label,
      at: Date.now(),
      status: 0,
      activity: opts.activity?.() ?? 0,
    };
    calls.push(call);
    const handler = service ? stubs[service].handlers.get(operation) : undefined;
    if (!handler) {
      unhandled.push(target || `${req.method} ${req.url}`);
      call.status = 400;
      return send(
        res,
        400,
        toJson({ __type: 'UnknownOperationException', message: `no handler for ${target}` }),
        'UnknownOperationException',
      );
    }
    try {
      const out = await handler(body ? JSON.parse(body) : {});
      call.status = 200;
      send(res, 200, toJson(out ?? {}));
    } catch (err) {
      const e = err as { name?: string; message?: string; $fault?: string; $metadata?: { httpStatusCode?: number } };
      const status =
        e.$metadata?.httpStatusCode && e.$metadata.httpStatusCode >= 400 ? e.$metadata.httpStatusCode : e.$fault === 'server' ? 500 : 400;
      call.status = status;
      send(res, status, toJson({ __type: e.name ?? 'InternalFailure', message: e.message ?? String(err) }), e.name);
    }
  };
  const listener = (req: IncomingMessage, res: ServerResponse) => {
    handle(req, res).catch((err: unknown) => send(res, 500, toJson({ __type: 'InternalFailure', message: (err as Error).message })));
  };
  const server = opts.tls ? createHttpsServer({ cert: opts.tls.cert, key: opts.tls.key }, listener) : createHttpServer(listener);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `${opts.tls ? 'https' : 'http'}://127.0.0.1:${port}`,
    stubs,
    calls,
    unhandled,
    get label() {
      return state.label;
    },
    set label(v: string) {
      state.label = v;
    },
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}
