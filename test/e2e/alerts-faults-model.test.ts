/**
 * "Do the alerts keep working, and keep telling the truth, when Redis misbehaves?", asked by
 * fast-check: random sequences of what ECS does to the `web` service (tasks fail, a deployment fails,
 * a WARN/ERROR service action), the scheduled check, time passing, Lambda's retries of an events
 * invocation that failed, and clicks on the alert's "I'm on it" and Mute 1 h, any of which may happen
 * while Redis is unreachable (`down`) or while the answers of the commands on their way are lost after
 * Redis ran them (`blip`), or the answer of the script that records the signal (`blipSignal`). The
 * bot's Redis clients go through a TCP proxy that does this (test/helpers/redis-fault-proxy.ts); the
 * test reads Redis directly.
 *
 * The events function is invoked asynchronously by EventBridge: a run that throws is delivered again
 * by Lambda, twice (here: at the next step that lets time pass, and at the end), then dropped.
 *
 * The oracle is what the on-call person expects, not the bot's code:
 *   - told, and told once: at the end (Redis well, the retries delivered, time passing with the
 *     scheduled check), every failed task is counted by an alert message (what a fallback message
 *     counted while Redis was down may stand for tasks whose retries never landed: its count, or
 *     the `outage` count of the incident that took it over), and no failure is counted by two separate
 *     alerts: the counts of the alert messages that stand (not one that says it continues in the
 *     incident's message) add up to no more than the failed tasks;
 *   - nobody is left holding the incident's lease after a step that Redis answered (`pass`, or `blip`:
 *     a lost answer is resent): every render ended and handed it back, else the next alert waits;
 *   - while Redis is down the fallback message (per process, README "Without Redis") counts no more
 *     failures than happened;
 *   - a click answered "nothing was changed" changed nothing (no "I'm on it" of that person, no mute);
 *   - a mute the bot confirmed holds: with Redis answering, no new alert message for the service until it ends;
 *   - nothing is left stuck: at the end nobody holds the incident's lease, and a new failure after
 *     the incident recovered is posted as a new alert at once.
 *
 * Each `npm test` runs only the fixed sequences below (`examples`): a step while Redis is `down` waits out
 * the clients' connect bounds in real time (a scheduled check while down: 15-25 s), so random ones are
 * too slow for the default run. MODEL_RUNS=<n> runs n sequences (the fixed ones first, then random
 * ones). A failure prints the sequence, its seed and path: MODEL_SEED=<seed> MODEL_PATH=<path> replay it
 * (MODEL_DEBUG=1 prints each step's time, the clicks' answers and, at the end, what Slack shows).

 */
import fc from 'fast-check';
import type { Service as EcsService } from '@aws-sdk/client-ecs';
import { useAlertsE2E } from '../helpers/alerts-e2e';
import { lambdaRetries, redisAnswersAgain } from '../helpers/model';
import { useRedisFaultProxy, type RedisFault, WORKER_REDIS_BOUND_MS, WORKER_REDIS_BACKOFF_SCALE } from '../helpers/redis-fault-proxy';
import type { StoredMessage } from '../helpers/slack-server';
import { deploymentEvent, serviceAction, taskStopped, OOM, type Json } from '../fixtures/events/samples';
import { keys } from '../../src/redis/keys';
import { configFile, fixtureGroups } from '../helpers/config';

const MIN = 60_000;
const MUTE_FOR = 60 * MIN;
/** What the bot answers when it could not reach Redis (src/redis/client.ts), en. */
const UNCHANGED = /nothing was changed|the mute was not recorded/;

const faults = useRedisFaultProxy();

let services: EcsService[] = [];
// The alert channel takes prod's commands too, so the alert's Mute 1 h (run as `/ecs mute` there) may run.
const CONFIG = configFile((doc) => {
  doc.environments.prod.channels = ['CPROD', 'CALERTS'];
});
const {
  e2e: h,
  clock,
  restart,
} = useAlertsE2E({
  services: () => structuredClone(services),
  waitsMoveClock: true,
  setup: () => ({
    env: { REDIS_URL: faults.proxy.url },
    configPath: CONFIG,
    groups: fixtureGroups(),
    workerRedisCommandTimeoutMs: WORKER_REDIS_BOUND_MS,
    workerRedisBackoffScale: WORKER_REDIS_BACKOFF_SCALE,
  }),
});

