/**
 * jest globalTeardown of jest.cluster.config.js: stops the Redis Cluster started by
 * cluster-global-setup.ts and removes its temp dir. A REDIS_CLUSTER_URL given from outside is left alone.
 */
import { readFileSync, rmSync } from 'node:fs';
import { CLUSTER_HANDLE_KEY, CLUSTER_STATE_ENV } from './cluster-global-setup';
import type { RedisClusterHandle } from './redis-cluster';

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

export default async function clusterGlobalTeardown(): Promise<void> {
  const g = globalThis as Record<string, unknown>;
  const handle = g[CLUSTER_HANDLE_KEY] as RedisClusterHandle | undefined;
  const stateFile = process.env[CLUSTER_STATE_ENV];
  if (handle) {
    await handle.stop();
    delete g[CLUSTER_HANDLE_KEY];
  } else if (stateFile) {
    // Fallback: globalThis was not shared with the setup; kill by pid.
    let state: { dir: string; pids: number[] } | undefined;
    try {
      state = JSON.parse(readFileSync(stateFile, 'utf8')) as { dir: string; pids: number[] };
    } catch {
      state = undefined;
    }
    if (state) {
      for (const pid of state.pids) if (isAlive(pid)) process.kill(pid, 'SIGKILL');
      rmSync(state.dir, { recursive: true, force: true });
    }
  }
  if (stateFile) {
    rmSync(stateFile, { force: true });
    delete process.env[CLUSTER_STATE_ENV];
    delete process.env.REDIS_URL;
  }
}
