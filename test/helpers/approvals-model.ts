/**
 * What the approval model tests (test/e2e/approvals-model.test.ts, approvals-faults-model.test.ts)
 * share: the two prod services they ask changes of, the request cards they learn ids from, the
 * rollouts they finish, and their last check that nothing is left holding the service.
 */
import type { RequestState } from '../../src/approvals/types';
import type { E2E } from './e2e';
import type { FakeEcs } from './fake-ecs';
import { textOf } from './deploy-e2e';

export type ModelService = 'web' | 'worker';
export const ECS_SERVICE: Record<ModelService, string> = { web: 'web-prod', worker: 'worker-prod' };
export const FINAL: RequestState[] = ['succeeded', 'failed', 'rejected', 'expired', 'cancelled'];

/** Request cards in CPROD (thread parents) whose id `known` does not have yet: their id and ts. */
export function newRequestCards(e2e: E2E, known: (id: string) => boolean): Array<{ id: string; ts: string }> {
  const out: Array<{ id: string; ts: string }> = [];
  for (const m of e2e.slack.messages('CPROD')) {
    if (m.thread_ts && m.thread_ts !== m.ts) continue;
    const id = /Request `([a-z0-9_.-]+)`/.exec(textOf(m))?.[1];
    if (id && !known(id) && !out.some((o) => o.id === id)) out.push({ id, ts: m.ts });
  }
  return out;
}

/** ECS finishes every rollout of the model's services (running = desired). */
export function finishRollouts(world: FakeEcs): void {
  for (const name of Object.values(ECS_SERVICE)) {
    const s = world.service('prod', name);
    Object.assign(s, { runningCount: s.desiredCount, pendingCount: 0 });
  }
}

/** Nothing is left holding prod/web: a new request is posted for approval (`drain` runs the worker). */
export async function takesNewRequest(e2e: E2E, world: FakeEcs, drain: () => Promise<void>): Promise<void> {
  const before = e2e.slack.messages('CPROD').length;
  await e2e.slash('scale web 39 --reason "after the model"', { channel_id: 'CPROD', user_id: 'UDEV2' });
  await drain();
  const posted = e2e.slack.messages('CPROD').slice(before).map(textOf).join('\n');
  expect(posted).toContain(`${world.service('prod', 'web-prod').desiredCount} → 39 tasks`);
}

/** What a model knows of one request the bot posted (a card it saw), and what its oracle counts for it. */
export interface KnownRequest<Person extends string> {
  id: string;
  ts: string;
  requester: Person;
  service: ModelService;
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