type Step =
  | { t: 'fail'; oom: boolean }
  | { t: 'deployFailed' }
  | { t: 'serviceAction' }
  | { t: 'redeliver'; back: number }
  | { t: 'ack'; user: 'UDEV1' | 'UDEV2' }
  | { t: 'mute' }
  | { t: 'time'; ms: number; tick: boolean };
/** The proxy's faults, and `blipSignal`: the answer of the first script that records an alert signal is lost (blipFrom). */
type Fault = RedisFault | 'blipSignal';
type Action = Step & { fault: Fault };

const fault = fc.constantFrom<Fault>('pass', 'pass', 'blip', 'blipSignal', 'down', 'down');
const step: fc.Arbitrary<Step> = fc.oneof(
  { weight: 6, arbitrary: fc.record({ t: fc.constant('fail' as const), oom: fc.boolean() }) },
  { weight: 1, arbitrary: fc.constant({ t: 'deployFailed' as const }) },
  { weight: 1, arbitrary: fc.constant({ t: 'serviceAction' as const }) },
  { weight: 1, arbitrary: fc.record({ t: fc.constant('redeliver' as const), back: fc.nat(4) }) },
  { weight: 2, arbitrary: fc.record({ t: fc.constant('ack' as const), user: fc.constantFrom<'UDEV1' | 'UDEV2'>('UDEV1', 'UDEV2') }) },
  { weight: 1, arbitrary: fc.constant({ t: 'mute' as const }) },
  {
    weight: 4,
    arbitrary: fc.record({ t: fc.constant('time' as const), ms: fc.constantFrom(20_000, MIN, MIN, 2 * MIN, 6 * MIN), tick: fc.boolean() }),
  },
);
const action: fc.Arbitrary<Action> = fc.tuple(step, fault).map(([s, f]) => ({ ...s, fault: f }));
/** Fixed runs that surely reach what the counters below require (a fallback message taken over, a blip's lost answer, a mute). */
const examples: Action[][] = [
  [
    { t: 'fail', oom: false, fault: 'pass' },
    { t: 'fail', oom: true, fault: 'down' },
    { t: 'fail', oom: false, fault: 'down' },
    { t: 'time', ms: MIN, tick: true, fault: 'pass' },
    { t: 'fail', oom: false, fault: 'blipSignal' },
    { t: 'ack', user: 'UDEV1', fault: 'down' },
    { t: 'ack', user: 'UDEV2', fault: 'pass' },
    { t: 'time', ms: 6 * MIN, tick: true, fault: 'pass' },
  ],
  [
    { t: 'fail', oom: false, fault: 'down' },
    { t: 'fail', oom: true, fault: 'blip' },
    { t: 'time', ms: 6 * MIN, tick: true, fault: 'pass' },
    { t: 'fail', oom: false, fault: 'blipSignal' },
    { t: 'fail', oom: false, fault: 'pass' },
    { t: 'mute', fault: 'down' },
    { t: 'mute', fault: 'pass' },
    { t: 'fail', oom: false, fault: 'pass' },
    { t: 'time', ms: 2 * MIN, tick: true, fault: 'pass' },
  ],
];

const textOf = (m: StoredMessage): string => `${m.text ?? ''}\n${JSON.stringify(m.blocks ?? [])}`;
const isTop = (m: StoredMessage) => !m.thread_ts || m.thread_ts === m.ts;
const isMuteNotice = (m: StoredMessage) => /muted alerts for|unmuted alerts for/.test(m.text ?? '');
/** An alert message's headline count: "a task failed" 1, "N tasks failed" N, else 0. */
const headlineCount = (m: StoredMessage): number => {
  const t = m.text ?? '';
  const n = /(\d+) tasks failed/.exec(t);
  return n ? Number(n[1]) : /a task failed/.test(t) ? 1 : 0;
};
/** A fallback message that says the alert continues in the incident's message. */
const continues = (m: StoredMessage) => textOf(m).includes('this alert continues in');
/** A fallback message taken over by the incident: what it counted while Redis was down. */
const outageCount = (m: StoredMessage): number =>
  Number(/Posted while my store \(Redis\) was down: (\d+) counted/.exec(textOf(m))?.[1] ?? 0);
