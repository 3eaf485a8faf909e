/** Constants shared by the Slack-facing and the worker-side parts of the change verbs (no imports: safe anywhere). */

/** How long the progress bookkeeping of a request (keys.changeTrack) is kept. */
export const TRACK_TTL_SECONDS = 7 * 24 * 3600;
