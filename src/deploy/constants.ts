/** Constants shared by the Slack-facing and the worker-side parts of the change verbs (no imports: safe anywhere). */

/** How long the progress bookkeeping of a request (keys.changeTrack) is kept. */
export const TRACK_TTL_SECONDS = 7 * 24 * 3600;

/** The AWS calls of one execution attempt (checks, registration, UpdateService, first report). */
export const EXECUTE_BUDGET_MS = 90_000;