const isFallback = (m: StoredMessage) => textOf(m).includes('I could not reach my store (Redis) when I posted this');

describe('alerts while Redis is down or loses answers', () => {
  it('every failure told once Redis is back, none by two alerts; "nothing was changed" true; a confirmed mute holds; nothing stuck', async () => {
    const seen = {
      failures: 0,
      fallbackPosts: 0,
      adopted: 0,
      blipDropped: 0,
      unchangedAnswers: 0,
      signalAnswersLost: 0,
      muted: 0,
      retried: 0,
      eventsLost: 0,
    };
    await fc.assert(
      fc.asyncProperty(fc.array(action, { minLength: 6, maxLength: 16 }), async (actions) => {
        faults.proxy.set('pass');
        services = [{ serviceName: 'web-prod', status: 'ACTIVE', desiredCount: 2, runningCount: 2 }];
        // The clock back at T0, a fresh harness, AWS stubbed afresh (answering `services`).
        await restart();
        const worker = lambdaRetries(h, clock);

        const failed = new Set<string>();
        const sent: Json[] = [];
        /** Lambda's retries of an events invocation that threw: the event and its attempts so far. */
        let retries: Array<{ ev: Json; attempts: number }> = [];
        const toldUnchangedAck = new Set<string>();
        let muteUnchanged = false;
        let mutedUntil = 0;
        /** A mute whose answer said it may or may not have gone through (a lost answer): it may hold until then. */
        let maybeMutedUntil = 0;
        /** Failures while a mute held (or may have): the muter asked for quiet; they need not be told once it ends. */
        let mutedFailures = 0;
        let seq = 0;
        const taskIdOf = (n: number) => `${String(n).padStart(8, '0')}bb0000faults000000000000`;

        const invoke = async (ev: Json, attempts: number) => {
          try {
            await h.event(structuredClone(ev));
          } catch {
            if (attempts < 3) retries.push({ ev, attempts: attempts + 1 });
            else seen.eventsLost++;
          }
        };
        const send = async (ev: Json) => {
          sent.push(ev);
          await invoke(ev, 1);
        };
        /** Lambda retries what failed (a minute, then two minutes later). */
        const deliverRetries = async () => {
          const due = retries;
          retries = [];
          seen.retried += due.length;
          for (const r of due) await invoke(r.ev, r.attempts);
        };
        const alerts = () => h.slack.messages('CALERTS').filter((x) => isTop(x) && !isMuteNotice(x));
        const incident = () => faults.direct.hgetall(keys.incident('prod', 'web'));

        const click = async (actionId: 'alert:ack' | 'alert:mute', user: string) => {
          type Blocks = Array<{ type: string; elements?: Array<{ action_id: string; value: string }> }>;
          const buttonOf = (m: StoredMessage) =>
            (m.blocks as Blocks | undefined)?.find((x) => x.type === 'actions')?.elements?.find((e) => e.action_id === actionId);
          const alert = alerts()
            .filter((x) => buttonOf(x))
            .at(-1);
          const b = alert && buttonOf(alert);
          if (!alert || !b) return undefined;
          const replyId = `r${++seq}`;
          const res = await h.click({
            action_id: b.action_id,
            value: b.value,
            block_id: 'alert:prod:web',
            user_id: user,
            channel_id: 'CALERTS',
            message_ts: alert.ts,
            message: { ts: alert.ts, blocks: alert.blocks },
            response_url: h.slack.responseUrl(replyId),
          });
          expect(res.statusCode).toBe(200);
          await worker.drain();
          const answer = JSON.stringify(h.slack.responses(replyId)) + (res.body ?? '');
          // eslint-disable-next-line no-console
          if (process.env.MODEL_DEBUG) console.log(actionId, user, answer.slice(0, 400));
          return { answer, gen: Number(b.value.split('.').at(-1)) };
        };

        const check = async (after: string) => {
          const inc = await incident();
          for (const user of toldUnchangedAck)
            expect({ after, toldUnchanged: user, ackBy: inc.ackBy === user }).toEqual({ after, toldUnchanged: user, ackBy: false });
          if (muteUnchanged && mutedUntil === 0)
            expect({ after, muteToldUnchanged: true, muted: (await faults.direct.exists(keys.alertMute('prod', 'web'))) === 1 }).toEqual({
              after,
              muteToldUnchanged: true,
              muted: false,
            });
          // The fallback message counts no more failures than happened.
          for (const a of alerts().filter(isFallback))
            expect({ after, fallback: a.ts, counted: headlineCount(a), atMost: Math.min(headlineCount(a), failed.size) }).toEqual({
              after,
              fallback: a.ts,
              counted: headlineCount(a),
              atMost: headlineCount(a),
            });
        };

        const run = async (a: Action) => {
          switch (a.t) {
            case 'fail': {
              // A few seconds after whatever came before (the scheduled check that saw every task running).
              clock.advance(5_000);
              const id = taskIdOf(++seq);
              failed.add(id);
              if (clock.now() < Math.max(mutedUntil, maybeMutedUntil)) mutedFailures++;
              await send(
                taskStopped({ time: clock.now(), taskId: id, service: 'web-prod', container: 'web', ...(a.oom ? OOM : { exitCode: 1 }) }),
              );
              return;
            }
            case 'deployFailed':
              await send(
                deploymentEvent('failed', {
                  time: clock.now(),
                  service: 'web-prod',
                  deploymentId: `ecs-svc/9${String(++seq).padStart(18, '0')}`,
                }),
              );
              return;
            case 'serviceAction':
              await send(serviceAction('task-start-impaired', { time: clock.now(), service: 'web-prod' }));
              return;
            case 'redeliver': {
              const ev = sent[sent.length - 1 - (a.back % Math.max(1, sent.length))];
              if (ev) await invoke(ev, 3);
              return;
            }
            case 'ack': {
              const r = await click('alert:ack', a.user);
              if (!r) return;
              if (UNCHANGED.test(r.answer)) {
                seen.unchangedAnswers++;
                const inc = await incident();
                // Told "nothing was changed" about an ack not given before: it stays not given.
                if (inc.ackBy !== a.user) toldUnchangedAck.add(a.user);
              } else toldUnchangedAck.delete(a.user);
              return;
            }
            case 'mute': {
              const before = clock.now();
              const r = await click('alert:mute', 'UDEV1');
              if (!r) return;
              if (UNCHANGED.test(r.answer)) {
                seen.unchangedAnswers++;
                if (!mutedUntil) muteUnchanged = true;
              } else if (/muted for/.test(r.answer)) {
                seen.muted++;
                mutedUntil = Math.max(mutedUntil, before + MUTE_FOR);
              } else maybeMutedUntil = Math.max(maybeMutedUntil, before + MUTE_FOR);
              return;
            }
            case 'time':
              clock.advance(a.ms);
              await deliverRetries();
              if (a.tick) await worker.tick();
              return;
          }
        };

        for (const [i, a] of actions.entries()) {
          const t0 = Date.now();
          const droppedBefore = faults.proxy.dropped;
          const alertsBefore = alerts().length;
          if (a.fault === 'blipSignal') faults.proxy.blipFrom('alertseen:');
          else faults.proxy.set(a.fault);
          try {
            await run(a);
          } finally {
            faults.proxy.set('pass');
          }
          seen.blipDropped += faults.proxy.dropped - droppedBefore;
          if (a.fault === 'blipSignal') seen.signalAnswersLost += faults.proxy.dropped - droppedBefore;
          // eslint-disable-next-line no-console
          if (process.env.MODEL_DEBUG) console.log(JSON.stringify(a), Date.now() - t0, 'ms');
          const after = `step ${i + 1}: ${JSON.stringify(a)}`;
          // A confirmed mute holds: with Redis answering, no new alert message while it lasts.
          if (a.fault === 'pass' && clock.now() < mutedUntil)
            expect({ after, muted: true, newAlerts: alerts().length - alertsBefore }).toEqual({ after, muted: true, newAlerts: 0 });
          await check(after);
          if (a.fault !== 'down') {
            const lease = (await incident()).lease;
            expect({ after, leaseHeld: lease !== undefined }).toEqual({ after, leaseHeld: false });
          }
        }

        // The end: Redis well; the clients reconnect; Lambda's retries land; the mute ends; time passes with the check.
        await redisAnswersAgain(h);
        clock.advance(MIN);
        await deliverRetries();
        clock.advance(2 * MIN);
        await deliverRetries();
        await worker.drain();
        clock.set(Math.max(clock.now(), mutedUntil, maybeMutedUntil));
        for (const ms of [MIN, MIN, 6 * MIN, MIN]) {
          clock.advance(ms);
          await worker.tick();
        }
        await check('the end');

        const all = alerts();
        if (process.env.MODEL_DEBUG)
          // eslint-disable-next-line no-console
          console.log(
            { failed: failed.size, mutedFailures, mutedUntil, maybeMutedUntil, now: clock.now() },
            h.slack.messages('CALERTS').map((x) => `${x.ts} ${x.thread_ts ?? ''} ${textOf(x).slice(0, 200)} | ${outageCount(x)}`),
            h.logs
              .filter((l) => String(l.consumer ?? l.tick ?? '').length && /alert|redis|mute|incident/.test(String(l.msg)))
              .map((l) => `${l.level} ${l.msg}`),
          );
        seen.failures += failed.size;
        seen.fallbackPosts += h.logs.filter(
          (l) => l.msg === 'redis unavailable: alert posted without grouping, de-duplication or mute',
        ).length;
        seen.adopted += all.filter((a) => outageCount(a) > 0).length;
        const standing = all.filter((a) => !continues(a));
        const counted = standing.reduce((n, a) => n + headlineCount(a), 0);
        const outage = standing.reduce((n, a) => n + outageCount(a), 0);
        // A fallback message that continues in the incident's still tells what it counted (Lambda may have given up its events).
        const continued = all.filter(continues).reduce((n, a) => n + headlineCount(a), 0);
        // Told: every failed task is counted (an adopted message's outage count, or a fallback message that continues in
        // the incident's, may stand for tasks whose retries never landed), but for those while muted.
        const owed = failed.size - mutedFailures;
        expect({ owed, told: Math.min(owed, counted + outage + continued) }).toEqual({ owed, told: owed });
        // Once: no failure counted by two separate alerts.
        expect({ failed: failed.size, counted: Math.min(counted, failed.size) }).toEqual({ failed: failed.size, counted });

        // Nothing stuck: the lease is back, and a new failure after the recovery is a new alert, at once.
        const inc = await incident();
        expect({ lease: inc.lease ?? '0', state: inc.state ?? 'none' }).toMatchObject({ lease: expect.stringMatching(/^0?$/) });
        const before = alerts().length;
        clock.advance(MIN);
        await h.event(taskStopped({ time: clock.now(), taskId: taskIdOf(++seq), service: 'web-prod', container: 'web', exitCode: 1 }));
        const fresh = alerts().slice(before);
        expect({ newAlert: fresh.length, count: fresh.map(headlineCount) }).toEqual({ newAlert: 1, count: [1] });
      }),
      {
        numRuns: Number(process.env.MODEL_RUNS || examples.length),
        endOnFailure: true,
        examples: examples.map((e) => [e]),
        ...(process.env.MODEL_SEED ? { seed: Number(process.env.MODEL_SEED), path: process.env.MODEL_PATH } : {}),
      },
    );
    // eslint-disable-next-line no-console
    if (process.env.MODEL_RUNS) console.log('alerts faults model seen', seen);
    expect(seen.failures).toBeGreaterThan(5);
    expect(seen.fallbackPosts).toBeGreaterThan(0);
    expect(seen.adopted).toBeGreaterThan(0);
    expect(seen.blipDropped).toBeGreaterThan(0);
    expect(seen.signalAnswersLost).toBeGreaterThan(1);
    expect(seen.unchangedAnswers).toBeGreaterThan(0);
    expect(seen.muted).toBeGreaterThan(0);
    expect(seen.retried).toBeGreaterThan(0);
  }, 300_000);
});
