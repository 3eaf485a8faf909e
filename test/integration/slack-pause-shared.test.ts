/**
 * Slack's 429 pauses shared across processes (src/slack/patient.run.ts with
 * src/redis/slack-pause.ts): the worker's, the events' and the scheduled function's containers
 * each have their own Slack client, so a Retry-After one of them got is recorded in Redis for its
 * scope, and the others' calls in that scope wait it out instead of each meeting Slack's limit.
 * Real Redis (one node, or the cluster of `npm run test:cluster`), the local Slack API whose limit
 * is a window (every call inside it answers 429, as Slack's does), and a Redis that is down or
 * never answers: the call still goes out, within the read's short bound.
 */
import { createServer, type Server, type Socket } from 'node:net';
import type { Cluster, Redis } from 'ioredis';
import { startSlackServer, type SlackServer } from '../helpers/slack-server';
import { getFreePort, useFlushedRedis } from '../helpers/redis';
import { createSlackGateway } from '../../src/slack/gateway';
import type { SharedPauses } from '../../src/slack/patient.run';
import { createRedis, type RedisClient } from '../../src/redis/client';
import { redisSlackPauses } from '../../src/redis/slack-pause';
import { keys } from '../../src/redis/keys';
import { createLogger, setLogSink } from '../../src/log';

