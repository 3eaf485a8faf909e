/**
 * "Are the alerts quiet, grouped and complete?", asked by fast-check instead of by hand: random
 * sequences of what ECS and the platform do (tasks of two services stop: failures with a non-zero
 * exit, OOM or an image that cannot be pulled, and routine stops with exit 0 or a deployment's
 * scale-in; EventBridge delivers an event twice, or a failure late, after later ones; deployments
 * fail and complete; a service runs 0 of its tasks and comes back; time passes with and without the
 * scheduled check; Slack refuses posts or updates for a while, with 429s or errors; someone clicks
 * the alert's Mute 1 h) go through the real events and scheduled handlers, the real Redis and the
 * local Slack API.
 *
 * The oracle is src/alerts/README.md and chatops.yml written out below, not the bot's code:
 * - web alerts into CALERTS, worker into CWORKERTEAM (`alertChannel`), nowhere else (mute notices aside);
 * - one alert message per service per incident: a new incident opens only when none is open, the
 *   last one recovered, or it has been quiet for longer than incidentWindow by the clock and by the
 *   event's own time, and the service is not down;
 * - a duplicate event never adds a line (no thread has the same reply twice, no task is told twice);
 * - exit-0 and scale-in stops are never alerted;
 * - a recovery is replied at most once per thread;
 * At the end (Slack answers again, the scheduled check runs, every mute has ended): every failed task
 * and failed deployment delivered while the service was not muted, and not stale (out of order before
 * a recovery), is counted in an alert message and its reason is told in the alert or its thread,
 * even when Slack refused its post until the incident was over (it is then posted as it ended); the
 * incident open at the end has recovered, which its message or thread says. Within these limits: its
 * incident was still the service's one when Slack answered a check again (a new incident replaces an
 * unposted one), and an earlier incident's message is final only if a check ran after its last change.
 *
 * Each `npm test` runs 20 new random sequences (MODEL_RUNS=<n> for more). A failure prints the
 * sequence, its seed and path: fc.assert's `seed` and `path` options replay it.
 */
import fc from 'fast-check';
import { timeStep } from '../helpers/model';
import type { Service as EcsService } from '@aws-sdk/client-ecs';
import { stubAlertAws } from '../helpers/alert-aws';
import { useE2E } from '../helpers/e2e';
import type { StoredMessage } from '../helpers/slack-server';
import { deploymentEvent, taskStopped, OOM, PULL_FAILED, type Json } from '../fixtures/events/samples';

const T0 = Date.parse('2026-03-02T10:00:00Z');
const MIN = 60_000;
// chatops.test.yml, prod's alerts, as the oracle's copy of them.
const WINDOW = 30 * MIN;
const DOWN_AFTER = 3 * MIN;
/** README: running = desired (or a steady state) closes an incident after 5 quiet minutes. */
const RECOVERY_QUIET = 5 * MIN;
const MUTE_FOR = 60 * MIN;

type Svc = 'web' | 'worker';
const SVCS: Svc[] = ['web', 'worker'];
const CHANNEL: Record<Svc, string> = { web: 'CALERTS', worker: 'CWORKERTEAM' };
const ECS_NAME: Record<Svc, string> = { web: 'web-prod', worker: 'worker-prod' };

type Failure = 'exit1' | 'exit3' | 'oom' | 'pull';
const FAILURE: Record<Failure, { opts: Partial<Parameters<typeof taskStopped>[0]>; label: string }> = {
  exit1: { opts: { exitCode: 1 }, label: 'exit code 1' },
  exit3: { opts: { exitCode: 3 }, label: 'exit code 3' },
  oom: { opts: OOM, label: 'OutOfMemoryError' },
  pull: { opts: PULL_FAILED, label: 'CannotPullContainerError' },
};
type Routine = 'exit0' | 'scaleIn';
const ROUTINE: Record<Routine, Partial<Parameters<typeof taskStopped>[0]>> = {
  exit0: { exitCode: 0 },
  scaleIn: {
    exitCode: 143,
    stopCode: 'ServiceSchedulerInitiated',
    stoppedReason: 'Scaling activity initiated by (deployment ecs-svc/1234567890123456789)',
  },
};

