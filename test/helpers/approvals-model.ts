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
export const ECS_SERVICE: Record<Service, string> = { web: 'web-prod', worker: 'worker-prod' };

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

/** What a model knows of one request the bot posted (a card it saw), and what its oracle counts for it. */
export interface KnownRequest<P extends string> {
  id: string;
  ts: string;
  requester: P;
  service: Service;
  createdAt: number;
  /** The desired count it asked for: each request asks a count no other did, so an UpdateService call names its request. */
  count: number;
  /** Approve clicks the policy counts (each model says which). */
  approvedBy: Set<string>;
  /** UpdateService calls for it when the bot first had it cancelled or rejected (undefined: not closed). */
  callsWhenClosed?: number;
}

/** No request ran twice, and none ran after the bot recorded it cancelled or rejected (`callsFor`: its UpdateService calls so far). */
export function expectOnceAndNotAfterClosed<K extends KnownRequest<string>>(
  after: string,
  known: readonly K[],
  callsFor: (k: K) => number,
): void {
  for (const k of known) {
    expect({ after, id: k.id, runs: callsFor(k) }).toEqual({ after, id: k.id, runs: Math.min(callsFor(k), 1) });
    if (k.callsWhenClosed !== undefined)
      expect({ after, id: k.id, runsAfterClosed: callsFor(k) - k.callsWhenClosed }).toEqual({ after, id: k.id, runsAfterClosed: 0 });
  }
}

/** Nothing is left holding prod/web: a new request by `user` is posted for approval (`drain` runs the worker). */
export async function takesNewRequest(h: DeployHarness, drain: () => Promise<void>, user = 'UDEV2'): Promise<void> {
  const before = h.e2e.slack.messages('CPROD').length;
  await h.e2e.slash('scale web 39 --reason "after the model"', { channel_id: 'CPROD', user_id: user });
  await drain();
  const posted = h.e2e.slack.messages('CPROD').slice(before).map(textOf).join('\n');
  expect(posted).toContain(`${h.world.service('prod', 'web-prod').desiredCount} → 39 tasks`);
}

/** The models' end: the rollouts finish and time passes past every expiry and deadline (a minute, 2 h, a day), each time with the tick (`tick`: it and the worker runs it causes). */
export async function pastEveryDeadline(h: DeployHarness, tick: () => Promise<void>): Promise<void> {
  for (const ms of [60_000, 2 * 3600_000, 24 * 3600_000]) {
    finishRollouts(h);
    h.clock.advance(ms);
    await tick();
  }
}
