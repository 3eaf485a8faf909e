/**
 * Lambda entry for Slack (API Gateway HTTP API → POST /slack/events).
 * Verify, parse, authorize, record, hand off to the worker, return: nothing slow runs here.
 */
import { AwsLambdaReceiver } from '@slack/bolt';
import type { AwsEvent, AwsResponse } from '@slack/bolt/dist/receivers/AwsLambdaReceiver';
import { createApp } from '../edge/app';
import { registerAll, createRuntime, getRuntime } from './compose';

registerAll();

let lambdaHandler: ((event: AwsEvent, context: unknown) => Promise<AwsResponse>) | undefined;

function init() {
  const rt = getRuntime('edge', () => createRuntime({ profile: 'edge' }));
  const receiver = new AwsLambdaReceiver({
    signingSecret: rt.signingSecret,
    invalidRequestSignatureHandler: ({ ts }) => rt.log.warn('rejected request with an invalid signature or stale timestamp', { ts }),
  });
  createApp(rt, receiver);
  return receiver.toHandler();
}

// On Lambda, build the app during INIT: an invalid chatops.yml or a missing variable fails
// start-up with the field path, and the first Slack request does not pay for it.
if (process.env.AWS_LAMBDA_FUNCTION_NAME) lambdaHandler = init();

export async function handler(event: AwsEvent, context: unknown): Promise<AwsResponse> {
  lambdaHandler ??= init();
  return lambdaHandler(event, context);
}

/** For tests: forget the built app so a new runtime is picked up. */
export function resetSlackHandler(): void {
  lambdaHandler = undefined;
}
