/** The hand-off to the worker on Lambda: an asynchronous invocation of the worker function, one job per invocation. */
import type * as LambdaSdk from '@aws-sdk/client-lambda';
import { BotError } from '../errors';
import type { AwsClients } from './clients';

/** A Dispatcher (src/runtime.ts) that invokes `functionName` asynchronously with the job as payload. */
export function lambdaDispatcher(aws: AwsClients, functionName: string): { dispatch(job: { kind: string; id: string }): Promise<void> } {
  return {
    async dispatch(job) {
      // eslint-disable-next-line @typescript-eslint/no-require-imports -- loaded on first hand-off, not at cold start
      const { InvokeCommand } = require('@aws-sdk/client-lambda') as typeof LambdaSdk;
      try {
        const res = await aws
          .lambda()
          .send(new InvokeCommand({ FunctionName: functionName, InvocationType: 'Event', Payload: Buffer.from(JSON.stringify(job)) }));
        if (res.StatusCode !== undefined && res.StatusCode !== 202) throw new Error(`worker invoke answered ${res.StatusCode}`);
      } catch (err) {
        throw new BotError('INTERNAL', `cannot hand off job ${job.kind}: ${(err as Error).message}`, {
          userMessage: 'I could not start the work for this command, so nothing was done.',
          hint: 'Try again in a minute.',
          cause: err,
        });
      }
    },
  };
}
