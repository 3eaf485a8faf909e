/**
 * Builders for requests exactly as Slack sends them: the signing and payload builders live in
 * src/loopback/slack/signing.ts (the playground's local Slack uses them too); this file adds the
 * API Gateway HTTP API (payload v2.0) event Lambda receives.
 */
import { randomUUID } from 'node:crypto';
import {
  interactionBody,
  slackHeaders,
  slashCommandBody,
  SLACK_USER_AGENT,
  type SignOptions,
  type SlashFields,
} from '../../src/loopback/slack/signing';

export * from '../../src/loopback/slack/signing';
/** API Gateway HTTP API, payload format 2.0 (structurally compatible with Bolt's AwsEventV2). */
interface ApiGatewayV2Event {
  version: '2.0';
  routeKey: string;
  rawPath: string;
  rawQueryString: string;
  headers: Record<string, string>;
  requestContext: {
    accountId: string;
    apiId: string;
    domainName: string;
    domainPrefix: string;
    http: { method: string; path: string; protocol: string; sourceIp: string; userAgent: string };
    requestId: string;
    routeKey: string;
    stage: string;
    time: string;
    timeEpoch: number;
  };
  body: string;
  isBase64Encoded: boolean;
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
/** API Gateway's requestContext.time format: 25/Nov/2025:13:22:00 +0000 */
function apiGatewayTime(d: Date): string {
  const p = (n: number): string => String(n).padStart(2, '0');
  return `${p(d.getUTCDate())}/${MONTHS[d.getUTCMonth()]}/${d.getUTCFullYear()}:${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())} +0000`;
}

/**
 * Wraps a raw body and headers into the event Lambda gets from an API Gateway HTTP API.
 * Header names are lower-cased (as API Gateway v2 does). `base64: true` sends the body
 * base64-encoded with isBase64Encoded true.
 */
export function apiGatewayV2Event(
  body: string,
  headers: Record<string, string> = {},
  opts: { base64?: boolean; path?: string } = {},
): ApiGatewayV2Event {
  const path = opts.path ?? '/slack/events';
  const apiId = 'abc123defg';
  const domainName = `${apiId}.execute-api.us-east-1.amazonaws.com`;
  const now = new Date();
  const lower: Record<string, string> = {};
  for (const [k, v] of Object.entries(headers)) lower[k.toLowerCase()] = v;
  const allHeaders: Record<string, string> = {
    accept: 'application/json,*/*',
    'accept-encoding': 'gzip,deflate',
    'content-length': String(Buffer.byteLength(body)),
    'content-type': 'application/x-www-form-urlencoded',
    host: domainName,
    'user-agent': SLACK_USER_AGENT,
    'x-amzn-trace-id': `Root=1-${Math.floor(now.getTime() / 1000).toString(16)}-${randomUUID().replace(/-/g, '').slice(0, 24)}`,
    'x-forwarded-for': '54.209.0.1',
    'x-forwarded-port': '443',
    'x-forwarded-proto': 'https',
    ...lower,
  };
  const routeKey = `POST ${path}`;
  return {
    version: '2.0',
    routeKey,
    rawPath: path,
    rawQueryString: '',
    headers: allHeaders,
    requestContext: {
      accountId: '123456789012',
      apiId,
      domainName,
      domainPrefix: apiId,
      http: { method: 'POST', path, protocol: 'HTTP/1.1', sourceIp: '54.209.0.1', userAgent: allHeaders['user-agent'] },
      requestId: randomUUID(),
      routeKey,
      stage: '$default',
      time: apiGatewayTime(now),
      timeEpoch: now.getTime(),
    },
    body: opts.base64 ? Buffer.from(body, 'utf8').toString('base64') : body,
    isBase64Encoded: opts.base64 === true,
  };
}

export interface EventOptions extends SignOptions {
  /** Base64-encode the body (isBase64Encoded: true). */
  base64?: boolean;
}

/** A signed `/ecs <text>` slash command as the Lambda event. */
export function signedSlashEvent(
  secret: string,
  text: string,
  overrides: Partial<SlashFields> = {},
  opts: EventOptions = {},
): ApiGatewayV2Event {
  const body = slashCommandBody({ ...overrides, text });
  return apiGatewayV2Event(body, slackHeaders(secret, body, opts), { base64: opts.base64 });
}

/** A signed Events API delivery (JSON body) as the Lambda event. */
export function signedEventsApiEvent(secret: string, delivery: object, opts: EventOptions = {}): ApiGatewayV2Event {
  const body = JSON.stringify(delivery);
  return apiGatewayV2Event(body, { ...slackHeaders(secret, body, opts), 'content-type': 'application/json' }, { base64: opts.base64 });
}

/** A signed interaction (block_actions, view_submission, …) as the Lambda event. `payload` is the full payload object. */
export function signedActionEvent(secret: string, payload: object, opts: EventOptions = {}): ApiGatewayV2Event {
  const body = interactionBody(payload);
  return apiGatewayV2Event(body, slackHeaders(secret, body, opts), { base64: opts.base64 });
}
