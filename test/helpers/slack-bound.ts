/**
 * A short bound for one Slack call of the worker, events and scheduled functions (their 'patient'
 * client: 10 s on Lambda, SLACK_PATIENT_TIMEOUT_MS in src/slack/patient.run.ts), for suites whose
 * local Slack answers a call past it: such a test waits 2 s out instead of 10. The Slack function's
 * calls keep their own bound (WITHIN_ACK_TIMEOUT_MS); what a late answer proves is the same.
 */
export const WORKER_SLACK_BOUND_MS = 2_000;
/** Just past the worker's Slack bound (WORKER_SLACK_BOUND_MS): how long a late answer is held. */
export const PAST_THE_WORKER_BOUND_MS = WORKER_SLACK_BOUND_MS + 300;
/** The handlers' environment that gives the worker's Slack client WORKER_SLACK_BOUND_MS (setupE2E's `env`). */
export const SHORT_WORKER_SLACK_BOUND: Record<string, string> = { SLACK_PATIENT_TIMEOUT_MS: String(WORKER_SLACK_BOUND_MS) };
/**
 * The handlers' environment that makes the worker's Slack client wait a hundredth of its waits
 * between tries (SLACK_PATIENT_RETRY_SCALE, src/slack/patient.run.ts; 300 ms doubling on Lambda):
 * for suites whose local Slack is down while the worker calls it. The same tries are made.
 */
export const FAST_WORKER_SLACK_RETRIES: Record<string, string> = { SLACK_PATIENT_RETRY_SCALE: '0.01' };
