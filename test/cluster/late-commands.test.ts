/**
 * On a Redis Cluster too, a command whose caller already has its answer is never sent
 * (src/redis/unsettled.ts): the cluster client's own queue and every node's connection drop it, so
 * a command that timed out while the cluster reconnected does not run afterwards. A command still
 * waiting goes as usual. (The single-node client: test/integration/redis-late-commands.test.ts.)
 */
import calculateSlot from 'cluster-key-slot';
import { Command, type Cluster, type Redis } from 'ioredis';
import { createRedis } from '../../src/redis/client';
import { testRedis } from '../helpers/redis';

describe("the cluster client and its nodes' connections", () => {
  let bot: Cluster;
  let direct: ReturnType<typeof testRedis>;
  beforeAll(async () => {
    bot = createRedis(process.env.REDIS_URL!, 'edge', undefined, { cluster: 'true' }) as Cluster;
    direct = testRedis();
    await bot.ping();
  });
  afterAll(async () => {
    bot.disconnect();
    await direct.quit();
  });

  /** A SET whose caller already gave up on it (as a command timeout leaves it). */
  const givenUp = (key: string): Command => {
    const command = new Command('set', [key, 'ran']);
    command.reject(new Error('Command timed out'));
    command.promise.catch(() => undefined);
    return command;
  };

  it('the cluster does not send a command already answered', async () => {
    void bot.sendCommand(givenUp('late:{a}'));
    await bot.get('late:{a}'); // after the one before it, on the same node
    expect(await direct.get('late:{a}')).toBeNull();
  });

  /** A key the node serves (a command for it is run there, not answered MOVED). */
  const keyOf = (node: Redis): string => {
    const at = `${node.options.host}:${node.options.port}`;
    for (let i = 0; ; i++) if ((bot.slots[calculateSlot(`late:{n${i}}`)] ?? [])[0] === at) return `late:{n${i}}`;
  };

  it("no node's connection sends one either, and a waiting command still goes", async () => {
    const nodes = bot.nodes('master');
    expect(nodes.length).toBeGreaterThan(1);
    for (const node of nodes) {
      node.sendCommand(givenUp(keyOf(node)));
      // The same command not given up on is run by that node: the key is one it serves.
      await node.sendCommand(new Command('set', [`${keyOf(node)}:control`, 'ran']));
    }
    for (const node of nodes) {
      expect(await direct.get(keyOf(node))).toBeNull();
      expect(await direct.get(`${keyOf(node)}:control`)).toBe('ran');
    }
  });
});
