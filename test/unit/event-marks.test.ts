/**
 * When the events function marks the consumers that finished an event (src/hooks/events.ts
 * dispatchEvent): each as it finishes, not only when a retryable failure follows at the end. Before,
 * an invocation that died midway (a crash, Lambda's timeout, a consumer that never returned) had
 * marked nothing, so Lambda's retry ran every consumer again, the ones that had acted included.
 * Redis is a stand-in here that records the commands (each call is one round trip); the real
 * Redis and the real consumers are in test/e2e/alerts-event-retry.test.ts.
 */
import type { EcsEvent } from '../../src/aws/ecs-events';
import { dispatchEvent, registerEventConsumer } from '../../src/hooks/events';
import type { Logger } from '../../src/log';
import type { Runtime } from '../../src/runtime';

const quiet: Logger = { debug() {}, info() {}, warn() {}, error() {}, child: () => quiet };

/** What the stand-in Redis was sent: one entry per round trip (an MGET, a SET, or a MULTI with the keys it SETs). */
let trips: string[][] = [];
let marks = new Map<string, string>();
let status = 'ready';
const redis = {
  get status() {
    return status;
  },
  async mget(...ks: string[]) {
    trips.push(['MGET', ...ks]);
    return ks.map((k) => marks.get(k) ?? null);
  },
  async set(k: string) {
    trips.push(['SET', k]);
    marks.set(k, '1');
    return 'OK';
  },
  multi() {
    const sets: string[] = [];
    const m = {
      set(k: string) {
        sets.push(k);
        return m;
      },
      async exec() {
        trips.push(['MULTI', ...sets]);
        for (const k of sets) marks.set(k, '1');
        return [];
      },
    };
    return m;
  },
};
const rt = { redis, log: quiet } as unknown as Runtime;
const event = (id: string) => ({ id, 'detail-type': 'ECS Task State Change', source: 'aws.ecs', detail: {} }) as unknown as EcsEvent;

/** Consumers: two that ignore the event (return at once), one that works until released, or never when `hang`. */
let runs: Record<string, number> = {};
let release: () => void = () => undefined;
let hang = false;
for (const name of ['ignores-a', 'ignores-b'])
  registerEventConsumer(name, async () => {
    runs[name] = (runs[name] ?? 0) + 1;
  });
registerEventConsumer('acts', async () => {
  runs.acts = (runs.acts ?? 0) + 1;
  await new Promise<void>((resolve) => (release = hang ? () => undefined : resolve));
});

beforeEach(() => {
  trips = [];
  marks = new Map();
  status = 'ready';
  runs = {};
  hang = false;
});

const turns = async (n: number) => {
  for (let i = 0; i < n; i++) await new Promise<void>((r) => setImmediate(r));
};
const marked = (id: string) => [...marks.keys()].filter((k) => k.includes(id)).map((k) => k.split(':').at(-1));

describe('the finished marks of an event', () => {
  it('are written as the consumers finish: those finishing together in one write, a later one in its own (3 round trips in all)', async () => {
    const done = dispatchEvent(event('ev-1'), rt);
    await turns(5);
    // The two that ignored it are marked while the third still works.
    expect(marked('ev-1')).toEqual(['ignores-a', 'ignores-b']);
    release();
    expect(await done).toEqual([]);
    expect(marked('ev-1')).toEqual(['ignores-a', 'ignores-b', 'acts']);
    expect(trips.map((t) => t[0])).toEqual(['MGET', 'MULTI', 'SET']);
  });

  it('survive an invocation that dies midway: the retry runs only the consumer that never finished', async () => {
    hang = true;
    void dispatchEvent(event('ev-2'), rt);
    await turns(5);
    // The invocation dies here (Lambda's timeout); Lambda retries the event.
    hang = false;
    const retry = dispatchEvent(event('ev-2'), rt);
    await turns(5);
    release();
    expect(await retry).toEqual([]);
    expect(runs).toEqual({ 'ignores-a': 1, 'ignores-b': 1, acts: 2 });
  });

  it('without Redis (not connected): every consumer runs, nothing is read, written or waited for', async () => {
    status = 'reconnecting';
    const done = dispatchEvent(event('ev-3'), rt);
    await turns(5);
    release();
    expect(await done).toEqual([]);
    expect(runs).toEqual({ 'ignores-a': 1, 'ignores-b': 1, acts: 1 });
    expect(trips).toEqual([]);
  });
});
