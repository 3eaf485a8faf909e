/**
 * While Redis is down, no command of the bot's client is left waiting out its command timeout.
 *
 * ioredis sends a handshake on every connection it opens (HELLO, SELECT, CLIENT SETINFO), each with
 * the profile's command timeout (worker: 5 s). With Redis unreachable behind a load balancer or a
 * proxy, the TCP connect succeeds and the connection is cut before the handshake is answered; the
 * next attempt replaced the queue of unanswered commands without settling them, so every attempt
 * left its handshake pending, each with a live 5 s timer, even after the client had quit. Those
 * timers kept the process alive: jest's "A worker process has failed to exit gracefully" after
 * test/e2e/notices-race.test.ts and alerts-redis-faults.test.ts, and a Lambda environment that kept
 * timers for connections long gone. src/redis/unsettled.ts settles them when their connection is
 * replaced. Real redis-server behind the fault proxy (test/helpers/redis-fault-proxy.ts).
 */
import type { Command } from 'ioredis';
import type Redis from 'ioredis';
import { createRedis } from '../../src/redis/client';
import { useRedisFaultProxy } from '../helpers/redis-fault-proxy';

const faults = useRedisFaultProxy();
afterEach(() => faults.proxy.set('pass'));

/** The bot's client for `profile`, and every command it sent (its handshakes included). */
function watchedClient(profile: 'edge' | 'worker'): { bot: Redis; sent: Command[] } {
  const bot = createRedis(faults.proxy.url, profile) as Redis;
  const sent: Command[] = [];
  const send = bot.sendCommand.bind(bot) as (command: Command, ...rest: unknown[]) => unknown;
  (bot as { sendCommand: (command: Command, ...rest: unknown[]) => unknown }).sendCommand = (command, ...rest) => {
    sent.push(command);
    return send(command, ...rest);
  };
  return { bot, sent };
}

const waiting = (sent: Command[]) => sent.filter((c) => !c.isSettled).map((c) => c.name);

describe.each(['worker', 'edge'] as const)('Redis down, then back (%s profile)', (profile) => {
  it('every connection attempt cut during its handshake has its handshake settled: nothing waits after quit', async () => {
    faults.proxy.set('down');
    const { bot, sent } = watchedClient(profile);
    // Fails after the profile's retries: several connections opened and cut mid-handshake.
    await expect(bot.ping()).rejects.toThrow();
    const attempts = sent.filter((c) => c.name === 'hello').length;
    expect(attempts).toBeGreaterThan(1);
    faults.proxy.set('pass');
    for (let i = 0; i < 100 && bot.status !== 'ready'; i++) await new Promise((r) => setTimeout(r, 20));
    expect(await bot.ping()).toBe('PONG');
    await bot.quit();
    // Every command sent is answered or failed now, not in 5 s (the worker's command timeout).
    await new Promise((r) => setTimeout(r, 50));
    expect(waiting(sent)).toEqual([]);
  });

  it('closed while Redis is still down: nothing left waiting, and no attempt to connect after', async () => {
    faults.proxy.set('down');
    const { bot, sent } = watchedClient(profile);
    await expect(bot.ping()).rejects.toThrow();
    bot.disconnect();
    const attempts = sent.filter((c) => c.name === 'hello').length;
    await new Promise((r) => setTimeout(r, 50));
    expect(waiting(sent)).toEqual([]);
    // No reconnect loop left behind (the back-off is at most 2 s; Redis answers again meanwhile).
    faults.proxy.set('pass');
    await new Promise((r) => setTimeout(r, 2_100));
    expect(sent.filter((c) => c.name === 'hello')).toHaveLength(attempts);
  });
});
