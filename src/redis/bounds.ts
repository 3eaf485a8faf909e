/**
 * The one table of how big each Redis key may grow and how long it may live (issue 10, item 14).
 * docs/redis.md's key table shows the same numbers in its "Bound" column, and
 * test/unit/redis-keys-doc.test.ts fails when the two differ; test/integration/redis-bounds.test.ts
 * drives the writers at their input limits against a real redis-server and checks every key it
 * finds against this table (MEMORY USAGE … SAMPLES 0, and PTTL or a cleaner test).
 *
 * The caps that keep the keys within these bounds live next to the writers; the shared ones are
 * below (the request hash's fields, the audit streams, the long holds).
 */
import type { keys } from './keys';
import type { workerKeys } from './keys.run';

const KB = 1024;
const MINUTE = 60;
const HOUR = 3600;
const DAY = 86_400;

/**
 * How a key ends. `ttl`: it is written with an expiry (in the same command or script) of at most
 * this many seconds. `cleaner`: it has no expiry, and the named code removes it (or its members);
 * `test` is the test that shows the cleaner removing it.
 */
export type Lifetime = { ttl: number } | { cleaner: string; test: string };

export interface KeyBound {
  /** The most `MEMORY USAGE <key> SAMPLES 0` may report: for the key, or per member when `per` is set. */
  bytes: number;
  /**
   * The bound is per member (zset, hash, set), or per configured service (a JSON list in a string),
   * because the count follows the configuration or the people who use the bot.
   */
  per?: 'member' | 'service';
  /** At most this many members when `per` is set and the writer caps them (ZREMRANGEBYRANK, HLEN check…). */
  maxMembers?: number;
  lifetime: Lifetime;
}

/* ---- Caps shared by the writers ---- */

/** An approval request's hash: the longest summary, diff and gate notes it stores (UTF-8 bytes, marker included). */
export const REQUEST_SUMMARY_MAX_BYTES = 2 * KB;
export const REQUEST_DETAILS_MAX_BYTES = 4 * KB;
/** The JSON of the gate notes; notes beyond it are dropped (a note says how many). */
export const REQUEST_GATES_MAX_BYTES = 2 * KB;
/** The plan is structured (ARNs, a tag, a digest) and cannot be shortened; a bigger one is refused. */
export const REQUEST_PLAN_MAX_BYTES = 4 * KB;
/** One execution fact (`x.<name>`, JSON). */
export const REQUEST_FACT_MAX_BYTES = 1 * KB;
/** What a request hash may hold in all, at every input at its limit. */
export const REQUEST_MAX_BYTES = 20 * KB;
/** A request lives its approval window (or scheduled start, or break-glass reminders) plus this (src/approvals/workflow.ts). */
export const REQUEST_KEEP_SECONDS = 30 * DAY;
/** The longest a request can wait before that: `approvalTtl`, the latest `--at`, the break-glass reminders (config caps). */
export const REQUEST_WAIT_MAX_SECONDS = 15 * DAY;

/** Audit streams: about the newest 1 000 entries (XADD MAXLEN ~), each detail and extra value capped. */
export const AUDIT_MAXLEN = 1000;
export const AUDIT_VALUE_MAX_BYTES = 600;
/** The extra values of an entry (the summary, the gate notes' JSON, which src/approvals/fit.ts keeps under 2 KiB). */
export const AUDIT_EXTRA_MAX_BYTES = 2048;
/** An audit stream nobody wrote to for this long is removed (renewed by every entry). */
export const AUDIT_TTL_SECONDS = 400 * DAY;
export const AUDIT_MAX_BYTES = 4 * KB * KB;

/** A manual lock, a rollback's automatic lock and a freeze end by themselves after this (a forgotten one does not stay forever). */
export const HOLD_TTL_SECONDS = 30 * DAY;

/** The largest Cost Explorer answer cached (bytes of JSON; a bigger one is answered but not kept). */
export const COST_CACHE_MAX_BYTES = 60 * KB;

