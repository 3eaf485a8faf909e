/** Hand a job to the worker: an async Lambda invocation, or in-process when running locally. */
import type * as LambdaSdk from '@aws-sdk/client-lambda';
import type { AwsClients } from './clients';
import { BotError } from '../errors';
import type { Logger } from '../log';
import type { Job } from '../slack/invocation';

export interface Dispatcher {
  dispatch(job: Job): Promise<void>;
}

export function lambdaDispatcher(aws: AwsClients, functionName: string): Dispatcher {
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

/** Runs jobs in this process after the current request has been answered. */
export function inProcessDispatcher(run: (job: Job) => Promise<void>, log: Logger): Dispatcher & { idle(): Promise<void> } {
  const pending = new Set<Promise<void>>();
  return {
    async dispatch(job) {
      const p = new Promise<void>((resolve) => setImmediate(resolve))
        .then(() => run(job))
        .catch((err) => log.error('in-process job failed', { kind: job.kind, id: job.id, err }))
        .finally(() => pending.delete(p));
      pending.add(p);
    },
    async idle() {
      while (pending.size) await Promise.all([...pending]);
    },
  };
}
