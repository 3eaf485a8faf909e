/**
 * Running locally (`npm start`) there is no EventBridge: after the service is updated an
 * in-process watcher polls DescribeServices at a bounded rate (≥ 15 s apart, the pace the SDK's
 * own waiter uses) and hands each result to the same `refreshRequest` the events consumer uses,
 * until the change is final. On Lambda nothing waits: events and the scheduled tick do this.
 */
import type { Runtime } from '../runtime';
import { deadlineOf, GIVE_UP_FACTOR, refreshRequest, type RefreshResult } from './tracker';
import { getRequest } from '../approvals/workflow';

export const MIN_POLL_INTERVAL_MS = 15_000;

interface WatchOptions {
  intervalMs: number;
  /** Watch at least this long (a run's time limit and its give-up time; a change's is its deadlines). */
  maxMs?: number;
  /** What each poll runs (default: a change's refreshRequest; a one-off task passes its own, ./run-task.ts). */
  refresh?: (rt: Runtime, requestId: string) => Promise<string>;
  sleep: (ms: number) => Promise<void>;
}

const defaults: WatchOptions = {
  intervalMs: MIN_POLL_INTERVAL_MS,
  sleep: (ms) =>
    new Promise((resolve) => {
      const t = setTimeout(resolve, ms);
      t.unref?.();
    }),
};

/**
 * Poll until the change is completed or failed (or no longer running). Returns how it ended:
 * 'shut_down' when the runtime closed its Redis client meanwhile (the process is stopping; the
 * change is then left to whoever tracks it next, rather than polled into a closed connection).
 */
export async function watchRollout(rt: Runtime, requestId: string, opts: Partial<WatchOptions> = {}): Promise<RefreshResult | 'shut_down'> {
  const o = { ...defaults, ...opts };
  const interval = Math.max(MIN_POLL_INTERVAL_MS, o.intervalMs);
  const req = await getRequest(rt.redis, requestId);
  if (!req) return 'not_running';
  // The tracker gives up after GIVE_UP_FACTOR deadlines; the watcher stops shortly after that.
  const maxPolls = Math.ceil(Math.max(GIVE_UP_FACTOR * deadlineOf(rt, req.environment), o.maxMs ?? 0) / interval) + 2;
  let last: RefreshResult = 'in_progress';
  for (let i = 0; i < maxPolls; i++) {
    await o.sleep(interval);
    if (rt.redis.status === 'end') return 'shut_down';
    try {
      last = (await (o.refresh ?? refreshRequest)(rt, requestId)) as RefreshResult;
    } catch (err) {
      rt.log.warn('local watcher: refresh failed; trying again at the next poll', { requestId, err });
      continue;
    }
    if (last === 'completed' || last === 'failed' || last === 'not_running') return last;
  }
  return last;
}
