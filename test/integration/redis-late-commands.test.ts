/**
 * A command the bot has given up on never runs later, and a lock whose answer was lost is still
 * ours. Real redis-server behind a TCP proxy that misbehaves on demand (test/helpers/redis-fault-faults.proxy.ts).
 *
 * ioredis resends the commands a dropped connection left unanswered once it reconnects, and sends
 * those issued while disconnected, even when their caller already got "Command timed out": the
 * bot had then said "nothing was changed" (or run a tick without its lock), and the command ran
 * afterwards. src/redis/unsettled.ts drops them.
 */
import type Redis from 'ioredis';
import { createRedis } from '../../src/redis/client';
import { tryLock } from '../../src/redis/locks';
import { useRedisFaultProxy } from '../helpers/redis-fault-proxy';

const faults = useRedisFaultProxy();
let bot: Redis;
beforeEach(async () => {
  faults.proxy.set('pass');
  await (faults.direct as Redis).flushdb();
  bot = createRedis(faults.proxy.url, 'edge') as Redis;
  await bot.ping();
});
afterEach(() => bot.disconnect());

/** Until the bot's client is connected and answering again. */
async function reconnected(): Promise<void> {
  for (let i = 0; i < 100 && bot.status !== 'ready'; i++) await new Promise((r) => setTimeout(r, 20));
  await bot.ping();
}

describe('a command that timed out', () => {
  it('is not sent again after a reconnect (the caller was already told it failed)', async () => {
    faults.proxy.set('silent');
    await expect(bot.set('late', 'ran')).rejects.toThrow('Command timed out');
    // Redis comes back: the connection that swallowed the command is cut, the client reconnects.
    faults.proxy.set('pass');
    faults.proxy.cut();
    await reconnected();
    expect(await faults.direct.get('late')).toBeNull();
  });

  it('leaves a command that is still waiting alone: it is resent and answered', async () => {
    faults.proxy.set('silent');
    const pending = bot.set('resent', 'ran');
    await new Promise((r) => setTimeout(r, 100));
    faults.proxy.set('pass');
    faults.proxy.cut();
    await expect(pending).resolves.toBe('OK');
    expect(await faults.direct.get('resent')).toBe('ran');
  });
});

describe('a lock whose answer was lost', () => {
  it('is held by the one who took it (the resent SET NX finds its own token)', async () => {
    faults.proxy.set('blip');
    const lock = await tryLock(bot, 'tick:{late}', 60_000);
    faults.proxy.set('pass');
    expect(faults.proxy.dropped).toBeGreaterThan(0);
    expect(lock).toBeDefined();
    expect(await faults.direct.get('tick:{late}')).toBe(lock!.token);
  });

  it('is still refused when someone else holds it', async () => {
    await faults.direct.set('tick:{other}', 'someone-else', 'PX', 60_000);
    expect(await tryLock(bot, 'tick:{other}', 60_000)).toBeUndefined();
  });
});
