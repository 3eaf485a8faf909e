/**
 * Wires the change verbs' runtime parts into the bot: the 'execute' job (an approved request),
 * the Abort button and its job, the traffic-shift gate's buttons and job, the ECS events consumer
 * and the deadline tick.
 * Called from registerAll() (src/handlers/compose.ts) in every function, so this module imports no AWS
 * SDK: the worker-side modules are loaded on first use.
 */
import * as z from 'zod';
import { lazySchema } from '../config/lazy-schema';
import { registerAction } from '../hooks/actions';
import { registerEventConsumer, registerTick } from '../hooks/events';
import { registerJobKind } from '../hooks/jobs';
import { abortJobSchema, handleAbortClick } from './abort';
import { ABORT_ACTION_ID, changeLine, checkLines, detailsMessage } from './render';
import { parsePlan } from './plan';
import { registerRequestView } from '../approvals/view';
import { requestTitle } from '../approvals/codes';
import { EXECUTE_BUDGET_MS } from './constants';
import { pressJobSchema } from './traffic-model';
import { handleTrafficClick } from './traffic-buttons';
import { TRAFFIC_PREFIX } from './traffic-text';

const executeJobSchema = lazySchema(() => z.object({ kind: z.literal('execute'), id: z.string().min(1), requestId: z.string().min(1) }));

const runStopJobSchema = lazySchema(() => z.object({ kind: z.literal('run-stop'), id: z.string().min(1), requestId: z.string().min(1) }));

let registered = false;

export function registerChanges(): void {
  if (registered) return;
  registered = true;
  registerJobKind('execute', {
    schema: executeJobSchema,
    // startExecution and a lease make it run once; a job claim would also stop the retry that resumes after a crash.
    once: false,
    budgetMs: EXECUTE_BUDGET_MS,
    handle: async (job, rt) => (await import('./execute')).executeRequest(rt, job.requestId),
    // Lambda gave up on it: an approved request that never started fails now and frees its service.
    lost: async (job, rt, why) => {
      await (await import('../approvals/execution')).failNeverStarted(rt, job.requestId, why);
    },
  });
  // A one-off task past its time limit, noticed by the tick or an ECS event: stopped by the worker (its role may).
  registerJobKind('run-stop', {
    schema: runStopJobSchema,
    handle: async (job, rt) => {
      await (await import('./run-task')).refreshRun(rt, job.requestId, { stop: 'here' });
    },
  });
  registerJobKind('change-abort', {
    schema: abortJobSchema,
    handle: async (job, rt) => (await import('./abort.run')).runAbort(rt, job),
  });
  registerAction({ actionId: ABORT_ACTION_ID, handle: handleAbortClick });
  // The traffic-shift gate (release gates): Shift production traffic / Roll back on a paused deployment.
  registerAction({ actionId: TRAFFIC_PREFIX, handle: handleTrafficClick });
  registerJobKind('traffic-shift', {
    schema: pressJobSchema,
    handle: async (job, rt) => (await import('./traffic.run')).runPress(rt, job),
  });
  // The request message shows a change in one line and its checks; Details shows the whole plan.
  registerRequestView({
    view(req, locale) {
      const plan = parsePlan(req.plan);
      return plan ? { change: changeLine(plan, locale), checks: checkLines(plan, locale) } : undefined;
    },
    details(req, locale, now) {
      const plan = parsePlan(req.plan);
      return plan ? detailsMessage(plan, req.details, locale, now, requestTitle(req, locale)) : undefined;
    },
  });
  registerEventConsumer('deploy-progress', async (event, rt) => (await import('./events')).onEcsEvent(event, rt));
  // Auto-lock (release gates) after a failed deployment the bot did not start.
  registerEventConsumer('deploy-autolock', async (event, rt) => (await import('./autolock')).onDeploymentFailed(event, rt));
  registerTick('deploy-deadlines', async (rt) => (await import('./events')).onTick(rt));
}