type Action =
  | { t: 'fail'; svc: Svc; kind: Failure; lateMin: number }
  | { t: 'routine'; svc: Svc; kind: Routine }
  | { t: 'redeliver'; back: number; asNew: boolean }
  | { t: 'deployFailed'; svc: Svc }
  | { t: 'deployCompleted'; svc: Svc }
  | { t: 'running'; svc: Svc; up: boolean }
  | { t: 'time'; ms: number; tick: boolean }
  | { t: 'slackRefuses'; method: 'chat.postMessage' | 'chat.update'; how: 429 | 500; times: number }
  | { t: 'mute'; svc: Svc };

const svc = fc.constantFrom<Svc>('web', 'worker');
const action: fc.Arbitrary<Action> = fc.oneof(
  {
    weight: 8,
    arbitrary: fc.record({
      t: fc.constant('fail' as const),
      svc,
      kind: fc.constantFrom<Failure>('exit1', 'exit1', 'oom', 'exit3', 'pull'),
      // Mostly on time; sometimes delivered minutes after it happened (after later events).
      lateMin: fc.constantFrom(0, 0, 0, 0, 2, 6),
    }),
  },
  { weight: 3, arbitrary: fc.record({ t: fc.constant('routine' as const), svc, kind: fc.constantFrom<Routine>('exit0', 'scaleIn') }) },
  { weight: 3, arbitrary: fc.record({ t: fc.constant('redeliver' as const), back: fc.nat(6), asNew: fc.boolean() }) },
  { weight: 1, arbitrary: fc.record({ t: fc.constant('deployFailed' as const), svc }) },
  { weight: 1, arbitrary: fc.record({ t: fc.constant('deployCompleted' as const), svc }) },
  { weight: 1, arbitrary: fc.record({ t: fc.constant('running' as const), svc, up: fc.boolean() }) },
  {
    weight: 5,
    arbitrary: timeStep(20_000, MIN, MIN, 4 * MIN, 7 * MIN, 31 * MIN),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      t: fc.constant('slackRefuses' as const),
      method: fc.constantFrom<'chat.postMessage' | 'chat.update'>('chat.postMessage', 'chat.update'),
      how: fc.constantFrom<429 | 500>(429, 500),
      times: fc.integer({ min: 1, max: 3 }),
    }),
  },
  { weight: 1, arbitrary: fc.record({ t: fc.constant('mute' as const), svc }) },
);

/** The oracle's view of one service's incidents (README: "Incident state"). */
interface Incident {
  /** The clock of its last signal, and the event time of its last failure (not "down"). */
  lastAt: number;
  lastFailAt: number;
  recovered: boolean;
  /** A service-down signal is part of it. */
  down?: boolean;
  /** When it recovered, by the event's time (a failure from before it is stale). */
  recoveredEventAt?: number;
  /** A signal of it came while the service was not muted: it is owed to Slack, even once it is over. */
  due?: boolean;
  /**
   * It had its chance to reach Slack: a signal came while Slack answered and the service was not
   * muted, or the scheduled check ran then while it was the service's incident (a refused post is
   * posted by the next check, as the incident is then, even once it is over).
   */
  deliverable: boolean;
  /**
   * The scheduled check ran (Slack answering, not muted) while it was the service's incident, after its
   * last signal: its message shows its final count. An earlier incident's message that a refusal left
   * behind is caught up only while it is the current one (claim-2.lua): see the report.
   */
  settled: boolean;
  /** Failed tasks (id → reason label) and failed deployments delivered while not muted. */
  tasks: Map<string, string>;
  deploys: string[];
}
interface ServiceModel {
  incidents: Incident[];
  up: boolean;
  /** The scheduled check first saw it at running 0 (cleared when it saw it running). */
  downSince?: number;
  mutedUntil: number;
  /** Every failed task delivered (it may be told, once). */
  allowed: Set<string>;
  routine: Set<string>;
}