/** The Home tab remembers at most this many readers (the oldest are dropped; a dropped one costs one re-publish). */
export const HOME_READERS_MAX = 2000;
/** Request messages waiting for a re-render at most (the oldest are dropped past it). */
export const RERENDER_QUEUE_MAX = 1000;

/**
 * Thread replies waiting for the scheduled check (src/alerts/backlog.ts): lines kept per incident (the
 * rest counted), incidents of one service whose lines wait (besides the lines a check has claimed),
 * bytes of one line (a section's text), lifetime.
 */
export const ALERT_BACKLOG_LINES = 10;
export const ALERT_BACKLOG_INCIDENTS = 2;
export const ALERT_BACKLOG_LINE_MAX_BYTES = 3000;
export const ALERT_BACKLOG_TTL_SECONDS = HOUR;
/**
 * How long the summary of thread replies that could not be posted (their count, when, the thread) waits
 * for Slack to answer, from its first count (backlog-take-2.lua): a day, like a late alert (LATE_POST_MAX_MS).
 */
export const ALERT_BACKLOG_LOST_TTL_SECONDS = 24 * HOUR;

/** Tasks stopped for running out of memory kept per service (src/alerts/memory-kills.run.ts), and for how long. */
export const MEMORY_KILLS_MAX = 200;
export const MEMORY_KILLS_TTL_SECONDS = 30 * DAY;

/** The longest a shared Slack 429 pause is kept (a Retry-After longer than it is shared for this long). */
export const SLACK_PAUSE_MAX_SECONDS = 10 * MINUTE;

