/**
 * The runtime of one loopback Lambda function: a Node process started by ./functions.ts, like a
 * Lambda execution environment. It runs in the function's task root (LAMBDA_TASK_ROOT, the
 * unzipped artifact), loads the handler named by `_HANDLER` (`dist/worker.handler` →
 * dist/worker.js, export `handler`) during INIT, then runs one invocation at a time,
 * `handler(event, context)`, as messages arrive over IPC. An uncaught exception ends the process,
 * as it ends a Lambda environment.
 *
 * Built by the test setup into a single file (it is not part of any Lambda bundle).
 */
import { resolve } from 'node:path';
import { errorPayload, type HostMessage, type InvokeMessage } from './protocol';

type Handler = (event: unknown, context: unknown, callback?: (err: unknown, value?: unknown) => void) => unknown;

function send(msg: HostMessage): void {
  process.send?.(msg);
}

function loadHandler(): Handler {
  const spec = process.env._HANDLER ?? '';
  const root = process.env.LAMBDA_TASK_ROOT ?? process.cwd();
  const dot = spec.lastIndexOf('.');
  if (dot <= 0) throw Object.assign(new Error(`Bad handler ${spec}`), { name: 'Runtime.MalformedHandlerName' });
  const file = resolve(root, `${spec.slice(0, dot)}.js`);
  let mod: Record<string, unknown>;
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- loading the function's code is the point
    mod = require(file) as Record<string, unknown>;
  } catch (err) {
    if ((err as { code?: string }).code === 'MODULE_NOT_FOUND' && String((err as Error).message).includes(file)) {
      throw Object.assign(new Error(`Error: Cannot find module '${spec.slice(0, dot)}'`), { name: 'Runtime.ImportModuleError' });
    }
    throw err;
  }
  const fn = mod[spec.slice(dot + 1)];
  if (typeof fn !== 'function') throw Object.assign(new Error(`${spec} is undefined or not exported`), { name: 'Runtime.HandlerNotFound' });
  return fn as Handler;
}

function run(handler: Handler, msg: InvokeMessage): Promise<unknown> {
  const context = {
    ...msg.context,
    callbackWaitsForEmptyEventLoop: true,
    getRemainingTimeInMillis: () => Math.max(0, msg.context.deadlineMs - Date.now()),
  };
  return new Promise((resolveResult, reject) => {
    const callback = (err: unknown, value?: unknown) => (err ? reject(err) : resolveResult(value));
    try {
      const out = handler.length >= 3 ? handler(msg.event, context, callback) : handler(msg.event, context);
      if (out && typeof (out as Promise<unknown>).then === 'function') (out as Promise<unknown>).then(resolveResult, reject);
      else if (handler.length < 3) resolveResult(out);
    } catch (err) {
      reject(err);
    }
  });
}

function main(): void {
  const started = Date.now();
  let handler: Handler;
  try {
    handler = loadHandler();
  } catch (err) {
    send({ type: 'init-error', error: errorPayload(err, 'Runtime.UserCodeSyntaxError') });
    process.exitCode = 1;
    process.disconnect?.();
    return;
  }
  // The Lambda service is gone (its process ended): so is this environment.
  process.on('disconnect', () => process.exit(0));
  process.on('message', (raw: unknown) => {
    const msg = raw as InvokeMessage;
    if (msg?.type !== 'invoke') return;
    run(handler, msg).then(
      (value) => send({ type: 'result', id: msg.id, ok: true, value: value === undefined ? null : value }),
      (err: unknown) => send({ type: 'result', id: msg.id, ok: false, error: errorPayload(err) }),
    );
  });
  send({ type: 'ready', initMs: Date.now() - started });
}

main();
