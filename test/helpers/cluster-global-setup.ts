/**
 * jest globalSetup of jest.cluster.config.js (`npm run test:cluster`): starts a Redis Cluster on
 * loopback (3 primaries, 1 replica each, no persistence; test/helpers/redis-cluster.ts) and points
 * REDIS_URL at it in the cluster URL form (`redis://…,redis://…?cluster=true`), so every suite and
 * the bot's own client (src/redis/cluster.ts) talk to the cluster. REDIS_CLUSTER_URL, when set,
 * names an existing cluster to use instead (never stopped, and flushed by the suites!).
 * global-teardown.ts stops it, as it stops the single node of the other config.
 */
import { publishRedis } from './global-setup';
import { startRedisCluster } from './redis-cluster';

export default async function clusterGlobalSetup(): Promise<void> {
  // REDIS_CLUSTER would turn the suites' deliberately dead single-node URLs into cluster clients.
  delete process.env.REDIS_CLUSTER;
  if (process.env.REDIS_CLUSTER_URL) {
    process.env.REDIS_URL = process.env.REDIS_CLUSTER_URL;
    return;
  }
  const cluster = await startRedisCluster({ masters: 3, replicas: 1 });
  publishRedis(cluster, cluster.pids());
}
