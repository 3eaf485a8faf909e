/**
 * The user-group directory with a bound from a click's budget (src/slack/directory.ts): a lookup
 * Slack does not answer within it counts as failed for that click (the cached membership within
 * its grace, else the refusal) and goes on in the background, filling the cache for the next one.
 */
import { BotError } from '../../src/errors';
import { createLogger, setLogSink } from '../../src/log';
import type { SlackGateway } from '../../src/slack/gateway';
import { createDirectory } from '../../src/slack/directory';
import { FakeClock } from '../helpers/clock';

function slackWith(answers: Array<() => Promise<string[]>>): { gateway: SlackGateway; calls: () => number } {
  let calls = 0;
  const gateway = { groupMembers: () => answers[calls++]!() } as unknown as SlackGateway;
  return { gateway, calls: () => calls };
}

describe('directory lookups within a bound', () => {
  const lines: string[] = [];
  let prev: ReturnType<typeof setLogSink>;
  beforeEach(() => {
    lines.length = 0;
    prev = setLogSink((l) => lines.push(l));
  });
  afterEach(() => setLogSink(prev));

  it('refuses when Slack does not answer within the bound and nothing is cached; the late answer fills the cache', async () => {
    const clock = new FakeClock(0);
    let answer!: (users: string[]) => void;
    const { gateway, calls } = slackWith([() => new Promise<string[]>((r) => (answer = r))]);
    const dir = createDirectory(gateway, createLogger(), { now: clock.now });
    const err = await dir.groupsOf('U1', ['S1'], { withinMs: 20 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BotError);
    expect(lines.some((l) => l.includes('did not answer within the bound') && l.includes('"withinMs":20'))).toBe(true);
    answer(['U1']);
    await new Promise((r) => setImmediate(r));
    // The next click reads the answer that came late, without asking Slack again.
    await expect(dir.groupsOf('U1', ['S1'], { withinMs: 20 })).resolves.toEqual(new Set(['S1']));
    expect(calls()).toBe(1);
  });

  it('uses the cached membership within its grace when the refreshing lookup is cut short', async () => {
    const clock = new FakeClock(0);
    const { gateway } = slackWith([async () => ['U1'], () => new Promise<string[]>(() => undefined)]);
    const dir = createDirectory(gateway, createLogger(), { now: clock.now, ttlMs: 1_000, maxStaleMs: 10_000 });
    await expect(dir.groupsOf('U1', ['S1'])).resolves.toEqual(new Set(['S1']));
    clock.advance(2_000);
    await expect(dir.groupsOf('U1', ['S1'], { withinMs: 20 })).resolves.toEqual(new Set(['S1']));
    expect(lines.some((l) => l.includes('using the cached membership'))).toBe(true);
  });

  it('waits for Slack without a bound (the worker)', async () => {
    const { gateway } = slackWith([() => new Promise<string[]>((r) => setTimeout(() => r(['U2']), 30))]);
    const dir = createDirectory(gateway, createLogger());
    await expect(dir.groupsOf('U2', ['S1'])).resolves.toEqual(new Set(['S1']));
  });
});
