/**
 * Extension points for the functions that are not Slack-facing:
 * - ECS events from EventBridge (src/handlers/events.ts) are given to every consumer
 *   (deploy progress tracking, alerts);
 * - the scheduled tick (src/handlers/scheduled.ts, and a timer when running locally) runs
 *   every periodic task (approval expiry, deploy deadlines, services-down checks).
 * Each consumer is isolated: one failing does not stop the others.
 */
import type { EcsEvent } from '../aws/ecs-events';
import type { Runtime } from '../runtime';

type EventConsumer = (event: EcsEvent, rt: Runtime) => Promise<void>;
type Tick = (rt: Runtime) => Promise<void>;

const consumers = new Map<string, EventConsumer>();
const ticks = new Map<string, Tick>();

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
