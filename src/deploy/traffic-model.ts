/**
 * The traffic-shift gate's data (pure): what a paused deployment looks like in
 * DescribeServiceDeployments, the pause record the bot keeps, the press job. The worker part is
 * ./traffic.run.ts, the buttons ./traffic-buttons.ts, the messages ./traffic-text.ts.
 */
import { createHash } from 'node:crypto';
import * as z from 'zod';
import { lazySchema } from '../config/lazy-schema';
import type { DeploymentLifecycleHookDetail, Service, ServiceDeployment } from '@aws-sdk/client-ecs';
import type { ExecFacts } from './tracker';
import type { Role } from '../policy/authorize';

/** A pause the bot showed: what the press needs (stored as `pause.<key>` in the track hash). */
export const pauseRecordSchema = lazySchema(() =>
  z.object({
    hookId: z.string(),
    stage: z.string(),
    expiresAt: z.number().optional(),
    timeoutAction: z.string().optional(),
    ts: z.string().optional(),
    closed: z.string().optional(),
  }),
);
export type PauseRecord = z.infer<typeof pauseRecordSchema>;

export const pressJobSchema = lazySchema(() =>
  z.object({
    kind: z.literal('traffic-shift'),
    id: z.string().min(1),
    requestId: z.string().min(1),
    key: z.string().min(1),
    action: z.enum(['CONTINUE', 'ROLLBACK']),
    userId: z.string().min(1),
  }),
);
export type PressJob = z.infer<typeof pressJobSchema>;

/** The opaque key of a hook in button values and track fields. */
export function pauseKey(hookId: string): string {
  return createHash('sha1').update(hookId).digest('hex').slice(0, 12);
}

/** Whether the service's deployments can pause for the bot (a PAUSE lifecycle hook on a non-rolling strategy). */
export function pausesDeployments(service: Pick<Service, 'deploymentConfiguration'>): boolean {
  const dc = service.deploymentConfiguration;
  if (!dc?.strategy || dc.strategy === 'ROLLING') return false;
  return (dc.lifecycleHooks ?? []).some((h) => h.targetType === 'PAUSE');
}

/** The PAUSE hook waiting for a decision, if any (pure). */
export function waitingHook(sd: Pick<ServiceDeployment, 'lifecycleHookDetails'>): DeploymentLifecycleHookDetail | undefined {
  return (sd.lifecycleHookDetails ?? []).find((h) => h.targetType === 'PAUSE' && h.status === 'AWAITING_ACTION' && !!h.hookId);
}

/** Production and test weights of the new revision and the current ones (pure; undefined when ECS did not report them). */
export function weightsOf(sd: Pick<ServiceDeployment, 'targetServiceRevision' | 'sourceServiceRevisions'>) {
  const target = sd.targetServiceRevision;
  const sources = sd.sourceServiceRevisions ?? [];
  const sum = (k: 'requestedProductionTrafficWeight') =>
    sources.some((s) => s[k] !== undefined) ? sources.reduce((n, s) => n + (s[k] ?? 0), 0) : undefined;
  return {
    ...(target?.requestedProductionTrafficWeight !== undefined ? { prodNew: target.requestedProductionTrafficWeight } : {}),
    ...(sum('requestedProductionTrafficWeight') !== undefined ? { prodOld: sum('requestedProductionTrafficWeight') } : {}),
    ...(target?.requestedTestTrafficWeight !== undefined ? { testNew: target.requestedTestTrafficWeight } : {}),
  };
}

/** Whether a person rolled the deployment back at the traffic-shift gate (for the auto-lock). */
export function rolledBackAtGate(ex: ExecFacts): string | undefined {
  for (const [k, v] of Object.entries(ex)) {
    if (!k.startsWith('shift.') || !v || typeof v !== 'object') continue;
    const f = v as { action?: string; by?: string; result?: string };
    if (f.action === 'ROLLBACK' && f.result === 'sent') return f.by ?? 'someone';
  }
  return undefined;
}

export interface PauseState {
  stage: string;
  expiresAt?: number;
  timeoutAction?: string;
  /** The label of the continue button at this stage. */
  button: string;
}

/** Why a press of the traffic-shift gate is refused (the key of its answer). */
export type PressRefusal = 'selfShift' | 'notShifter' | 'notRollbacker';

/**
 * Who may press `action` on a paused deployment of `requester`'s change (pure; asked at the click,
 * ./traffic-buttons.ts, and again in the worker before anything goes to ECS, ./traffic.run.ts):
 * Shift production traffic needs the `shifter` role and, unless `allowRequester`, not the requester;
 * Roll back also the requester, or an approver. `roles`: the presser must hold one of them (none:
 * allowed as they are); `refusal`: the answer when they do not.
 */
export function pressNeeds(
  gate: { requester: string; allowRequester: boolean },
  userId: string,
  action: 'CONTINUE' | 'ROLLBACK',
): { refused: true; refusal: PressRefusal } | { refused: false; roles: readonly Role[]; refusal: PressRefusal } {
  const self = userId === gate.requester;
  if (action === 'CONTINUE') {
    if (self && !gate.allowRequester) return { refused: true, refusal: 'selfShift' };
    return { refused: false, roles: ['shifter'], refusal: 'notShifter' };
  }
  return { refused: false, roles: self ? [] : ['shifter', 'approver'], refusal: 'notRollbacker' };
}
