/**
 * The admit script (src/edge/rate.ts) within a typed command's budget: a Redis that takes the
 * connection and never answers (a TCP server that reads and says nothing, as a stalled node does),
 * reached with the edge's own client options. The script waits what the budget leaves it (never
 * under one round trip's floor) instead of its whole 1-second timeout; a read goes on unclaimed, a
 * change is refused with "nothing was changed". The deploy form's tags cache read
 * (src/surfaces/deploy-modal.ts tagsNow) likewise waits what is left but the views call's reserve,
 * and the form then shows "loading". The bound is read from the budget's record, computed on an
 * injected clock; nothing asserts how long anything took.
 */
import net from 'node:net';
import Redis from 'ioredis';
import { admitCommand, ADMIT_OWN_MS } from '../../src/edge/rate';
import { redisOptions } from '../../src/redis/client';
import type { Runtime } from '../../src/runtime';
import { CLICK_BUDGET_MS, createClickBudget, MIN_STEP_MS, RESERVE } from '../../src/slack/click-budget';
import { tagsNow } from '../../src/surfaces/deploy-modal';
import type { Invocation } from '../../src/slack/invocation';
import { FakeClock } from '../helpers/clock';

describe("the admit script and the deploy form's tags read within the budget, Redis not answering", () => {
  let server: net.Server;
  let sockets: net.Socket[] = [];
  let redis: Redis;
  let rt: Runtime;
  const warned: string[] = [];

  beforeAll(async () => {
    server = net.createServer((socket) => {
      sockets.push(socket);
      socket.on('data', () => undefined); // reads every command, answers none
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as net.AddressInfo;
    // Connects on the first command (as on Lambda); the handshake is not answered either.
    redis = new Redis({ ...redisOptions('edge'), host: '127.0.0.1', port });
    redis.on('error', () => undefined);
    rt = {
      redis,
      config: { limits: { commandsPerUserPerMinute: 20 } },
      people: { fromCache: () => 'en' },
      log: { warn: (msg: string) => warned.push(msg), info: () => undefined },
    } as unknown as Runtime;
  });
  afterAll(async () => {
    redis.disconnect();
    for (const s of sockets) s.destroy();
    sockets = [];
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  const inv = (id: string): Invocation => ({ id, text: 'deploy web v1', userId: 'UDEV1', channelId: 'CPROD', receivedAt: 0 });

  it('a change whose group lookup spent the budget: the script gets its floor, then the command is refused (nothing handed off)', async () => {
    const clock = new FakeClock(0);
    const budget = createClickBudget(clock.now);
    clock.advance(CLICK_BUDGET_MS - 600); // the lookup took that long
    await expect(admitCommand(rt, inv('cmd-a'), 'change', budget)).rejects.toMatchObject({
      code: 'STORE_UNAVAILABLE',
      userMessage: expect.stringContaining('nothing was changed'),
    });
    // min(1 s, 600 − the hand-off and the answer) is under the floor: one healthy round trip's time.
    expect(budget.steps).toEqual([{ step: 'admit', boundMs: RESERVE.transition, outcome: 'cutShort' }]);
  });

  it('a read with time to spare: the script waits up to what is left but the hand-off and the answer, then the read goes on unclaimed', async () => {
    const clock = new FakeClock(0);
    const budget = createClickBudget(clock.now);
    clock.advance(1_300);
    expect(await admitCommand(rt, inv('cmd-b'), 'read', budget)).toEqual({ fresh: true });
    const bound = CLICK_BUDGET_MS - 1_300 - RESERVE.handOff - RESERVE.answer;
    expect(bound).toBeLessThan(ADMIT_OWN_MS);
    expect(budget.steps).toEqual([{ step: 'admit', boundMs: bound, outcome: 'cutShort' }]);
    expect(warned).toContain('redis unavailable; read-only command runs without duplicate check or rate limit');
  });

  it('the deploy form\'s tags cache read: it waits what is left but the views call\'s reserve, then the form shows "loading"', async () => {
    const clock = new FakeClock(0);
    const budget = createClickBudget(clock.now);
    clock.advance(1_500); // the reader's language and the group lookups took that long
    const withTags = {
      ...rt,
      config: { services: { web: { environment: 'prod', repository: 'web-repo' } } },
      now: clock.now,
    } as unknown as Runtime;
    expect(await tagsNow(withTags, 'prod', 'web', budget)).toEqual({ state: 'loading', repository: 'web-repo' });
    const bound = CLICK_BUDGET_MS - 1_500 - RESERVE.openView;
    expect(bound).toBeLessThan(1_000); // Redis's own bound, which it waited before
    // Cut short by the bound, or failed within it when the client gave up the unanswered connection first.
    expect(budget.steps).toEqual([{ step: 'formTags', boundMs: bound, outcome: expect.stringMatching(/^(cutShort|failed)$/) }]);
  });

  it('the tags cache read with the budget spent still gets one round trip (skipping it would cost a hand-off)', async () => {
    const clock = new FakeClock(0);
    const budget = createClickBudget(clock.now);
    clock.advance(CLICK_BUDGET_MS);
    const withTags = { ...rt, config: { services: {} }, now: clock.now } as unknown as Runtime;
    expect(await tagsNow(withTags, 'prod', 'web', budget)).toEqual({ state: 'loading', repository: 'web' });
    expect(budget.steps).toEqual([{ step: 'formTags', boundMs: MIN_STEP_MS, outcome: expect.stringMatching(/^(cutShort|failed)$/) }]);
  });
});
