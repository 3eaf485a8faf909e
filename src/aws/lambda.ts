/**
 * The hand-off to the worker on Lambda: an asynchronous invocation of the worker function, one job
 * per invocation. It runs inside Slack's 3-second ack: bounded connect and request time, two
 * attempts, signed with the SDK's own SigV4 signer over a keep-alive HTTPS connection
 * (./lambda-invoke.ts), so the Slack-facing function never loads LambdaClient.
 */
import { BotError } from '../errors';
import { createAsyncInvoker, type AsyncInvoker } from './lambda-invoke';
import { defineMessages } from '../i18n/catalog';

const M = defineMessages('aws.lambda', {
  handOff: {
    en: 'I could not start the work for this command, so nothing was done.',
    ko: '이 명령의 작업을 시작하지 못해 아무것도 하지 않았습니다.',
  },
  tryAgain: { en: 'Try again in a minute.', ko: '1분 뒤에 다시 시도하세요.' },
});

/**
 * A Dispatcher (src/runtime.ts) that invokes `functionName` asynchronously with the job as payload.
 * One invoker, and so one keep-alive connection pool, per dispatcher.
 */
export function lambdaDispatcher(
  functionName: string,
  invoker: AsyncInvoker = createAsyncInvoker(),
): { dispatch(job: { kind: string; id: string }, opts?: { withinMs?: number }): Promise<void> } {
  return {
    async dispatch(job, opts = {}) {
      try {
        await invoker.invokeAsync(functionName, JSON.stringify(job), opts.withinMs !== undefined ? { withinMs: opts.withinMs } : {});
      } catch (err) {
        throw new BotError('INTERNAL', `cannot hand off job ${job.kind}: ${(err as Error).message}`, {
          userMessage: M.lazy('handOff'),
          hint: M.lazy('tryAgain'),
          cause: err,
        });
      }
    },
  };
}
