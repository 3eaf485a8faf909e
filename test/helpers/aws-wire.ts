/**
 * A loopback stand-in for AWS endpoints at the wire level, for tests that must see what the SDK
 * really sends: which credentials signed a request (SigV4 `Credential=<key id>/<date>/<region>/<service>`),
 * the operation (X-Amz-Target for JSON protocols, `Action=` for query protocols), and the body. Point
 * the SDK at it with AWS_ENDPOINT_URL_<SERVICE> (set before the client is created).
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface WireRequest {
  /** Signing name from the credential scope: sts, ecs, monitoring, ecr, logs, … */
  service: string;
  region: string;
  /** Access key id that signed the request. */
  accessKeyId: string;
  /** Operation: from X-Amz-Target ("….DescribeServices" → "DescribeServices") or the query `Action`. */
  action: string;
  headers: Record<string, string | string[] | undefined>;
  body: string;
  /** Form fields of a query-protocol request (STS). */
  form: Record<string, string>;
  /** JSON body of a JSON-protocol request. */
  json?: Record<string, unknown>;
}

export interface WireAnswer {
  status?: number;
  headers?: Record<string, string>;
  body: string;
}

export type WireHandler = (req: WireRequest) => WireAnswer | Promise<WireAnswer>;

export interface AwsWire {
  url: string;
  requests: WireRequest[];
  /** Answer `action` of `service` (signing name) with `handler`. */
  on(service: string, action: string, handler: WireHandler): void;
  close(): Promise<void>;
}

function read(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

export async function startAwsWire(): Promise<AwsWire> {
  const handlers = new Map<string, WireHandler>();
  const requests: WireRequest[] = [];
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    void (async () => {
      const body = await read(req);
      const auth = String(req.headers.authorization ?? '');
      const scope = /Credential=([^/]+)\/\d{8}\/([^/]+)\/([^/]+)\/aws4_request/.exec(auth);
      const target = String(req.headers['x-amz-target'] ?? '');
      const form = Object.fromEntries(new URLSearchParams(/x-www-form-urlencoded/.test(String(req.headers['content-type'])) ? body : ''));
      let json: Record<string, unknown> | undefined;
      if (/json/.test(String(req.headers['content-type']))) {
        try {
          json = JSON.parse(body || '{}') as Record<string, unknown>;
        } catch {
          json = undefined;
        }
      }
      const wire: WireRequest = {
        service: scope?.[3] ?? '?',
        region: scope?.[2] ?? '?',
        accessKeyId: scope?.[1] ?? '',
        action: target ? target.slice(target.lastIndexOf('.') + 1) : (form.Action ?? '?'),
        headers: req.headers,
        body,
        form,
        ...(json ? { json } : {}),
      };
      requests.push(wire);
      const handler = handlers.get(`${wire.service}:${wire.action}`);
      const answer = handler
        ? await handler(wire)
        : {
            status: 400,
            body: JSON.stringify({ __type: 'UnknownOperationException', message: `no handler for ${wire.service}:${wire.action}` }),
          };
      res.writeHead(answer.status ?? 200, { 'content-type': 'application/x-amz-json-1.1', ...answer.headers });
      res.end(answer.body);
    })().catch((err: unknown) => {
      res.writeHead(500);
      res.end(String(err));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    on(service, action, handler) {
      handlers.set(`${service}:${action}`, handler);
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** STS AssumeRole's documented XML answer (query protocol). */
export function assumeRoleXml(o: {
  accessKeyId: string;
  expiration: Date;
  roleArn: string;
  sessionName: string;
  sourceIdentity?: string;
}): WireAnswer {
  const [, , , , account, resource] = o.roleArn.split(':');
  const roleName = (resource ?? '').split('/').pop();
  return {
    headers: { 'content-type': 'text/xml' },
    body: `<AssumeRoleResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">
  <AssumeRoleResult>
    ${o.sourceIdentity ? `<SourceIdentity>${o.sourceIdentity}</SourceIdentity>` : ''}
    <AssumedRoleUser>
      <Arn>arn:aws:sts::${account}:assumed-role/${roleName}/${o.sessionName}</Arn>
      <AssumedRoleId>AROA3XFRBF535PLBIFPI4:${o.sessionName}</AssumedRoleId>
    </AssumedRoleUser>
    <Credentials>
      <AccessKeyId>${o.accessKeyId}</AccessKeyId>
      <SecretAccessKey>wJalrXUtnFEMI/K7MDENG/bPxRfiCYzEXAMPLEKEY</SecretAccessKey>
      <SessionToken>FwoGZXIvYXdzEBYaDEXAMPLETOKEN${o.accessKeyId}</SessionToken>
      <Expiration>${o.expiration.toISOString()}</Expiration>
    </Credentials>
    <PackedPolicySize>6</PackedPolicySize>
  </AssumeRoleResult>
  <ResponseMetadata><RequestId>c6104cbe-af31-11e0-8154-cbc7ccf896c7</RequestId></ResponseMetadata>
</AssumeRoleResponse>`,
  };
}

/** STS's documented XML error answer (query protocol). */
export function stsErrorXml(code: string, message: string, status = 403): WireAnswer {
  return {
    status,
    headers: { 'content-type': 'text/xml' },
    body: `<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><Error><Type>Sender</Type><Code>${code}</Code><Message>${message}</Message></Error><RequestId>4fa8b8e1-6a2d-11e9-a0e4-example</RequestId></ErrorResponse>`,
  };
}

/** A JSON-protocol error answer (ECS, CloudWatch, …): `__type` and `message`. */
export function jsonError(type: string, message: string, status = 400): WireAnswer {
  return { status, headers: { 'x-amzn-errortype': type }, body: JSON.stringify({ __type: type, message }) };
}
