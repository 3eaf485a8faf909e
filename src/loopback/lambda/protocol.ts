/** Messages between the loopback Lambda service (./functions.ts) and a function's runtime process (./host.ts), over Node IPC. */

/** The invocation context fields Lambda passes to a Node.js handler (minus the functions, which the host adds). */
export interface InvokeContext {
  awsRequestId: string;
  functionName: string;
  functionVersion: string;
  invokedFunctionArn: string;
  memoryLimitInMB: string;
  logGroupName: string;
  logStreamName: string;
  /** Epoch ms after which Lambda stops the invocation. */
  deadlineMs: number;
}

export interface InvokeMessage {
  type: 'invoke';
  id: string;
  event: unknown;
  context: InvokeContext;
}

/** The error of a failed invocation, as Lambda reports it (`errorType`, `errorMessage`, `trace`). */
export interface FunctionErrorPayload {
  errorType: string;
  errorMessage: string;
  trace?: string[];
}

export type HostMessage =
  | { type: 'ready'; initMs: number }
  | { type: 'init-error'; error: FunctionErrorPayload }
  | { type: 'result'; id: string; ok: true; value: unknown }
  | { type: 'result'; id: string; ok: false; error: FunctionErrorPayload };

export function errorPayload(err: unknown, fallbackType = 'Error'): FunctionErrorPayload {
  if (err instanceof Error) {
    return { errorType: err.name || fallbackType, errorMessage: err.message, trace: (err.stack ?? '').split('\n') };
  }
  return { errorType: fallbackType, errorMessage: typeof err === 'string' ? err : (JSON.stringify(err) ?? String(err)) };
}
