/**
 * A local stand-in for Lambda's Invoke API (POST /2015-03-31/functions/{name}/invocations), reached
 * by the bot through AWS_ENDPOINT_URL_LAMBDA like the real one. It checks what AWS checks on the
 * way in: the SigV4 signature (re-computed here with the SDK's own signer and the shared test
 * credentials), the invocation type, and the JSON payload. Plain HTTP, or HTTPS with a given
 * certificate (the benchmark's self-signed one).
 */
import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { Sha256 } from '@smithy/core/checksum';
import { SignatureV4 } from '@smithy/signature-v4';

/** The credentials the tests and the benchmark give the bot (AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY). */
export const TEST_AWS_CREDENTIALS = Object.freeze({ accessKeyId: 'AKIDLOCALTEST', secretAccessKey: 'local-test-secret' });

export interface Invocation {
  /** The request path as sent (URL-encoded function name). */
  path: string;
  functionName: string;
  invocationType: string;
  payload: unknown;
}

export interface LambdaEndpointOptions {
  region: string;
  /** Called for each accepted invocation, after the 202 is on its way. */
  onInvoke?: (inv: Invocation) => void;
  /** HTTPS with this certificate and key (PEM); plain HTTP without. */
  tls?: { cert: string | Buffer; key: string | Buffer };
  credentials?: { accessKeyId: string; secretAccessKey: string };
}

export interface LambdaEndpoint {
  url: string;
  invocations: Invocation[];
  /** Requests refused (bad signature, wrong shape), with the reason. */
  refused: string[];
  close(): Promise<void>;
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

/** Re-sign the request as received; the Authorization header must come out the same. */
async function signatureProblem(signer: SignatureV4, req: IncomingMessage, body: string): Promise<string | undefined> {
  const auth = String(req.headers.authorization ?? '');
  const signedHeaders = /SignedHeaders=([^,]+)/.exec(auth)?.[1]?.split(';');
  const amzDate = String(req.headers['x-amz-date'] ?? '');
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(amzDate);
  if (!signedHeaders || !m) return 'no SigV4 Authorization / X-Amz-Date';
  const headers: Record<string, string> = {};
  for (const h of signedHeaders) headers[h] = String(req.headers[h] ?? '');
  const [host, port] = String(req.headers.host ?? '').split(':');
  const expected = (await signer.sign(
    {
      method: req.method ?? 'POST',
      protocol: 'https:',
      hostname: host ?? '',
      port: port ? Number(port) : undefined,
      path: req.url ?? '/',
      query: {},
      headers,
      body,
    },
    { signingDate: new Date(Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!, +m[6]!)) },
  )) as { headers: Record<string, string> };
  return expected.headers.authorization === auth ? undefined : 'signature does not match';
}

export async function startLambdaEndpoint(opts: LambdaEndpointOptions): Promise<LambdaEndpoint> {
  const signer = new SignatureV4({
    service: 'lambda',
    region: opts.region,
    credentials: opts.credentials ?? TEST_AWS_CREDENTIALS,
    sha256: Sha256,
  });
  const invocations: Invocation[] = [];
  const refused: string[] = [];
  const answer = (res: ServerResponse, status: number, type?: string, message?: string) => {
    res.writeHead(status, type ? { 'content-type': 'application/json', 'x-amzn-errortype': type } : {});
    res.end(type ? JSON.stringify({ Type: 'User', message }) : '');
  };
  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const body = await readBody(req);
    const match = /^\/2015-03-31\/functions\/([^/]+)\/invocations$/.exec((req.url ?? '').split('?')[0]!);
    if (req.method !== 'POST' || !match) {
      refused.push(`${req.method} ${req.url}`);
      return answer(res, 404, 'UnknownOperationException', `no such operation: ${req.method} ${req.url}`);
    }
    const problem = await signatureProblem(signer, req, body);
    if (problem) {
      refused.push(problem);
      return answer(res, 403, 'InvalidSignatureException', problem);
    }
    let payload: unknown;
    try {
      payload = JSON.parse(body);
    } catch {
      refused.push('payload is not JSON');
      return answer(res, 400, 'InvalidRequestContentException', 'Could not parse request body into json');
    }
    const inv: Invocation = {
      path: req.url ?? '',
      functionName: decodeURIComponent(match[1]!),
      invocationType: String(req.headers['x-amz-invocation-type'] ?? 'RequestResponse'),
      payload,
    };
    invocations.push(inv);
    answer(res, inv.invocationType === 'Event' ? 202 : 200);
    opts.onInvoke?.(inv);
  };
  const listener = (req: IncomingMessage, res: ServerResponse) => {
    handle(req, res).catch((err: unknown) => answer(res, 500, 'ServiceException', (err as Error).message));
  };
  const server: Server = opts.tls ? createHttpsServer({ cert: opts.tls.cert, key: opts.tls.key }, listener) : createHttpServer(listener);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `${opts.tls ? 'https' : 'http'}://127.0.0.1:${port}`,
    invocations,
    refused,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}
