/** The hand-off to the worker on Lambda: an asynchronous invocation of the worker function, one job per invocation. */
import type * as LambdaSdk from '@aws-sdk/client-lambda';
import { BotError } from '../errors';
import type { AwsClients } from './clients';
import { defineMessages } from '../i18n/catalog';

const M = defineMessages('aws.lambda', {
  handOff: {
    en: 'I could not start the work for this command, so nothing was done.',
    ko: '이 명령의 작업을 시작하지 못해 아무것도 하지 않았습니다.',
  },
  tryAgain: { en: 'Try again in a minute.', ko: '1분 뒤에 다시 시도하세요.' },
});

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
          userMessage: M.lazy('handOff'),
          hint: M.lazy('tryAgain'),
          cause: err,
        });
      }
    },
  };
}
