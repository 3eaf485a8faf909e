/**
 * What the approvals models share (test/e2e/approvals-faults-model.test.ts under Redis faults,
 * test/e2e/slack-faults-model.test.ts under Slack faults): the people and the policy (two eligible
 * approvers other than the requester, within an hour; ULEAD3 approves through the user group
 * SLEADS), the steps both take, and reading what the bot posted.
 */
import fc from 'fast-check';
import type { RequestState } from '../../src/approvals/types';
import type { ConfigEdit } from './config';
import { textOf, type DeployHarness } from './deploy-e2e';
import { timeStep } from './model';

export const NEEDED = 2;
export const APPROVAL_TTL_MS = 3600_000;
export const REQUESTERS = ['UDEV1', 'UDEV2', 'ULEAD1'] as const;
export const APPROVERS = new Set(['ULEAD1', 'ULEAD2', 'ULEAD3']);
export type Person = (typeof REQUESTERS)[number] | 'ULEAD2' | 'ULEAD3';
export type Service = 'web' | 'worker';
export const FINAL: RequestState[] = ['succeeded', 'failed', 'rejected', 'expired', 'cancelled'];
const ECS_SERVICE: Record<Service, string> = { web: 'web-prod', worker: 'worker-prod' };

/** prod's policy in chatops.yml (configFile's edit): NEEDED approvals of every verb within an hour. */
export function approvalsPolicy(requesters: string[]): ConfigEdit {
  return (doc) => {
    Object.assign(doc.environments.prod, {
      approvals: { deploy: NEEDED, rollback: NEEDED, scale: NEEDED, restart: NEEDED },
      approvalTtl: '1h',
      requesters,
      approvers: ['ULEAD1', 'ULEAD2', 'SLEADS'],
    });
  };
}

export type ApprovalsStep =
  | { t: 'request'; user: Person; service: Service }
  | { t: 'click'; action: 'approve' | 'cancel'; req: number; user: Person | 'requester' }
  | { t: 'drain' }
  | { t: 'time'; ms: number; tick: boolean }
  | { t: 'rollout' };

export const anApprover = fc.constantFrom('ULEAD1', 'ULEAD2', 'ULEAD3') as fc.Arbitrary<Person>;

/** The steps both models take, weighted (fc.oneof's arguments). */
export const approvalsSteps: Array<fc.WeightedArbitrary<ApprovalsStep>> = [
  {
    weight: 3,
    arbitrary: fc.record({
      t: fc.constant('request' as const),
      user: fc.constantFrom(...REQUESTERS),
      service: fc.constantFrom<Service>('web', 'worker'),
    }),
  },
  {
    weight: 7,
    arbitrary: fc.record({
      t: fc.constant('click' as const),
      action: fc.constant('approve' as const),
      req: fc.nat(4),
      user: fc.oneof({ weight: 5, arbitrary: anApprover }, { weight: 1, arbitrary: fc.constant('requester' as const) }),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      t: fc.constant('click' as const),
      action: fc.constant('cancel' as const),
      req: fc.nat(4),
      user: fc.constant('requester' as const),
    }),
  },
  { weight: 3, arbitrary: fc.constant({ t: 'drain' as const }) },
  { weight: 2, arbitrary: timeStep(421_000, 1_383_000, 3_661_000) },
  { weight: 1, arbitrary: fc.constant({ t: 'rollout' as const }) },
];

/** The request cards posted in CPROD (top-level messages naming a request), oldest first. */
export function postedRequests(h: DeployHarness): Array<{ id: string; ts: string }> {
  const out: Array<{ id: string; ts: string }> = [];
  for (const m of h.e2e.slack.messages('CPROD')) {
    if (m.thread_ts && m.thread_ts !== m.ts) continue;
    const id = /Request `([a-z0-9_.-]+)`/.exec(textOf(m))?.[1];
    if (id) out.push({ id, ts: m.ts });
  }
  return out;
}

/** ECS finishes both services' rollouts (every desired task running). */
export function finishRollouts(h: DeployHarness): void {
  for (const name of Object.values(ECS_SERVICE)) {
    const s = h.world.service('prod', name);
    Object.assign(s, { runningCount: s.desiredCount, pendingCount: 0 });
  }
}
