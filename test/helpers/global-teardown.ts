/**
 * jest globalTeardown (both configs): stops the redis-server started by global-setup.ts, or the
 * Redis Cluster started by cluster-global-setup.ts, and removes its temp dir. A REDIS_URL (or
 * REDIS_CLUSTER_URL) given from outside is left alone.
 */
import { readFileSync, rmSync } from 'node:fs';
import { REDIS_HANDLE_KEY, REDIS_STATE_ENV, RUN_DIR_ENV, type StartedRedis } from './global-setup';

interface RedisState {
  pids: number[];
  dir: string;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

export default async function globalTeardown(): Promise<void> {
  const runDir = process.env[RUN_DIR_ENV];
  if (runDir) {
    rmSync(runDir, { recursive: true, force: true });
    delete process.env[RUN_DIR_ENV];
  }
  const g = globalThis as Record<string, unknown>;
  const handle = g[REDIS_HANDLE_KEY] as StartedRedis | undefined;
  const stateFile = process.env[REDIS_STATE_ENV];

  if (handle) {
    await handle.stop();
    delete g[REDIS_HANDLE_KEY];
  } else if (stateFile) {
    // Fallback: globalThis was not shared with globalSetup; kill by pid.
    let state: RedisState | undefined;
    try {
      state = JSON.parse(readFileSync(stateFile, 'utf8')) as RedisState;
    } catch {
      state = undefined;
    }
    if (state) {
      const alive = (): number[] => state.pids.filter(isAlive);
      for (const pid of alive()) process.kill(pid, 'SIGTERM');
      const deadline = Date.now() + 2000;
      while (alive().length && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 25));
      }
      for (const pid of alive()) process.kill(pid, 'SIGKILL');
      rmSync(state.dir, { recursive: true, force: true });
    }
  }

  if (stateFile) {
    rmSync(stateFile, { force: true });
    delete process.env[REDIS_STATE_ENV];
    delete process.env.REDIS_URL;
  }
}
