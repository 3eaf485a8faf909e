/**
 * Lambda entry for Slack (API Gateway HTTP API → POST /slack/events).
 * Verify, parse, authorize, record, hand off to the worker, return: nothing slow runs here.
 * Our own pre-check (timestamp within ±5 minutes, signature) runs before Bolt, whose receiver
 * parses the body before verifying it and only refuses timestamps in the past; Bolt's own
 * verification then runs unchanged.
 */
import { AwsLambdaReceiver } from '@slack/bolt';
import type { AwsEvent, AwsResponse } from '@slack/bolt/dist/receivers/AwsLambdaReceiver';
import { createApp } from '../edge/app';
import { preVerify } from '../edge/verify';
import type { Runtime } from '../runtime';
import { registerAll, createRuntime } from './compose';
import { lambdaRuntime } from './secrets';

registerAll();

type LambdaHandler = (event: AwsEvent, context: unknown) => Promise<AwsResponse>;

/** The Bolt app built for a runtime (rebuilt with it when a secret changed in SSM: ./secrets.ts). */
let built: { rt: Runtime; handler: LambdaHandler } | undefined;

const runtime = lambdaRuntime('edge', (env) => createRuntime({ profile: 'edge', env }));

async function ready(): Promise<{ rt: Runtime; handler: LambdaHandler }> {
  const rt = await runtime.ready();
  if (built?.rt !== rt) built = { rt, handler: init(rt) };
  return built;
}

function init(rt: Runtime): LambdaHandler {
  const receiver = new AwsLambdaReceiver({
    signingSecret: rt.signingSecret,
    invalidRequestSignatureHandler: ({ ts }) => rt.log.warn('rejected request with an invalid signature or stale timestamp', { ts }),
  });
  createApp(rt, receiver);
  return receiver.toHandler();
}

// On Lambda, build the runtime during INIT (reading the secrets from SSM when *_PARAM variables name
// them): an invalid chatops.yml or a missing variable fails start-up with the field path (a missing SSM
// parameter: one log line naming it), and the first Slack request does not pay for it.
let atInit: Promise<{ rt: Runtime; handler: LambdaHandler }> | undefined;
if (process.env.AWS_LAMBDA_FUNCTION_NAME) {
  runtime.prime();
  atInit = ready();
  atInit.catch(() => undefined); // logged by ./secrets.ts; the first request sees the error
}

export async function handler(event: AwsEvent, context: unknown): Promise<AwsResponse> {
  const pending = atInit ?? ready();
  atInit = undefined;
  const { rt, handler: lambdaHandler } = await pending;
  // Wall-clock time, as Slack's timestamp is (not rt.now(), which tests may move).
  const check = preVerify(event, rt.signingSecret, Date.now());
  if (!check.ok) {
    rt.log.warn('request refused before Bolt', { reason: check.reason, ts: headerOf(event, 'x-slack-request-timestamp') });
    return { statusCode: 401, body: '' };
  }
  try {
    return await lambdaHandler(event, context);
  } catch (err) {
    // Only a signed request gets here, so this is Slack sending something Bolt cannot parse.
    rt.log.error('signed request Bolt could not read', { err });
    return { statusCode: 400, body: '' };
  }
}

function headerOf(event: AwsEvent, name: string): string | undefined {
  const headers = (event.headers ?? {}) as Record<string, string | undefined>;
  const key = Object.keys(headers).find((k) => k.toLowerCase() === name);
  return key === undefined ? undefined : String(headers[key]).slice(0, 20);
}

/** For tests: forget the built app so a new runtime is picked up. */
export function resetSlackHandler(): void {
  built = undefined;
}
