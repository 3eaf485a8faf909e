/**
 * Hand a job on: from the Slack-facing function, an async Lambda invocation of the worker; in the
 * worker, events and scheduled functions (and locally), in-process after the current job.
 */
import type * as LambdaSdk from '@aws-sdk/client-lambda';
import type { AwsClients } from '../aws/clients';
import { BotError } from '../errors';
import type { Logger } from '../log';
import type { Job } from './jobs';

export interface Dispatcher {
  dispatch(job: Job): Promise<void>;
  /** Resolves when every job dispatched in this process has run (Lambda handlers await it before returning). */
  idle?(): Promise<void>;
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

/**
 * Runs jobs in this process after the current request or job; idle() waits for them (and for the
 * jobs they dispatch). A failed job is logged, not rethrown: it is not retried.
 */
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
