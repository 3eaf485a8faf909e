/**
 * Alert posts said once, across a replaced incident and in the backlog's own replies (session 18's
 * gaps): a first post that got no answer and whose incident was replaced before anyone looked is
 * found by the check and brought to its end (its mark `u:post` travels with the replaced incident
 * into `alertbehind:{svc:E:S}`); the summary of lines that could not be posted, answered late, is
 * looked for before it is said again; a keyed reply said by the check is the same message it was
 * (its blocks and its notification text), not one section rebuilt from its text. Events and
 * scheduled handlers, real Redis, the local Slack Web API server over HTTP.
 */
import { useAlertsE2E } from '../helpers/alerts-e2e';
import { taskStopped, OOM, PULL_FAILED } from '../fixtures/events/samples';
import { keys } from '../../src/redis/keys';
import { addToBacklog } from '../../src/alerts/backlog';
import { PAST_THE_WORKER_BOUND_MS, SHORT_WORKER_SLACK_BOUND } from '../helpers/slack-bound';

const { e2e, clock } = useAlertsE2E({ services: [], setup: () => ({ env: SHORT_WORKER_SLACK_BOUND }) });

const svc = { environment: 'prod', alias: 'web' };
const alerts = () => e2e.slack.messages('CALERTS').filter((m) => !m.thread_ts || m.thread_ts === m.ts);
const threadOf = (ts: string) => e2e.slack.messages('CALERTS').filter((r) => r.thread_ts === ts && r.ts !== ts);
/** What a message shows: its notification text and its blocks. */
const textOf = (ts: string) => {
  const m = e2e.slack.message('CALERTS', ts)!;
  return `${m.text ?? ''}\n${JSON.stringify(m.blocks ?? [])}`;
};
const updatesOf = (ts: string) => e2e.slack.callsTo('chat.update').filter((c) => c.body.ts === ts && c.rateLimited !== true && !c.failed);
const tickLater = async () => {
  clock.advance(60_000);
  await e2e.tick();
};

/**
 * web's first post held by Slack past the worker's bound (`answer`: how Slack finally answers it);
 * two more failures counted meanwhile; then, 31 quiet minutes later (no check ran), a new incident.
 */
async function firstPostUnansweredThenReplaced(answer: 'lands' | 'refused'): Promise<void> {
  let held = false;
  e2e.slack.handle('chat.postMessage', async (_body, _call, builtin) => {
    if (held) return builtin!();
    held = true;
    await new Promise((r) => setTimeout(r, PAST_THE_WORKER_BOUND_MS));
    return answer === 'lands' ? builtin!() : { ok: false, error: 'internal_error' };
  });
  const first = e2e.event(taskStopped({ time: clock.now(), ...OOM }));
  await e2e.slack.waitFor(() => held, 5_000, 'the first post is held');
  for (let i = 0; i < 2; i++) {
    clock.advance(5_000);
    await e2e.event(taskStopped({ time: clock.now(), ...OOM }));
  }
  await first;
  await e2e.slack.waitFor((calls) => calls.filter((c) => c.method === 'chat.postMessage').every((c) => c.response !== undefined), 15_000);
  expect(await e2e.rt.redis.hget(keys.incident('prod', 'web'), 'u:post')).not.toBeNull();
  clock.advance(31 * 60_000);
  await e2e.event(taskStopped({ time: clock.now(), ...PULL_FAILED }));
}

describe('a first post that got no answer, its incident replaced before anyone looked', () => {
  it('landed: the check finds it and brings it to its end, once; the newer message no longer says it was not posted', async () => {
    await firstPostUnansweredThenReplaced('lands');
    expect(alerts()).toHaveLength(2);
    const old = alerts()[0]!;
    const newer = alerts()[1]!;
    expect(textOf(old.ts)).toContain('a task failed');
    expect(textOf(newer.ts)).toContain('Not posted earlier');
    await tickLater();
    // Before: the old message stayed at "a task failed" (its mark wiped with the incident) and the newer one said it again.
    expect(textOf(old.ts)).toContain('3 tasks failed');
    expect(updatesOf(old.ts)).toHaveLength(1);
    expect(
      e2e.logs.filter((l) => l.msg === 'alert: an earlier incident’s first post that got no answer had landed; bringing it to its end'),
    ).toHaveLength(1);
    await tickLater();
    expect(textOf(newer.ts)).not.toContain('Not posted earlier');
    await tickLater();
    expect(alerts()).toHaveLength(2);
    expect(updatesOf(old.ts)).toHaveLength(1);
    expect(await e2e.rt.redis.exists(keys.alertBehind('prod', 'web'))).toBe(0);
  }, 40_000);

  it('not landed: nothing is looked for again, the newer message tells it', async () => {
    await firstPostUnansweredThenReplaced('refused');
    expect(alerts()).toHaveLength(1);
    const newer = alerts()[0]!;
    expect(textOf(newer.ts)).toContain('Not posted earlier');
    await tickLater();
    await tickLater();
    expect(alerts()).toHaveLength(1);
    expect(textOf(newer.ts)).toContain('Not posted earlier');
    expect(e2e.slack.callsTo('conversations.history').length).toBeLessThanOrEqual(1);
    expect(await e2e.rt.redis.exists(keys.alertBehind('prod', 'web'))).toBe(0);
  }, 40_000);
});