/** Every key builder of src/redis/keys.ts, bounded. (Plain literals: the bundles that only need the caps above drop the table.) */
export const keyBounds: Record<keyof typeof keys | keyof typeof workerKeys, KeyBound> = {
  imageMessage: { bytes: 2 * KB, lifetime: { ttl: 30 * DAY } },
  imageDigestTags: { bytes: 200, per: 'member', lifetime: { ttl: 30 * DAY } },
  imageTagDigest: { bytes: 200, lifetime: { ttl: 30 * DAY } },
  imageEventSeen: { bytes: 200, lifetime: { ttl: 7 * DAY } },
  eventConsumerDone: { bytes: 300, lifetime: { ttl: 7 * HOUR } },
  seen: { bytes: 200, lifetime: { ttl: HOUR } },
  job: { bytes: 200, lifetime: { ttl: DAY } },
  noticeClaim: { bytes: 600, lifetime: { ttl: MINUTE } },
  recheckClaim: { bytes: 2 * KB, lifetime: { ttl: DAY } },
  recheckDue: { bytes: 200, per: 'member', lifetime: { ttl: 2 * DAY } },
  slackEvent: { bytes: 200, lifetime: { ttl: HOUR } },
  serviceLock: { bytes: 2 * KB, lifetime: { ttl: HOLD_TTL_SECONDS } },
  envFreeze: { bytes: 1 * KB, lifetime: { ttl: HOLD_TTL_SECONDS } },
  serviceFreeze: { bytes: 1 * KB, lifetime: { ttl: HOLD_TTL_SECONDS } },
  botDeployment: { bytes: 600, lifetime: { ttl: 14 * DAY } },
  audit: { bytes: AUDIT_MAX_BYTES, lifetime: { ttl: AUDIT_TTL_SECONDS } },
  serviceAudit: { bytes: AUDIT_MAX_BYTES, lifetime: { ttl: AUDIT_TTL_SECONDS } },
  legacyEnvRequestAudit: { bytes: AUDIT_MAX_BYTES, lifetime: { ttl: AUDIT_TTL_SECONDS } },
  request: { bytes: REQUEST_MAX_BYTES, lifetime: { ttl: REQUEST_WAIT_MAX_SECONDS + REQUEST_KEEP_SECONDS } },
  activeRequest: { bytes: 200, lifetime: { ttl: REQUEST_WAIT_MAX_SECONDS + REQUEST_KEEP_SECONDS } },
  rejectForm: { bytes: 400, lifetime: { ttl: HOUR } },
  requestInvocation: { bytes: 200, lifetime: { ttl: DAY } },
  pendingIndex: {
    bytes: 200,
    per: 'member',
    lifetime: { cleaner: 'the transition scripts (reindex); the expiry tick', test: 'test/integration/redis-bounds.test.ts' },
  },
  approvedIndex: {
    bytes: 200,
    per: 'member',
    lifetime: { cleaner: 'the transition scripts (reindex); the start-deadline tick', test: 'test/integration/redis-bounds.test.ts' },
  },
  runningIndex: {
    bytes: 200,
    per: 'member',
    lifetime: { cleaner: 'the transition scripts (reindex); runningRequests prunes', test: 'test/integration/redis-bounds.test.ts' },
  },
  scheduledIndex: {
    bytes: 200,
    per: 'member',
    lifetime: { cleaner: 'the transition scripts (reindex); the scheduler tick', test: 'test/integration/redis-bounds.test.ts' },
  },
  retroIndex: {
    bytes: 200,
    per: 'member',
    lifetime: { cleaner: 'the retro scripts (reindex); the break-glass reminder tick', test: 'test/integration/redis-bounds.test.ts' },
  },
  handOffClaim: { bytes: 200, lifetime: { ttl: 7 * DAY } },
  indexedServices: { bytes: 200, per: 'member', lifetime: { ttl: 30 * DAY } },
  indexSweeps: { bytes: 300, per: 'member', lifetime: { ttl: 30 * DAY } },
  indexSweepCursor: { bytes: 200, lifetime: { ttl: HOUR } },
  indexSweepLease: { bytes: 200, lifetime: { ttl: MINUTE } },
  rerenderQueue: { bytes: 200, per: 'member', maxMembers: RERENDER_QUEUE_MAX, lifetime: { ttl: DAY } },
  legacyPendingIndex: {
    bytes: 200,
    per: 'member',
    lifetime: { cleaner: 'legacy, drained by the expiry tick', test: 'test/integration/approvals-indexes.test.ts' },
  },
  legacyApprovedIndex: {
    bytes: 200,
    per: 'member',
    lifetime: { cleaner: 'legacy, drained by the start-deadline tick', test: 'test/integration/approvals-indexes.test.ts' },
  },
  legacyRunningIndex: {
    bytes: 200,
    per: 'member',
    lifetime: { cleaner: 'legacy, drained by runningRequests', test: 'test/integration/approvals-indexes.test.ts' },
  },
  legacyScheduledIndex: {
    bytes: 200,
    per: 'member',
    lifetime: { cleaner: 'legacy, drained by the scheduler tick', test: 'test/integration/approvals-indexes.test.ts' },
  },
  legacyRetroIndex: {
    bytes: 200,
    per: 'member',
    lifetime: { cleaner: 'legacy, drained by the break-glass reminder tick', test: 'test/integration/approvals-indexes.test.ts' },
  },
  incident: { bytes: 32 * KB, lifetime: { ttl: 7 * DAY } },
  alertSeen: { bytes: 400, lifetime: { ttl: 26 * HOUR } },
  alertMute: { bytes: 2 * KB, lifetime: { ttl: 7 * DAY } },
  alertUpdateBudget: { bytes: 200, lifetime: { ttl: 2 * MINUTE } },
  alertChannelPace: { bytes: 200, lifetime: { ttl: 2 * MINUTE } },
  alertBacklog: { bytes: 96 * KB, lifetime: { ttl: ALERT_BACKLOG_LOST_TTL_SECONDS } },
  // Twenty replaced incidents as they ended (signal-4.lua BEHIND_MAX; each within the incident's 32 KiB) and their claims.
  alertBehind: { bytes: 660 * KB, lifetime: { ttl: DAY } },
  serviceDown: { bytes: 200, lifetime: { ttl: DAY } },
  memoryKills: { bytes: 200, per: 'member', maxMembers: MEMORY_KILLS_MAX, lifetime: { ttl: MEMORY_KILLS_TTL_SECONDS } },
  changeLease: { bytes: 200, lifetime: { ttl: 2 * MINUTE } },
  changeTrack: { bytes: 4 * KB, lifetime: { ttl: 7 * DAY } },
  tickLock: { bytes: 200, lifetime: { ttl: 15 * MINUTE } },
  healthyDigest: { bytes: 600, per: 'member', lifetime: { ttl: 30 * DAY } },
  healthyService: { bytes: 2 * KB, lifetime: { ttl: 30 * DAY } },
  homeViewers: { bytes: 200, per: 'member', maxMembers: HOME_READERS_MAX, lifetime: { ttl: 14 * DAY } },
  homeShown: { bytes: 200, per: 'member', maxMembers: HOME_READERS_MAX, lifetime: { ttl: 14 * DAY } },
  homeDirty: { bytes: 200, lifetime: { ttl: HOUR } },
  homeScheduled: { bytes: 200, lifetime: { ttl: MINUTE } },
  envStatus: { bytes: 600, per: 'service', lifetime: { ttl: HOUR } },
  envStatusRefreshing: { bytes: 200, lifetime: { ttl: MINUTE } },
  imageTags: { bytes: 8 * KB, lifetime: { ttl: 10 * MINUTE } },
  userLocale: { bytes: 200, lifetime: { ttl: DAY } },
  costCache: { bytes: 64 * KB, lifetime: { ttl: 6 * HOUR } },
  costFlight: { bytes: 1 * KB, lifetime: { ttl: MINUTE } },
  costBudget: { bytes: 200, per: 'member', lifetime: { ttl: 2 * HOUR } },
  slackPause: { bytes: 200, lifetime: { ttl: SLACK_PAUSE_MAX_SECONDS } },
  commandRate: { bytes: 200, lifetime: { ttl: MINUTE } },
};

