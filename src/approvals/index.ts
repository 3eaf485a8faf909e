/**
 * The approval workflow's API (for the verbs that change production, /ecs status, alerts).
 * See store.ts for the key layout and docs in each module.
 */
export type { Approval, ChangeRequest, RequestState } from './types';
export { FINAL_STATES } from './types';
export {
  submitRequest,
  getRequest,
  startExecution,
  recordExecution,
  setStatusTs,
  finishExecution,
  runningRequests,
  abortRequest,
  type SubmitInput,
  type StartResult,
} from './store';
export { readAudit, type AuditEntry, type AuditEvent } from './audit';
export { readGuards, readFreeze, describeGuard, type GuardInfo, type Guards } from './guards';
export { guardText } from './format';
export { parseRequestId } from './ids';
export { requestMessage } from './message';
export { lockService, unlockService, freezeEnvironment, unfreezeEnvironment } from './locks';
export { registerApprovals } from './register';
