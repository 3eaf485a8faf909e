/**
 * Extension points for the functions that are not Slack-facing:
 * - ECS events from EventBridge (src/handlers/events.ts) are given to every consumer
 *   (deploy progress tracking, alerts);
 * - the scheduled tick (src/handlers/scheduled.ts, and a timer when running locally) runs
 *   every periodic task (approval expiry, deploy deadlines, services-down checks);
 * - changes of what people look at (a request created or decided, a lock, a freeze, an incident,
 *   a rollout's progress) are announced to every change listener (the Home tab refresh).
 * Each consumer is isolated: one failing does not stop the others.
 */
import type { EcsEvent } from '../aws/ecs-events';
import type { Runtime } from '../runtime';

type EventConsumer = (event: EcsEvent, rt: Runtime) => Promise<void>;
type Tick = (rt: Runtime) => Promise<void>;

/** Something people see changed: a request ('request'), a lock or freeze ('guard'), an incident, a rollout's progress. */
export interface Change {
  what: 'request' | 'guard' | 'incident' | 'rollout';
  environment?: string;
  service?: string;
}
type ChangeListener = (change: Change, rt: Runtime) => Promise<void>;

const consumers = new Map<string, EventConsumer>();
const ticks = new Map<string, Tick>();
const changeListeners = new Map<string, ChangeListener>();

export function registerEventConsumer(name: string, fn: EventConsumer): void {
  consumers.set(name, fn);
}

export function registerTick(name: string, fn: Tick): void {
  ticks.set(name, fn);
}

async function runAll<T extends unknown[]>(
  entries: Map<string, (...args: T) => Promise<void>>,
  args: T,
  rt: Runtime,
  what: string,
): Promise<string[]> {
  const failed: string[] = [];
  await Promise.all(
    [...entries].map(async ([name, fn]) => {
      try {
        await fn(...args);
      } catch (err) {
        failed.push(name);
        rt.log.error(`${what} failed`, { name, err });
      }
    }),
  );
  return failed;
}

export function dispatchEvent(event: EcsEvent, rt: Runtime): Promise<string[]> {
  return runAll(consumers, [event, rt], rt, 'event consumer');
}

export function runTicks(rt: Runtime): Promise<string[]> {
  return runAll(ticks, [rt], rt, 'scheduled task');
}

export function registerChangeListener(name: string, fn: ChangeListener): void {
  changeListeners.set(name, fn);
}

/**
 * Tell every change listener that something people see changed. Never throws (the change already
 * happened); listeners must be quick (one Redis round trip, at most a hand-off to the worker).
 */
export async function announceChange(rt: Runtime, change: Change): Promise<void> {
  if (!changeListeners.size) return;
  await runAll(changeListeners, [change, rt], rt, 'change listener');
}
