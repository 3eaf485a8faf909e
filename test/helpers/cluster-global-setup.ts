/**
 * jest globalSetup of jest.cluster.config.js (`npm run test:cluster`): starts a Redis Cluster on
 * loopback (3 primaries, 1 replica each, no persistence; test/helpers/redis-cluster.ts) and points
 * REDIS_URL at it in the cluster URL form (`redis://…,redis://…?cluster=true`), so every suite and
 * the bot's own client (src/redis/cluster.ts) talk to the cluster. REDIS_CLUSTER_URL, when set,
 * names an existing cluster to use instead (never stopped, and flushed by the suites!).
 */
import { writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startRedisCluster, type RedisClusterHandle } from './redis-cluster';

/** Shared with cluster-global-teardown.ts (same process, same globalThis). */
export const CLUSTER_HANDLE_KEY = '__ecsChatopsTestCluster__';
/** Env var naming a file with {dir}: a fallback for teardown if globalThis was not shared. */
export const CLUSTER_STATE_ENV = 'ECS_CHATOPS_TEST_CLUSTER_STATE';

export default async function clusterGlobalSetup(): Promise<void> {
  // REDIS_CLUSTER would turn the suites' deliberately dead single-node URLs into cluster clients.
  delete process.env.REDIS_CLUSTER;
  if (process.env.REDIS_CLUSTER_URL) {
    process.env.REDIS_URL = process.env.REDIS_CLUSTER_URL;
    return;
  }
  const cluster: RedisClusterHandle = await startRedisCluster({ masters: 3, replicas: 1 });
  (globalThis as Record<string, unknown>)[CLUSTER_HANDLE_KEY] = cluster;
  const stateFile = path.join(os.tmpdir(), `ecs-chatops-test-cluster-${process.pid}.json`);
  writeFileSync(stateFile, JSON.stringify({ dir: cluster.dir, pids: cluster.pids(), url: cluster.url }));
  process.env[CLUSTER_STATE_ENV] = stateFile;
  process.env.REDIS_URL = cluster.url;
}
