/**
 * The jobs only the worker's role may carry out, and where the scheduled function sends them. It runs
 * the jobs it creates itself (in-process, src/handlers/compose.ts), except these, whose AWS calls its
 * role may not make: an approved change's start (`execute`: a change scheduled with `--at` is started
 * by its tick; UpdateService, RegisterTaskDefinition, RunTask, the change's role session) and a one-off
 * task's stop at its time limit (`run-stop`, noticed by the tick; StopTask). They go to the worker
 * function (an async Lambda invocation of WORKER_FUNCTION, which its role may make). The events
 * function creates neither. The worker itself (AWS_LAMBDA_FUNCTION_NAME = WORKER_FUNCTION) and local
 * use (`npm start`: no Lambda) run every job in-process.
 */
import { lambdaDispatcher } from '../aws/lambda';
import { createAsyncInvoker } from '../aws/lambda-invoke';
import type { Dispatcher } from '../runtime';

export const WORKER_ROLE_JOBS: ReadonlySet<string> = new Set(['execute', 'run-stop']);

/** `local`, with the worker's jobs sent to the worker function when this process is another Lambda function. */
export function routeWorkerJobs(local: Dispatcher, env: NodeJS.ProcessEnv): Dispatcher {
  const fn = env.AWS_LAMBDA_FUNCTION_NAME;
  if (!env.WORKER_FUNCTION || !fn || fn === env.WORKER_FUNCTION) return local;
  const worker = lambdaDispatcher(env.WORKER_FUNCTION, createAsyncInvoker({ env }));
  return {
    dispatch: (job, opts) => (WORKER_ROLE_JOBS.has(job.kind) ? worker : local).dispatch(job, opts),
    ...(local.idle ? { idle: () => local.idle!() } : {}),
  };
}
