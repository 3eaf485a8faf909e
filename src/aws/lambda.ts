/**
 * The hand-off to the worker on Lambda: an asynchronous invocation of the worker function, one job
 * per invocation. It runs inside Slack's 3-second ack: bounded connect and request time, two
 * attempts, signed with the SDK's own SigV4 signer over a keep-alive HTTPS connection
 * (./lambda-invoke.ts), so the Slack-facing function never loads LambdaClient.
 */
import { BotError } from '../errors';
import { createAsyncInvoker, InvokeError, type AsyncInvoker } from './lambda-invoke';
import { defineMessages } from '../i18n/catalog';

const M = defineMessages('aws.lambda', {
  handOff: {
    en: 'I could not start the work for this command, so nothing was done.',
    ko: '이 명령의 작업을 시작하지 못해 아무것도 하지 않았습니다.',
  },
  tryAgain: { en: 'Try again in a minute.', ko: '1분 뒤에 다시 시도하세요.' },
  unconfirmed: {
    en: 'Lambda did not confirm in time that it took the work for this command, so it may or may not run.',
    ko: 'Lambda가 이 명령의 작업을 받았는지 제때 확인해 주지 않아, 실행될 수도 있고 안 될 수도 있습니다.',
  },
  watchThenRetry: {
    en: 'If no answer comes within a minute, run the command again.',
    ko: '1분 안에 답이 없으면 명령을 다시 실행하세요.',
  },
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
        // Sent but not answered: the worker may run it, so "nothing was done" would not be the truth.
        const unconfirmed = err instanceof InvokeError && err.unconfirmed;
        throw new BotError('INTERNAL', `cannot hand off job ${job.kind}: ${(err as Error).message}`, {
          userMessage: M.lazy(unconfirmed ? 'unconfirmed' : 'handOff'),
          hint: M.lazy(unconfirmed ? 'watchThenRetry' : 'tryAgain'),
          cause: err,
        });
      }
    },
  };
}

/**
 * A failed hand-off's error once the caller made sure the job cannot run any more (the approval
 * workflow failed the request, so the worker's start script refuses it): "nothing was done" is then
 * the truth, whether or not Lambda queued the invocation. Other errors are returned unchanged.
 */
export function nothingRan(err: unknown): unknown {
  if (!(err instanceof BotError) || !(err.cause instanceof InvokeError) || !err.cause.unconfirmed) return err;
  return new BotError(err.code, err.message, { userMessage: M.lazy('handOff'), hint: M.lazy('tryAgain'), cause: err.cause });
}
