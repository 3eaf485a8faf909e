/**
 * jest globalSetup (runs once, in the parent process, before any worker starts).
 *
 * If REDIS_URL is already set, it is used as is (and never stopped by teardown).
 * Otherwise a private redis-server is started on a free port with no persistence and
 * REDIS_URL is set to it; jest workers inherit the variable.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startRedisServer } from './redis';

/** Shared with global-teardown.ts (same process, same globalThis). */
export const REDIS_HANDLE_KEY = '__ecsChatopsTestRedis__';
/** Env var naming a file with {pids, dir}: a fallback for teardown if globalThis was not shared. */
export const REDIS_STATE_ENV = 'ECS_CHATOPS_TEST_REDIS_STATE';
/**
 * A directory private to this jest run (removed by teardown): artifacts built once per run and
 * shared by the workers live there (test/helpers/topology/artifacts.ts builds them on first use).
 */
export const RUN_DIR_ENV = 'ECS_CHATOPS_TEST_RUN_DIR';

/** What the teardown stops: one redis-server, or every node of a cluster (./cluster-global-setup.ts). */
export interface StartedRedis {
  url: string;
  dir: string;
  stop(): Promise<void>;
}

/** Point REDIS_URL at a Redis this setup started, and leave global-teardown.ts what it needs to stop it. */
export function publishRedis(started: StartedRedis, pids: readonly number[]): void {
  (globalThis as Record<string, unknown>)[REDIS_HANDLE_KEY] = started;
  const stateFile = path.join(os.tmpdir(), `ecs-chatops-test-redis-${process.pid}.json`);
  writeFileSync(stateFile, JSON.stringify({ pids, dir: started.dir, url: started.url }));
  process.env[REDIS_STATE_ENV] = stateFile;
  process.env.REDIS_URL = started.url;
}

export default async function globalSetup(): Promise<void> {
  process.env[RUN_DIR_ENV] = mkdtempSync(path.join(os.tmpdir(), 'ecs-chatops-test-run-'));
  if (process.env.REDIS_URL) return;
  const server = await startRedisServer();
  publishRedis(server, [server.pid]);
}
