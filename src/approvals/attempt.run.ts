/**
 * The executor's last step before UpdateService (src/deploy/execute.ts), loaded by the worker only:
 * "still running and the lease is mine" and the attempt's record, one script (lua/attempt-3.lua).
 */
import type { Runtime } from '../runtime';
import { keys } from '../redis/keys';
import { luaScript } from '../redis/scripts';
import { requestKeys } from './ids';
import { fromHash } from './model';
import { runApprovalScript } from './scripts';
import type { ChangeRequest } from './types';
import { refOrThrow, transit } from './workflow';
import common from './lua/includes/common.lua';
import attemptLua from './lua/attempt-3.lua';

const ATTEMPT = luaScript('update_attempt', 3, attemptLua, common);

/**
 * Records UpdateService attempt number `attempt` of request `id` when the request still runs and the
 * lease `token` is still this worker's (extending it by `ttlMs`), atomically; the updated request,
 * or undefined (nothing recorded: the worker must not send it).
 */
export async function beginAttempt(
  rt: Runtime,
  id: string,
  token: string,
  ttlMs: number,
  attempt: number,
): Promise<ChangeRequest | undefined> {
  const ref = refOrThrow(id);
  const k = requestKeys(ref);
  const t = await transit(rt, async () => {
    const reply = await runApprovalScript(
      rt.redis,
      ATTEMPT,
      [k.request, keys.changeLease(ref.environment, ref.service, ref.id), k.audit],
      [rt.now(), token, ttlMs, attempt],
    );
    const request = fromHash(reply.request);
    return { code: reply.code, ...(request ? { request } : {}), extra: reply.extra, audit: reply.audit };
  });
  return t.code === 'OK' ? t.request : undefined;
}
