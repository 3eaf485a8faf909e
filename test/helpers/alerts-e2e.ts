/**
 * The hooks of an alerts end-to-end suite (test/e2e/alerts-*.test.ts), in one place: the bot's clock
 * (a FakeClock, back at ALERTS_T0 before each test), a fresh harness per test (useE2E: setupE2E on
 * that clock, closed after the test) and the AWS an alert reads, stubbed for each test
 * (stubAlertAws: the task-definition cache cleared, restored after the test). Call it at the top
 * level of a file or a describe; hooks a suite declares before the call run before the harness is
 * set up (e.g. a port for `setup`'s env).
 */
import type { Service } from '@aws-sdk/client-ecs';
import { OOM, STAGING, taskStopped, type Json } from '../fixtures/events/samples';
import { stubAlertAws } from './alert-aws';
import { FakeClock } from './clock';
import { useE2E, type E2EHandle, type SetupOptions } from './e2e';

/** When every alerts test starts (the clock's time before each test). */
export const ALERTS_T0 = Date.parse('2026-03-02T10:00:00Z');

export interface AlertsE2EOptions {
  /** What DescribeServices answers (stubAlertAws; the scheduled check's read of the services), e.g. `[]`. */
  services?: Service[] | (() => Service[]);
  /**
   * The bot's waits (rt.sleep) move the clock by what they wait, after which they take one turn of
   * the event loop. Default: setupE2E's, a turn of the event loop and no time.
   */
  waitsMoveClock?: boolean;
  /** setupE2E's other options (env, configPath, groups, a sleep of the suite's own), asked before each test and each restart. */
  setup?: () => Omit<SetupOptions, 'now'>;
}

export interface AlertsE2E {
  /** The running test's harness (useE2E's handle). */
  e2e: E2EHandle;
  /** The bot's clock (`now`): read it with `clock.now()`, move it with `clock.advance(ms)` or `clock.set(t)`. */
  clock: FakeClock;
  /** Within a test (a property's next run): the clock back at ALERTS_T0, a fresh harness on the same options, AWS stubbed afresh. */
  restart(): Promise<void>;
  /** For the rest of the running test, AWS stubbed afresh with these services (stubAlertAws's `services`). */
  stubAws(services: Service[] | (() => Service[])): void;
}

export function useAlertsE2E(opts: AlertsE2EOptions = {}): AlertsE2E {
  const clock = new FakeClock(ALERTS_T0);
  const movingSleep = async (ms: number): Promise<void> => {
    clock.advance(ms);
    await new Promise<void>((resolve) => setImmediate(resolve));
  };
  const options = (): SetupOptions => ({
    now: clock.now,
    ...(opts.waitsMoveClock ? { sleep: movingSleep } : {}),
    ...opts.setup?.(),
  });
  let aws: { restore(): void } | undefined;
  const stubAws = (services = opts.services): void => {
    aws?.restore();
    aws = stubAlertAws(services === undefined ? {} : { services });
  };

  beforeEach(() => clock.set(ALERTS_T0));
  const e2e = useE2E(options);
  beforeEach(() => stubAws());
  afterEach(() => {
    aws?.restore();
    aws = undefined;
  });

  return {
    e2e,
    clock,
    async restart() {
      clock.set(ALERTS_T0);
      await e2e.restart(options());
      stubAws();
    },
    stubAws,
  };
}

/** One service of a storm: where its alerts go, and its i-th failed task (at the clock's time). */
export interface StormService {
  alias: string;
  channel: string;
  event(i: number): Json;
}

/**
 * Three services whose alerts go to three channels (the fixture's web and worker in prod, web-staging
 * in staging), each failing with OutOfMemoryError: a storm across services. `web` replaces web's event.
 */
export function stormServices(clock: FakeClock, web?: (i: number) => Json): StormService[] {
  return [
    {
      alias: 'web',
      channel: 'CALERTS',
      event: web ?? ((i) => taskStopped({ time: clock.now(), taskId: `web${String(i).padStart(29, '0')}`, ...OOM })),
    },
    {
      alias: 'worker',
      channel: 'CWORKERTEAM',
      event: (i) =>
        taskStopped({
          time: clock.now(),
          taskId: `wrk${String(i).padStart(29, '0')}`,
          service: 'worker-prod',
          container: 'worker',
          ...OOM,
        }),
    },
    {
      alias: 'web-staging',
      channel: 'CALERTSSTG',
      event: (i) =>
        taskStopped({ time: clock.now(), taskId: `stg${String(i).padStart(29, '0')}`, service: 'web-staging', where: STAGING, ...OOM }),
    },
  ];
}