/** `s` cut to at most `maxBytes` UTF-8 bytes at a character boundary (never half a character). */
export function cutUtf8(s: string, maxBytes: number): string {
  if (Buffer.byteLength(s, 'utf8') <= maxBytes) return s;
  let out = Buffer.from(s, 'utf8').subarray(0, Math.max(0, maxBytes)).toString('utf8');
  // A cut inside a multi-byte character decodes as U+FFFD: drop it (and re-check the length).
  while (out.endsWith('\uFFFD') || Buffer.byteLength(out, 'utf8') > maxBytes) out = out.slice(0, -1);
  return out;
}

function bytesText(n: number): string {
  if (n >= KB * KB) return `${+(n / (KB * KB)).toFixed(1)} MiB`;
  if (n >= KB) return `${+(n / KB).toFixed(1)} KiB`;
  return `${n} B`;
}

function secondsText(s: number): string {
  if (s % DAY === 0) return `${s / DAY} d`;
  if (s % HOUR === 0) return `${s / HOUR} h`;
  if (s % MINUTE === 0) return `${s / MINUTE} min`;
  return `${s} s`;
}

/** The "Bound" cell of docs/redis.md's key table for a key, e.g. `≤ 20 KiB, TTL ≤ 45 d`. */
export function boundText(b: KeyBound): string {
  const size = `≤ ${bytesText(b.bytes)}${b.per ? ` per ${b.per}` : ''}${b.maxMembers ? `, ≤ ${b.maxMembers} members` : ''}`;
  const life = 'ttl' in b.lifetime ? `TTL ≤ ${secondsText(b.lifetime.ttl)}` : `no TTL: cleaner (${b.lifetime.test})`;
  return `${size}, ${life}`;
}
