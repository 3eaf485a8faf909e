/**
 * AWS Signature Version 4, as the loopback endpoint needs it: read the `Authorization` header
 * (who signed, for which region and service) and, when the secret of that access key is known,
 * check the signature the way AWS does (canonical request → string to sign → HMAC chain).
 *
 * The canonical request follows the SDK's signer (@smithy/signature-v4) for non-S3 services:
 * the path is normalized and URI-escaped once more (so `%3A` on the wire is `%253A` in the
 * canonical form), query keys and values are escaped and sorted, the signed headers are
 * lower-cased with their values trimmed and inner whitespace collapsed, and the payload hash is
 * `x-amz-content-sha256` when present, else the SHA-256 of the body.
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

export const SIGV4_ALGORITHM = 'AWS4-HMAC-SHA256';

export interface SigV4Authorization {
  accessKeyId: string;
  /** yyyymmdd of the credential scope. */
  date: string;
  region: string;
  /** The signing name of the service (`ecs`, `ecr`, `logs`, `ce`, `application-autoscaling`, `lambda`). */
  service: string;
  signedHeaders: string[];
  signature: string;
}

/** Parses `AWS4-HMAC-SHA256 Credential=AKID/20250101/eu-west-1/ecs/aws4_request, SignedHeaders=a;b, Signature=hex`. */
export function parseAuthorization(header: string | undefined): SigV4Authorization | undefined {
  if (!header) return undefined;
  const trimmed = header.trim();
  if (!trimmed.startsWith(`${SIGV4_ALGORITHM} `)) return undefined;
  const fields = new Map<string, string>();
  for (const part of trimmed.slice(SIGV4_ALGORITHM.length + 1).split(',')) {
    const eq = part.indexOf('=');
    if (eq > 0) fields.set(part.slice(0, eq).trim(), part.slice(eq + 1).trim());
  }
  const credential = fields.get('Credential')?.split('/');
  const signedHeaders = fields.get('SignedHeaders');
  const signature = fields.get('Signature');
  if (!credential || credential.length !== 5 || credential[4] !== 'aws4_request' || !signedHeaders || !signature) return undefined;
  const [accessKeyId, date, region, service] = credential as [string, string, string, string];
  if (!accessKeyId || !/^\d{8}$/.test(date) || !region || !service) return undefined;
  return { accessKeyId, date, region, service, signedHeaders: signedHeaders.split(';'), signature };
}

/** RFC 3986 escaping as the SDK's `escapeUri` does it (encodeURIComponent plus `!'()*`). */
export function escapeUri(s: string): string {
  return encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

function canonicalPath(wirePath: string): string {
  const segments: string[] = [];
  for (const seg of wirePath.split('/')) {
    if (seg === '' || seg === '.') continue;
    if (seg === '..') segments.pop();
    else segments.push(seg);
  }
  const normalized = `${wirePath.startsWith('/') ? '/' : ''}${segments.join('/')}${segments.length > 0 && wirePath.endsWith('/') ? '/' : ''}`;
  return escapeUri(normalized).replace(/%2F/g, '/');
}

function canonicalQuery(rawQuery: string): string {
  if (!rawQuery) return '';
  const pairs: Array<[string, string]> = [];
  for (const part of rawQuery.split('&')) {
    if (!part) continue;
    const eq = part.indexOf('=');
    const key = safeDecode(eq < 0 ? part : part.slice(0, eq));
    const value = eq < 0 ? '' : safeDecode(part.slice(eq + 1));
    if (key.toLowerCase() === 'x-amz-signature') continue;
    pairs.push([escapeUri(key), escapeUri(value)]);
  }
  pairs.sort((a, b) => (a[0] === b[0] ? (a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0) : a[0] < b[0] ? -1 : 1));
  return pairs.map(([k, v]) => `${k}=${v}`).join('&');
}

export interface SignedRequest {
  method: string;
  /** The request target as received: path and query (`/2015-03-31/functions/x/invocations?Qualifier=1`). */
  url: string;
  /** Lower-cased header names (Node's IncomingMessage.headers). */
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

export function canonicalRequest(req: SignedRequest, signedHeaders: readonly string[]): string {
  const q = req.url.indexOf('?');
  const path = q < 0 ? req.url : req.url.slice(0, q);
  const query = q < 0 ? '' : req.url.slice(q + 1);
  const headerLines = [...signedHeaders].sort().map((name) => {
    const raw = req.headers[name];
    const value = Array.isArray(raw) ? raw.join(',') : (raw ?? '');
    return `${name}:${value
      .replace(/[\r\n]/g, ' ')
      .replace(/[ \t]+/g, ' ')
      .replace(/^ | $/g, '')}`;
  });
  const declared = req.headers['x-amz-content-sha256'];
  const payloadHash = typeof declared === 'string' ? declared : createHash('sha256').update(req.body).digest('hex');
  return [
    req.method.toUpperCase(),
    canonicalPath(path),
    canonicalQuery(query),
    ...headerLines,
    '',
    [...signedHeaders].sort().join(';'),
    payloadHash,
  ].join('\n');
}

function hmac(key: Buffer | string, data: string): Buffer {
  return createHmac('sha256', key).update(data, 'utf8').digest();
}

/** The signature AWS expects for `req` signed at `amzDate` (yyyymmddThhmmssZ) with this secret. */
export function expectedSignature(req: SignedRequest, auth: SigV4Authorization, secretAccessKey: string, amzDate: string): string {
  const scope = `${auth.date}/${auth.region}/${auth.service}/aws4_request`;
  const stringToSign = [
    SIGV4_ALGORITHM,
    amzDate,
    scope,
    createHash('sha256').update(canonicalRequest(req, auth.signedHeaders), 'utf8').digest('hex'),
  ].join('\n');
  return hmac(signingKey(secretAccessKey, auth.date, auth.region, auth.service), stringToSign).toString('hex');
}

/** Derived signing keys by secret, date, region and service (AWS and the SDK's signer cache them the same way: they change once a day). */
const signingKeys = new Map<string, Buffer>();

function signingKey(secretAccessKey: string, date: string, region: string, service: string): Buffer {
  const id = `${secretAccessKey}\n${date}\n${region}\n${service}`;
  let key = signingKeys.get(id);
  if (!key) {
    const kDate = hmac(`AWS4${secretAccessKey}`, date);
    const kRegion = hmac(kDate, region);
    const kService = hmac(kRegion, service);
    key = hmac(kService, 'aws4_request');
    if (signingKeys.size >= 50) signingKeys.clear();
    signingKeys.set(id, key);
  }
  return key;
}

/** True when `auth.signature` is the signature of `req` with `secretAccessKey`. */
export function verifySignature(req: SignedRequest, auth: SigV4Authorization, secretAccessKey: string): boolean {
  const amzDate = req.headers['x-amz-date'];
  if (typeof amzDate !== 'string' || !amzDate.startsWith(auth.date)) return false;
  if (!auth.signedHeaders.includes('host')) return false;
  const expected = Buffer.from(expectedSignature(req, auth, secretAccessKey, amzDate), 'utf8');
  const given = Buffer.from(auth.signature, 'utf8');
  return expected.length === given.length && timingSafeEqual(expected, given);
}
