/** Hand a job to the worker: an async Lambda invocation, or in-process when running locally. */
import { createAsyncInvoker, type AsyncInvoker } from '../aws/lambda-invoke';
import { BotError } from '../errors';
import type { Logger } from '../log';
import type { Job } from './jobs';

export interface Dispatcher {
  dispatch(job: Job): Promise<void>;
}

/**
 * The hand-off runs inside Slack's 3-second ack: bounded connect and request time, two attempts
 * (src/aws/lambda-invoke.ts). One invoker, and so one keep-alive connection pool, per dispatcher.
 */
export function lambdaDispatcher(functionName: string, invoker: AsyncInvoker = createAsyncInvoker()): Dispatcher {
  return {
    async dispatch(job) {
      try {
        await invoker.invokeAsync(functionName, JSON.stringify(job));
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
