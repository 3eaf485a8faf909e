/**
 * The Slack function's hand-off as Lambda receives it, on the one loopback AWS endpoint
 * (src/loopback/aws/server.ts): the bot signs `POST /2015-03-31/functions/{name}/invocations` with
 * the environment's credentials (src/aws/lambda-invoke.ts), the endpoint checks the signature
 * against TEST_AWS_CREDENTIALS, and the Invoke handler installed here accepts only asynchronous
 * invocations of a JSON job (202), handing each job to `onJob`. Used by the end-to-end harness,
 * the bundle tests and the benchmark; the topology tests run real functions behind the same
 * endpoint instead (src/loopback/lambda). No jest imports: usable from the benchmark.
 */
import { AwsFault, startAwsEndpoint, type AwsCall, type AwsEndpoint, type AwsEndpointOptions } from '../../src/loopback/aws/server';

/** The credentials the tests and the benchmark give the bot (AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY). */
export const TEST_AWS_CREDENTIALS = Object.freeze({ accessKeyId: 'AKIDLOCALTEST', secretAccessKey: 'local-test-secret' });

/** The variables that make the bot sign with TEST_AWS_CREDENTIALS and reach `endpoint` for Lambda. */
export function handOffEnv(endpoint: AwsEndpoint, region = 'eu-west-1'): Record<string, string> {
  return {
    AWS_REGION: region,
    ...endpoint.env(['lambda']),
    AWS_ACCESS_KEY_ID: TEST_AWS_CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: TEST_AWS_CREDENTIALS.secretAccessKey,
  };
}

/**
 * Answer Lambda Invoke on `endpoint` as Lambda does for the worker: an asynchronous invocation
 * (InvocationType Event) of a JSON payload is handed to `onJob` (synchronously: queue it, run it
 * later, as Lambda runs it after the 202) and accepted with 202; anything else is refused as
 * Lambda would refuse it.
 */
export function receiveHandOffs(endpoint: AwsEndpoint, onJob: (job: unknown, call: AwsCall) => void): void {
  endpoint.handle('lambda', 'Invoke', (call) => {
    if (call.input.InvocationType !== 'Event') {
      throw new AwsFault('InvalidParameterValueException', `the worker must be invoked asynchronously, not ${call.input.InvocationType}`);
    }
    let job: unknown;
    try {
      job = JSON.parse(String(call.input.Payload));
    } catch {
      throw new AwsFault('InvalidRequestContentException', 'Could not parse request body into json');
    }
    onJob(job, call);
    return { StatusCode: 202 };
  });
}

/** A loopback endpoint that checks signatures made with TEST_AWS_CREDENTIALS. */
export function startTestAwsEndpoint(
  opts: Omit<AwsEndpointOptions, 'credentials'> & {
    /** Secrets of other access keys the endpoint accepts (e.g. the sessions an AwsWorld's STS hands out for roleArn environments). */
    more?: (accessKeyId: string) => string | undefined;
  } = {},
): Promise<AwsEndpoint> {
  const { more, ...rest } = opts;
  return startAwsEndpoint({
    ...rest,
    credentials: (id) => (id === TEST_AWS_CREDENTIALS.accessKeyId ? TEST_AWS_CREDENTIALS.secretAccessKey : more?.(id)),
  });
}

/** Invoke calls the endpoint refused (bad signature, wrong type, bad payload), with the reason. */
export function refusedHandOffs(endpoint: AwsEndpoint): string[] {
  return endpoint
    .callsOf({ service: 'lambda', action: 'Invoke' })
    .filter((c) => c.status !== undefined && c.status !== 202)
    .map((c) => `${c.input.FunctionName}: ${c.status} ${c.errorCode ?? ''} ${c.errorMessage ?? ''}`.trim());
}