it('the summary of lines that could not be posted, answered late: the next check finds it, said once', async () => {
  await e2e.event(taskStopped({ time: clock.now(), ...OOM }));
  const alert = alerts()[0]!;
  const at = { channel: 'CALERTS', ts: alert.ts };
  // Three incidents' lines wait (at most 2 may): the oldest's are counted in the summary.
  await addToBacklog(e2e.rt.redis, svc, { gen: 101, ...at }, ['line of 101'], 1, clock.now());
  await addToBacklog(e2e.rt.redis, svc, { gen: 102, ...at }, ['line of 102'], 1, clock.now());
  await addToBacklog(e2e.rt.redis, svc, { gen: 103, ...at }, ['line of 103'], 1, clock.now());
  // Slack takes the summary but answers after the check stopped waiting.
  let held = false;
  e2e.slack.handle('chat.postMessage', async (body, _call, builtin) => {
    if (held || !String(body.text ?? '').includes('could not be posted')) return builtin!();
    held = true;
    await new Promise((r) => setTimeout(r, PAST_THE_WORKER_BOUND_MS));
    return builtin!();
  });
  const summaries = () => threadOf(alert.ts).filter((m) => (m.text ?? '').includes('could not be posted'));
  await tickLater();
  await e2e.slack.waitFor(() => summaries().length > 0, 5_000, 'the late summary lands');
  expect(held).toBe(true);
  expect(summaries()).toHaveLength(1);
  await tickLater();
  await tickLater();
  // Before: taken again without its mark and said a second time.
  expect(summaries()).toHaveLength(1);
  expect(e2e.logs.filter((l) => l.msg === 'an earlier post that got no answer had landed; not posting it again')).toHaveLength(1);
  expect(threadOf(alert.ts).filter((m) => JSON.stringify(m.blocks).includes('line of 10'))).toHaveLength(2);
  expect(await e2e.rt.redis.exists(keys.alertBacklog('prod', 'web'))).toBe(0);
}, 40_000);

it('a thread reply that got no answer and had not landed: the check says the same message (its blocks and text), once', async () => {
  await e2e.event(taskStopped({ time: clock.now(), ...OOM }));
  const alert = alerts()[0]!;
  // The new reason's reply: held past the worker's bound, then refused (it never landed).
  let sent: { text?: unknown; blocks?: unknown } | undefined;
  e2e.slack.handle('chat.postMessage', async (body, _call, builtin) => {
    if (sent || body.thread_ts !== alert.ts) return builtin!();
    sent = { text: body.text, blocks: typeof body.blocks === 'string' ? JSON.parse(body.blocks) : body.blocks };
    await new Promise((r) => setTimeout(r, PAST_THE_WORKER_BOUND_MS));
    return { ok: false, error: 'internal_error' };
  });
  clock.advance(10_000);
  await e2e.event(taskStopped({ time: clock.now(), ...PULL_FAILED }));
  expect(sent).toBeDefined();
  expect((sent!.blocks as unknown[]).length).toBeGreaterThan(1);
  expect(threadOf(alert.ts)).toHaveLength(0);
  await e2e.slack.waitFor((calls) => calls.filter((c) => c.method === 'chat.postMessage').every((c) => c.response !== undefined), 15_000);
  await tickLater();
  await tickLater();
  const replies = threadOf(alert.ts);
  expect(replies).toHaveLength(1);
  // Before: one section of the sections' texts, and that as its notification text.
  expect(replies[0]!.blocks).toEqual(sent!.blocks);
  expect(replies[0]!.text).toBe(sent!.text);
  expect(await e2e.rt.redis.exists(keys.alertBacklog('prod', 'web'))).toBe(0);
}, 40_000);