let now = T0;
let services: EcsService[] = [];
const aws: { current?: ReturnType<typeof stubAlertAws> } = {};
const options = () => ({
  now: () => now,
  // The bot's waits (update spacing, channel turns) move the model's clock.
  sleep: async (ms: number) => {
    now += ms;
    await new Promise<void>((resolve) => setImmediate(resolve));
  },
});
const h = useE2E(options);
afterEach(() => aws.current?.restore());

const textOf = (m: StoredMessage): string => `${m.text ?? ''}\n${JSON.stringify(m.blocks ?? [])}`;
const isTop = (m: StoredMessage) => !m.thread_ts || m.thread_ts === m.ts;
const isMuteNotice = (m: StoredMessage) => /muted alerts for|unmuted alerts for/.test(m.text ?? '');
/** An alert message's headline count: "a task failed" 1, "N tasks failed" N, else 0. */
const countOf = (m: StoredMessage): number => {
  const t = m.text ?? '';
  const n = /(\d+) tasks failed/.exec(t);
  return n ? Number(n[1]) : /a task failed/.test(t) ? 1 : 0;
};

describe('alerts under random sequences of ECS events, redeliveries, Slack refusals, mutes and time', () => {
  it('one quiet thread per service and incident, in its channel; nothing real missed; a recovery replied once', async () => {
    const seen = { alerts: 0, grouped: 0, recoveries: 0, refused: 0, duplicates: 0, muted: 0, backlog: 0 };
    await fc.assert(
      fc.asyncProperty(fc.array(action, { minLength: 6, maxLength: 24 }), async (actions) => {
        now = T0;
        services = SVCS.map((s) => ({ serviceName: ECS_NAME[s], status: 'ACTIVE', desiredCount: 2, runningCount: 2 }));
        await h.restart(options());
        aws.current?.restore();
        aws.current = stubAlertAws({ services: () => structuredClone(services) });
        const m: Record<Svc, ServiceModel> = {
          web: { incidents: [], up: true, mutedUntil: 0, allowed: new Set(), routine: new Set() },
          worker: { incidents: [], up: true, mutedUntil: 0, allowed: new Set(), routine: new Set() },
        };
        const sent: Json[] = [];
        const queued = { 'chat.postMessage': 0, 'chat.update': 0 };
        let seq = 0;
        const taskIdOf = (n: number) => `${String(n).padStart(8, '0')}aa0000model0000000000000`;
        const send = async (ev: Json) => {
          sent.push(ev);
          await h.event(structuredClone(ev));
        };

        /** README's rule: a signal opens a new incident or joins the open one; returns whether it is stale. */
        const signal = (s: Svc, at: number, kind: 'task' | 'deploy' | 'down'): 'stale' | 'ok' => {
          const sm = m[s];
          const cur = sm.incidents.at(-1);
          if (cur?.recovered && kind !== 'down' && cur.recoveredEventAt !== undefined && at < cur.recoveredEventAt) return 'stale';
          // "and not down": an incident the service-down signal is part of stays open while quiet.
          if (!cur || cur.recovered || (now - cur.lastAt > WINDOW && at - cur.lastFailAt > WINDOW && !cur.down))
            sm.incidents.push({
              lastAt: now,
              lastFailAt: kind === 'down' ? 0 : at,
              recovered: false,
              deliverable: false,
              settled: false,
              tasks: new Map(),
              deploys: [],
            });
          const inc = sm.incidents.at(-1)!;
          inc.lastAt = now;
          inc.settled = false;
          if (kind === 'down') inc.down = true;
          if (kind !== 'down') inc.lastFailAt = Math.max(inc.lastFailAt, at);
          if (now >= sm.mutedUntil) inc.due = true;
          if (now >= sm.mutedUntil && outstanding() === 0) inc.deliverable = true;
          return 'ok';
        };
        /** Refusals queued at the local Slack API that no call has met yet. */
        const outstanding = () =>
          queued['chat.postMessage'] +
          queued['chat.update'] -
          h.slack.calls.filter((c) => (c.method === 'chat.postMessage' || c.method === 'chat.update') && (c.rateLimited || c.failed))
            .length;
        const recover = (s: Svc, at: number, quiet: number) => {
          const inc = m[s].incidents.at(-1);
          if (!inc || inc.recovered || at < inc.lastFailAt || (quiet > 0 && now - inc.lastFailAt < quiet)) return;
          Object.assign(inc, { recovered: true, recoveredEventAt: at, lastAt: now });
        };
        const tick = async () => {
          // What the scheduled check will see, in the oracle's words (README: down after downAfter, recovery on running = desired).
          for (const s of SVCS) {
            const sm = m[s];
            if (!sm.up) {
              sm.downSince ??= now;
              if (now - sm.downSince >= DOWN_AFTER) signal(s, now, 'down');
            } else {
              sm.downSince = undefined;
              recover(s, now, RECOVERY_QUIET);
            }
            // Its catch-up (after the recovery check): an open incident within its window, Slack answering, not muted.
            // Open, or over but owed (a signal counted while not muted, claim-2.lua): posted now, as it is.
            const inc = sm.incidents.at(-1);
            if (inc && (inc.due || (!inc.recovered && now - inc.lastAt <= WINDOW)) && now >= sm.mutedUntil && outstanding() === 0)
              inc.deliverable = true;
            if (inc && now >= sm.mutedUntil && outstanding() === 0) inc.settled = true;
          }
          await h.tick();
        };

        const channelMessages = (s: Svc) => h.slack.messages(CHANNEL[s]);
        const alertsOf = (s: Svc) => channelMessages(s).filter((x) => isTop(x) && !isMuteNotice(x));
        const check = (after: string) => {
          // Nothing anywhere but the alert channels (mute notices: also where the mute was asked).
          for (const msg of h.slack.messages()) {
            const ok =
              (msg.channel === 'CALERTS' && !/\bworker \(prod\)/.test(msg.text ?? '')) ||
              (msg.channel === 'CWORKERTEAM' && !/\bweb \(prod\)/.test(msg.text ?? '')) ||
              (msg.channel === 'CPROD' && isMuteNotice(msg));
            expect({ after, channel: msg.channel, text: msg.text, ok }).toEqual({ after, channel: msg.channel, text: msg.text, ok: true });
          }
          for (const s of SVCS) {
            const all = channelMessages(s);
            const alerts = alertsOf(s);
            // At most one message per incident.
            expect({ after, svc: s, alerts: alerts.length, atMost: Math.min(alerts.length, m[s].incidents.length) }).toEqual({
              after,
              svc: s,
              alerts: alerts.length,
              atMost: alerts.length,
            });
            for (const a of alerts) {
              const thread = all.filter((r) => r.thread_ts === a.ts && r.ts !== a.ts);
              // A recovery is replied once; no reply twice (a duplicate never adds a line).
              const recovered = thread.filter((r) => /Recovered:/.test(r.text ?? ''));
              expect({ after, svc: s, thread: a.ts, recoveredReplies: Math.min(recovered.length, 1) }).toEqual({
                after,
                svc: s,
                thread: a.ts,
                recoveredReplies: recovered.length,
              });
              const texts = thread.map(textOf);
              expect({ after, svc: s, thread: a.ts, replies: [...new Set(texts)].length }).toEqual({
                after,
                svc: s,
                thread: a.ts,
                replies: texts.length,
              });
            }
            // A task is told in one reply at most; a routine stop never.
            const channelText = all.map(textOf);
            for (const id of m[s].allowed) {
              const replies = all.filter((r) => !isTop(r) && textOf(r).includes(id) && !/more events while Slack/.test(r.text ?? ''));
              expect({ after, svc: s, task: id, replies: Math.min(replies.length, 1) }).toEqual({
                after,
                svc: s,
                task: id,
                replies: replies.length,
              });
            }
            for (const id of m[s].routine)
              expect({ after, svc: s, routineTask: id, told: channelText.some((x) => x.includes(id)) }).toEqual({
                after,
                svc: s,
                routineTask: id,
                told: false,
              });
            // Counted at most once: the alerts' counts add up to no more than the failed tasks.
            const counted = alerts.reduce((n, a) => n + countOf(a), 0);
            expect({ after, svc: s, counted, atMost: Math.min(counted, m[s].allowed.size) }).toEqual({
              after,
              svc: s,
              counted,
              atMost: counted,
            });
          }
        };

        const step = async (a: Action) => {
          switch (a.t) {
            case 'fail': {
              const id = taskIdOf(++seq);
              const at = now - a.lateMin * MIN;
              const ev = taskStopped({
                time: at,
                taskId: id,
                service: ECS_NAME[a.svc],
                container: a.svc,
                ...FAILURE[a.kind].opts,
              });
              const stale = signal(a.svc, at - 1000, 'task') === 'stale';
              m[a.svc].allowed.add(id);
              if (!stale && now >= m[a.svc].mutedUntil) m[a.svc].incidents.at(-1)!.tasks.set(id, FAILURE[a.kind].label);
              if (now < m[a.svc].mutedUntil) seen.muted++;
              await send(ev);
              return;
            }
            case 'routine': {
              const id = taskIdOf(++seq);
              m[a.svc].routine.add(id);
              await send(taskStopped({ time: now, taskId: id, service: ECS_NAME[a.svc], container: a.svc, ...ROUTINE[a.kind] }));
              return;
            }
            case 'redeliver': {
              const ev = sent[sent.length - 1 - (a.back % Math.max(1, sent.length))];
              if (!ev) return;
              seen.duplicates++;
              const again = structuredClone(ev);
              // The same event again (Lambda's retry), or the same fact in another event (a new id, a later detail.version).
              if (a.asNew) {
                again.id = `${String(again.id).slice(0, 24)}${String(++seq).padStart(12, '9')}`;
                if (typeof again.detail.version === 'number') again.detail.version += 1;
              }
              await h.event(again);
              return;
            }
            case 'deployFailed': {
              const id = `ecs-svc/90000000000000${String(++seq).padStart(5, '0')}`;
              if (signal(a.svc, now, 'deploy') === 'ok' && now >= m[a.svc].mutedUntil) m[a.svc].incidents.at(-1)!.deploys.push(id);
              await send(deploymentEvent('failed', { time: now, service: ECS_NAME[a.svc], deploymentId: id }));
              return;
            }
            case 'deployCompleted': {
              const id = `ecs-svc/80000000000000${String(++seq).padStart(5, '0')}`;
              recover(a.svc, now, 0);
              await send(deploymentEvent('completed', { time: now, service: ECS_NAME[a.svc], deploymentId: id }));
              return;
            }
            case 'running': {
              m[a.svc].up = a.up;
              const s = services.find((x) => x.serviceName === ECS_NAME[a.svc])!;
              s.runningCount = a.up ? 2 : 0;
              return;
            }
            case 'time':
              now += a.ms;
              if (a.tick) await tick();
              return;
            case 'slackRefuses':
              seen.refused++;
              queued[a.method] += a.times;
              if (a.how === 429) h.slack.rateLimitNext(a.method, 600, a.times);
              else h.slack.failNext(a.method, 'internal_error', a.times);
              return;
            case 'mute': {
              const alert = alertsOf(a.svc).at(-1);
              const actions = (
                alert?.blocks as Array<{ type: string; elements?: Array<{ action_id: string; value: string }> }> | undefined
              )?.find((b) => b.type === 'actions');
              const b = actions?.elements?.find((e) => e.action_id === 'alert:mute');
              if (!alert || !b) return;
              const res = await h.click({
                action_id: b.action_id,
                value: b.value,
                block_id: `alert:prod:${a.svc}`,
                user_id: 'UDEV1',
                channel_id: 'CPROD',
                message_ts: alert.ts,
                message: { ts: alert.ts, blocks: alert.blocks },
              });
              expect(res.statusCode).toBe(200);
              await h.drain();
              m[a.svc].mutedUntil = now + MUTE_FOR;
              return;
            }
          }
        };

        for (const [i, a] of actions.entries()) {
          await step(a);
          check(`step ${i + 1}: ${JSON.stringify(a)}`);
        }

        // The end: Slack answers again (the refusals still queued are used up), the services run,
        // every mute ends; the scheduled check runs.
        for (const method of ['chat.postMessage', 'chat.update'] as const) {
          const refused = () => h.slack.callsTo(method).filter((c) => c.rateLimited || c.failed).length;
          while (refused() < queued[method]) await fetch(`${h.slack.apiUrl}${method}`, { method: 'POST', body: '{}' });
        }
        now = Math.max(now, ...SVCS.map((s) => m[s].mutedUntil));
        for (const s of SVCS) {
          m[s].up = true;
          services.find((x) => x.serviceName === ECS_NAME[s])!.runningCount = 2;
        }
        for (let i = 0; i < 3; i++) {
          now += MIN;
          await tick();
        }
        check('Slack answers again');
        now += RECOVERY_QUIET;
        await tick();
        check('recovered');

        for (const s of SVCS) {
          const all = channelMessages(s);
          const alerts = alertsOf(s);
          const text = all.map(textOf).join('\n');
          const due = m[s].incidents.filter((i, n, all) => i.deliverable && (i.settled || n === all.length - 1));
          const required = new Map(due.flatMap((i) => [...i.tasks]));
          const deploys = due.flatMap((i) => i.deploys);
          // Every failure delivered while not muted is counted, and its reason told.
          const counted = alerts.reduce((n, a) => n + countOf(a), 0);
          expect({ svc: s, counted, atLeast: Math.max(counted, required.size) }).toEqual({ svc: s, counted, atLeast: counted });
          for (const [id, label] of required)
            expect({ svc: s, task: id, label, told: text.includes(label) }).toEqual({ svc: s, task: id, label, told: true });
          for (const id of deploys)
            expect({ svc: s, deployment: id, told: text.includes(id) }).toEqual({ svc: s, deployment: id, told: true });
          // The incident open at the end has recovered, and its message or its thread says so.
          const last = alerts.at(-1);
          if (last && m[s].incidents.at(-1)?.deliverable && required.size + deploys.length > 0) {
            const thread = all.filter((r) => r.thread_ts === last.ts && r.ts !== last.ts);
            const told = /recovered/i.test(last.text ?? '') || thread.some((r) => /Recovered:/.test(r.text ?? ''));
            expect({ svc: s, recoveryTold: told }).toEqual({ svc: s, recoveryTold: true });
          }
          seen.alerts += alerts.length;
          seen.grouped += alerts.filter((a) => countOf(a) > 1).length;
          seen.recoveries += all.filter((r) => !isTop(r) && /Recovered:/.test(r.text ?? '')).length;
          seen.backlog += all.filter((r) => /more events? while Slack/.test(r.text ?? '')).length;
        }
      }),
      { numRuns: Number(process.env.MODEL_RUNS || 20), endOnFailure: true },
    );
    // eslint-disable-next-line no-console
    if (process.env.MODEL_RUNS) console.log('alerts model seen', seen);
    expect(seen.alerts).toBeGreaterThan(10);
    expect(seen.grouped).toBeGreaterThan(0);
    expect(seen.recoveries).toBeGreaterThan(0);
    expect(seen.refused).toBeGreaterThan(0);
    expect(seen.duplicates).toBeGreaterThan(0);
  }, 300_000);
});
