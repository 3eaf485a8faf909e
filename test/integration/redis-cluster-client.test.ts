/**
 * The cluster client when no node can be reached (a cold start while the cluster is unreachable):
 * a command, a pipeline and a transaction each fail with "store unavailable" within the profile's
 * command timeout instead of waiting for the cluster forever. Runs without any cluster (a closed
 * port), so it is part of `npm test`.
 */
import { readGuards } from '../../src/approvals/guards';
import { createRedis, withStore, type RedisClient } from '../../src/redis/client';
import { getFreePort } from '../helpers/redis';

describe('cluster client with every node unreachable', () => {
  let redis: RedisClient;
  beforeAll(async () => {
    const port = await getFreePort(); // nothing listens there
    redis = createRedis(`redis://127.0.0.1:${port}?cluster=true`, 'edge');
  });
  afterAll(() => {
    redis.disconnect();
  });

  it.each([
    ['a command', () => redis.set('seen:{x}', '1', 'EX', 60, 'NX')],
    ['a script', () => redis.eval("return redis.call('GET', KEYS[1])", 1, 'seen:{x}')],
    ['pipelines, one per slot', () => readGuards(redis, 'prod', ['web', 'worker'])],
    ['a transaction', () => redis.multi().set('down:{svc:prod:web}', '1').get('down:{svc:prod:web}').exec()],
  ])('%s: STORE_UNAVAILABLE, inside Slack’s 3 seconds', async (_what, op) => {
    const started = Date.now();
    await expect(withStore(op)).rejects.toMatchObject({ code: 'STORE_UNAVAILABLE' });
    // Not a speed measurement: the hard 3-second contract with Slack (the edge timeout is 1 s).
    expect(Date.now() - started).toBeLessThan(3000);
  });
});