describe("Slack's 429 pauses shared across processes through Redis", () => {
  let slack: SlackServer;
  let redis: Redis | Cluster;
  let restore: ReturnType<typeof setLogSink>;
  const lines: Array<Record<string, unknown>> = [];
  /** The processes' own Redis clients (the product's, worker profile), each as a container would have. */
  const clients: RedisClient[] = [];

  useFlushedRedis((c) => (redis = c));
  beforeAll(async () => {
    slack = await startSlackServer();
    restore = setLogSink((line) => lines.push(JSON.parse(line) as Record<string, unknown>));
  });
  afterEach(() => {
    slack.reset();
    lines.length = 0;
    for (const c of clients.splice(0)) c.disconnect();
  });
  afterAll(async () => {
    setLogSink(restore);
    await slack.close();
  });

  const processRedis = (url = process.env.REDIS_URL!): RedisClient => {
    const c = createRedis(url, 'worker', undefined, { cluster: process.env.REDIS_CLUSTER });
    clients.push(c);
    return c;
  };
  /** A process's Slack gateway (the worker's patient client) sharing its pauses through `pauses`. */
  const gateway = (pauses: SharedPauses) =>
    createSlackGateway('xoxb-test-token', createLogger(), { SLACK_API_URL: slack.apiUrl }, false, undefined, pauses);
  /** `pauses` with every read counted, and whether the last one has answered yet. */
  const counted = (pauses: SharedPauses) => {
    const reads: string[] = [];
    let settled = true;
    return {
      reads,
      settled: () => settled,
      pauses: {
        remaining(scope: string) {
          reads.push(scope);
          settled = false;
          return pauses.remaining(scope).finally(() => (settled = true));
        },
        record: (scope: string, ms: number, after: number) => pauses.record(scope, ms, after),
      } satisfies SharedPauses,
    };
  };
  const waitUntil = async (what: () => boolean | Promise<boolean>) => {
    while (!(await what())) await new Promise((r) => setTimeout(r, 5));
  };
  const landed = (text: string) => slack.callsTo('chat.postMessage').filter((c) => c.body.text === text && !c.rateLimited);

  it("a second process waits out the first one's 429 without getting its own, and both messages land", async () => {
    const [first, second] = [gateway(redisSlackPauses(processRedis())), gateway(redisSlackPauses(processRedis()))];
    slack.rateLimitWindow('chat.postMessage', 2);
    const posting = first.post('C1', { text: 'first', blocks: [] });
    // The first process got its 429 and recorded the pause for the channel's scope (it expires with the pause).
    await waitUntil(async () => (await redis.pttl(keys.slackPause('chat.postMessage C1'))) > 0);
    expect(await redis.get(keys.slackPause('chat.postMessage C1'))).toBe('2');
    await second.post('C1', { text: 'second', blocks: [] });
    await posting;
    // Before, the second process went at once, met the limit (its own 429) and waited out its own Retry-After.
    expect(slack.callsTo('chat.postMessage').filter((c) => c.rateLimited)).toHaveLength(1);
    expect(landed('first')).toHaveLength(1);
    expect(landed('second')).toHaveLength(1);
    expect(lines).toContainEqual(
      expect.objectContaining({ msg: 'slack scope paused by a 429 of another process: waiting with it', scope: 'chat.postMessage C1' }),
    );
  });

  it('(guard) the scope is shared, not the method: another channel of a second process is not held back', async () => {
    const [first, second] = [gateway(redisSlackPauses(processRedis())), gateway(redisSlackPauses(processRedis()))];
    slack.rateLimitNext('chat.postMessage', 2);
    const posting = first.post('C1', { text: 'first', blocks: [] });
    await waitUntil(async () => (await redis.pttl(keys.slackPause('chat.postMessage C1'))) > 0);
    await second.post('C2', { text: 'elsewhere', blocks: [] });
    await posting;
    // Sent before the first process's own retry (which waits the whole Retry-After).
    expect(landed('elsewhere')[0]!.at).toBeLessThan(landed('first')[0]!.at);
  });

  it("one read per call, none while the process's own pause answers", async () => {
    const spy = counted(redisSlackPauses(processRedis()));
    const gw = gateway(spy.pauses);
    slack.rateLimitNext('chat.postMessage', 1);
    const posting = gw.post('C1', { text: 'first', blocks: [] });
    await waitUntil(() => lines.some((l) => String(l.msg).startsWith('slack 429: waiting out')));
    await gw.post('C1', { text: 'second', blocks: [] }); // held back by the process's own pause: no read
    await posting; // its retry after the Retry-After: no second read
    expect(spy.reads).toEqual(['chat.postMessage C1']);
    await gw.post('C1', { text: 'third', blocks: [] }); // the pause is over: this call reads once
    expect(spy.reads).toEqual(['chat.postMessage C1', 'chat.postMessage C1']);
  });

  describe('two 429s of a scope recorded in either order: the pause lasts to the later end', () => {
    const scope = 'chat.postMessage C9';
    it.each([
      ['the longer first', [3_000, 1_000]],
      ['the shorter first', [1_000, 3_000]],
    ])('%s', async (_, [a, b]) => {
      const [one, two] = [redisSlackPauses(processRedis()), redisSlackPauses(processRedis())];
      expect(await one.record(scope, a!, a! / 1000)).toBe(a);
      const now = await two.record(scope, b!, b! / 1000);
      // What the scope is paused for now: the later end, also as the second recorder's answer.
      expect(now).toBeGreaterThan(2_800);
      expect(await redis.pttl(keys.slackPause(scope))).toBeGreaterThan(2_800);
      expect(await redis.get(keys.slackPause(scope))).toBe('3');
      expect(await one.remaining(scope)).toBeGreaterThan(2_800);
    });

    it("a shorter 429 recorded after a longer one: a third process's call still waits for the longer end and meets no 429", async () => {
      const first = gateway(redisSlackPauses(processRedis()));
      slack.rateLimitWindow('chat.postMessage', 3);
      const started = Date.now();
      const posting = first.post('C1', { text: 'first', blocks: [] });
      await waitUntil(async () => (await redis.pttl(keys.slackPause('chat.postMessage C1'))) > 0);
      // Another process's 429 of the scope with a shorter Retry-After, recorded last (its record was slower).
      await redisSlackPauses(processRedis()).record('chat.postMessage C1', 1_000, 1);
      await new Promise((r) => setTimeout(r, 1_300 - (Date.now() - started)));
      await gateway(redisSlackPauses(processRedis())).post('C1', { text: 'third', blocks: [] });
      await posting;
      // Before, the pause ended with the shorter one: the third process went at 1.3 s, inside Slack's window, and got a 429.
      expect(slack.callsTo('chat.postMessage').filter((c) => c.rateLimited)).toHaveLength(1);
      expect(landed('third')[0]!.at - started).toBeGreaterThanOrEqual(2_900);
      expect(landed('first')).toHaveLength(1);
    });

    it("the process that recorded the shorter one waits for the longer end too (the record's answer)", async () => {
      await redisSlackPauses(processRedis()).record('chat.postMessage C1', 3_000, 3);
      const started = Date.now();
      const pauses = redisSlackPauses(processRedis());
      // Its read of the shared pause was made before the longer one was recorded (two 429s in flight at once).
      const gw = gateway({ remaining: async () => 0, record: (s, ms, after) => pauses.record(s, ms, after) });
      slack.rateLimitNext('chat.postMessage', 1);
      await gw.post('C1', { text: 'second', blocks: [] });
      // Before, it went again after its own Retry-After (1 s), inside the other process's pause.
      expect(landed('second')[0]!.at - started).toBeGreaterThanOrEqual(2_800);
    });
  });

  describe('a store that is down or does not answer', () => {
    let hung: Server | undefined;
    const sockets = new Set<Socket>();
    afterEach(async () => {
      for (const s of sockets) s.destroy();
      sockets.clear();
      const server = hung;
      hung = undefined;
      if (server) await new Promise((r) => server.close(r));
    });

    it('Redis that accepts and never answers: the call goes out while the read is still unanswered, and lands', async () => {
      const server = (hung = createServer((s) => {
        sockets.add(s);
        s.on('error', () => undefined);
      }));
      const port = await getFreePort();
      await new Promise<void>((r) => server.listen(port, '127.0.0.1', r));
      const spy = counted(redisSlackPauses(processRedis(`redis://127.0.0.1:${port}`)));
      await gateway(spy.pauses).post('C1', { text: 'hello', blocks: [] });
      expect(spy.reads).toEqual(['chat.postMessage C1']);
      expect(spy.settled()).toBe(false);
      expect(landed('hello')).toHaveLength(1);
      expect(lines).toContainEqual(expect.objectContaining({ level: 'warn', msg: 'shared slack pause not read in time; calling Slack' }));
    });

    it('(guard) Redis stopped (nothing listens): the call goes out and lands; a 429 then is waited out as before', async () => {
      const url = `redis://127.0.0.1:${await getFreePort()}`;
      const gw = gateway(redisSlackPauses(processRedis(url)));
      await gw.post('C1', { text: 'hello', blocks: [] });
      slack.rateLimitNext('chat.postMessage', 1);
      await gw.post('C1', { text: 'again', blocks: [] });
      expect(landed('hello')).toHaveLength(1);
      expect(landed('again')).toHaveLength(1);
    });
  });

  it("(guard) the Slack function's gateway (every call within the ack) never reads or records a shared pause", async () => {
    const loads: string[] = [];
    const refuse = (what: string) => {
      loads.push(what);
      throw new Error('the Slack function must not use the shared pauses');
    };
    const gw = createSlackGateway('xoxb-test-token', createLogger(), { SLACK_API_URL: slack.apiUrl }, true, undefined, {
      remaining: async () => refuse('remaining'),
      record: async () => refuse('record'),
    });
    slack.rateLimitNext('chat.postMessage', 1);
    await expect(gw.post('C1', { text: 'hello', blocks: [] })).rejects.toThrow();
    await gw.post('C1', { text: 'hello', blocks: [] });
    expect(loads).toEqual([]);
  });
});
