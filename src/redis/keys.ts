/**
 * Every Redis key the bot uses, in one place. Keys that a Lua script touches together share one
 * hash tag `{…}` so the script works on Redis Cluster and ElastiCache Serverless. Keys only the
 * worker-side functions use, and so kept out of dist/slack.js, are in ./keys.run.ts.
 */
export const keys = {
  /**
   * The announcement of one pushed image (hash: channel, ts, region, account, size, pushedAt, scan,
   * posting) and its tags (set). One digest, one message, updated in place (src/images/).
   */
  imageMessage: (repository: string, digest: string) => `img:{${repository}@${digest}}`,
  imageDigestTags: (repository: string, digest: string) => `img:{${repository}@${digest}}:tags`,
  /** Which digest an announced tag of a repository points at, as `<event time ms>|<digest>` (a tag moves to the digest pushed last). */
  imageTagDigest: (repository: string, tag: string) => `imgtag:{${repository}}:${tag}`,
  /** An ECR / Inspector event already handled (EventBridge delivers at least once). */
  imageEventSeen: (eventId: string) => `imgev:{${eventId}}`,
  /**
   * An event consumer finished an ECS event (done, or failed for good) on an attempt that Lambda
   * retries: the retry skips it (src/hooks/events.ts). Tagged by the event, so one MGET reads them all.
   */
  eventConsumerDone: (eventId: string, consumer: string) => `evdone:{${eventId}}:${consumer}`,
  /**
   * A handled slash-command invocation (duplicate deliveries are ignored). Tagged by the person, like
   * their rate window (`commandRate`), so claiming and counting a command is one script (src/edge/rate.ts).
   */
  seen: (userId: string, invocationId: string) => `rate:{user:${userId}}:seen:${invocationId}`,
  /** A claimed worker job. */
  job: (jobId: string) => `job:{${jobId}}`,
  /**
   * The follow-up of a change whose answer was lost, claimed by the worker (hash: s = claimed | told |
   * lapsed, k = the claiming attempt, job = the job's JSON), and the claimed ones by when they lapse
   * (zset): the scheduled tick tells the person once when the worker never did (src/commands/recheck.run.ts).
   * One tag, so each transition is one script.
   */
  recheckClaim: (jobId: string) => `recheck:{recheck}:job:${jobId}`,
  recheckDue: () => 'recheck:{recheck}:due',
  /**
   * A Slack event (Events API `event_id`) a delivery of the Slack function claimed (`run`, a short
   * lease) or handled (`done`): a redelivery after a late answer runs only when neither (src/edge/event-claim.ts).
   */
  slackEvent: (eventId: string) => `slackev:{${eventId}}`,
  /** Lock on one service (hash: by, reason, since, kind=manual|change, request). */
  serviceLock: (env: string, alias: string) => `lock:{svc:${env}:${alias}}`,
  /** Freeze of one environment (hash: by, reason, since). */
  envFreeze: (env: string) => `freeze:{env:${env}}`,
  /**
   * The freeze of `env` as seen from one of its services (a copy of the hash above, in the
   * service's slot): the request scripts (create, approve, start) check it atomically with their
   * transition. Written after the freeze script for every configured service of the environment,
   * deleted after the unfreeze script; the scheduled tick re-syncs it (src/approvals/freeze-copies.ts).
   */
  serviceFreeze: (env: string, alias: string) => `freeze:{svc:${env}:${alias}}`,
  /**
   * A deployment the bot started: ECS deployment id → the request id that started it.
   * Alerts use it to leave the bot's own deployments to the request thread.
   */
  botDeployment: (deploymentId: string) => `ecsdeploy:{${deploymentId}}`,
  /**
   * The audit stream of an environment (XADD, one entry per transition): the freezes, whose scripts
   * append atomically (same tag as the freeze key). Request and lock transitions are recorded in
   * their service's stream (`serviceAudit`); the environment-wide history merges them
   * (src/approvals/audit.ts readAudit).
   */
  audit: (env: string) => `audit:{env:${env}}`,
  /**
   * LEGACY: the environment's copy of the service entries, written after each transition until the
   * indexes moved into the services' slots. No longer written; the environment-wide history still
   * reads it (entries it has that the service streams do not) until it expires (400 days after its
   * last entry).
   */
  legacyEnvRequestAudit: (env: string) => `audit:{index}:env:${env}`,
  /** The audit stream of one service, written inside every request / lock script (same slot as the request). */
  serviceAudit: (env: string, alias: string) => `audit:{svc:${env}:${alias}}`,
  /**
   * A change request (hash). Tagged by SERVICE, not by request id, so the request, the service lock,
   * the active-request pointer and the service audit stream are in one slot and one Lua script can
   * check and write them together. The id is `<env>.<alias>.<random>` (src/approvals/ids.ts), so
   * the service, and with it the key, follows from the id alone.
   */
  request: (env: string, alias: string, id: string) => `req:{svc:${env}:${alias}}:${id}`,
  /** The id of the service's open request (pending, approved or running): at most one at a time. */
  activeRequest: (env: string, alias: string) => `active:{svc:${env}:${alias}}`,
  /** A reject form opened by `userId` from the Reject button of request `id` (its submission is honoured once). */
  rejectForm: (id: string, userId: string) => `rejectform:{${id}}:${userId}`,
  /** Slash-command invocation id → the request it created (idempotent creation). */
  requestInvocation: (env: string, alias: string, invocationId: string) => `reqinv:{svc:${env}:${alias}}:${invocationId}`,
  /**
   * The approval indexes of one service (sorted sets), in the request's slot: the transition scripts
   * write them atomically with the request (src/approvals/lua/includes/common.lua `reindex`), so a
   * request is in exactly the indexes its state calls for. The ticks read every configured service's,
   * and those of the services of `indexedServices` no longer configured until they are empty
   * (src/approvals/indexes.ts), and re-check each request in its script.
   * pending: score expiresAt (the expiry tick); approved: startBy (the start-deadline tick);
   * running: startedAt (runningRequests); scheduled: startAt (`--at`, pending or scheduled; the
   * scheduler tick); retro: the next reminder of a break-glass request waiting for its approval
   * after the fact (the reminder tick).
   */
  pendingIndex: (env: string, alias: string) => `approvals:{svc:${env}:${alias}}:pending`,
  approvedIndex: (env: string, alias: string) => `approvals:{svc:${env}:${alias}}:approved`,
  runningIndex: (env: string, alias: string) => `approvals:{svc:${env}:${alias}}:running`,
  scheduledIndex: (env: string, alias: string) => `approvals:{svc:${env}:${alias}}:scheduled`,
  retroIndex: (env: string, alias: string) => `approvals:{svc:${env}:${alias}}:retro`,
  /**
   * The hand-off of an approved request to the worker (value: `<when>:<click token>`): claimed by
   * the approve script when it approves, and again by the same click resent by ioredis or by a
   * repeat of the approving click once the claim is older than HAND_OFF_REPEAT_MS
   * (src/approvals/transitions.ts; src/approvals/lua/approve-11.lua). The old scheme's claims
   * (`approvals:{index}:handoff:<id>`) are no longer read and end with their 7-day TTL.
   */
  handOffClaim: (env: string, alias: string, requestId: string) => `approvals:{svc:${env}:${alias}}:handoff:${requestId}`,
  /**
   * LEGACY: the indexes across services in one slot (`{index}`), written after each transition's
   * script until the indexes moved into the services' slots. No longer written: the ticks read them
   * with the services' indexes and remove each member they handle or find stale (drained), so they
   * are empty once every request indexed there has ended.
   */
  legacyPendingIndex: () => 'approvals:{index}:pending',
  legacyApprovedIndex: () => 'approvals:{index}:approved',
  legacyRunningIndex: () => 'approvals:{index}:running',
  legacyScheduledIndex: () => 'approvals:{index}:scheduled',
  legacyRetroIndex: () => 'approvals:{index}:retro',
  /**
   * The services that may have requests in their approval indexes (a set of `<env>.<alias>`): the
   * ticks read the indexes of every configured service and of every member here, so a service
   * removed, renamed or moved in chatops.yml keeps being read until its indexes are empty. Written
   * by the ticks only (src/approvals/indexes.ts), never by a transition; expires 30 days after the
   * last write.
   */
  indexedServices: () => 'approvals:{index}:services',
  /**
   * The configurations (a signature of their services) whose sweep for service indexes no tick had
   * registered is done (a set; src/approvals/indexes.ts). Expires 30 days after the last sweep.
   */
  indexSweeps: () => 'approvals:{index}:swept',
  /**
   * Where the sweep of configuration `sig` (src/approvals/indexes.run.ts) stopped at its time budget:
   * `<primary>|<SCAN cursor>`, continued by the next tick. Expires an hour after the last slice (a
   * sweep not continued by then starts over); deleted when the sweep is done.
   */
  indexSweepCursor: (sig: string) => `approvals:{index}:sweep:${sig}`,
  /**
   * The lease on the sweep of configuration `sig` (src/approvals/indexes.run.ts): the token of the
   * process whose slice runs now, so two processes never scan from the same cursor; only its holder
   * saves where the slice stopped. Expires when the slice must have ended; released by its holder.
   */
  indexSweepLease: (sig: string) => `approvals:{index}:sweep-lease:${sig}`,
  /**
   * Request messages whose re-render after a transition failed (a sorted set of request ids, scored
   * by when to try again): the tick `approvals-rerender` (src/approvals/workflow.ts) renders each
   * from its current state until Slack takes it. Capped, expires a day after the last write.
   */
  rerenderQueue: () => 'approvals:{index}:rerender',
  /** The alert incident of one service (hash; src/alerts/store.ts). Same slot as the keys below. */
  incident: (env: string, alias: string) => `incident:{svc:${env}:${alias}}`,
  /**
   * An ECS event (task, deployment transition, service action) already counted for a service.
   * Tagged by the service, not by event id, so the check and the incident update are one script.
   */
  alertSeen: (env: string, alias: string, id: string) => `alertseen:{svc:${env}:${alias}}:${id}`,
  /** Alerts of one service muted (hash: by, reason, since, until) by `/ecs mute`. */
  alertMute: (env: string, alias: string) => `mute:{svc:${env}:${alias}}`,
  /**
   * The workspace's budget of alert message updates (hash: tat; src/alerts/lua/reserve-turn-1.lua):
   * every incident's chat.update reserves a turn, so a storm across many services stays under Slack's limit.
   */
  alertUpdateBudget: () => 'alertrate:{workspace}',
  /**
   * One channel's pace of alert posts and thread replies (chat.postMessage; the same script,
   * reserve-turn-1.lua): Slack allows about one message a second per channel. Same hash tag as the
   * workspace's budget.
   */
  alertChannelPace: (channel: string) => `alertrate:{workspace}:post:${channel}`,
  /**
   * Thread replies of the service's incident that did not reach Slack (the channel's pace left them
   * out, or a 429 not waited out): hash gen, channel, ts, n (events), k (lines kept), l1..lk; the
   * scheduled check posts them as one reply (src/alerts/backlog.ts). Same slot as the incident.
   */
  alertBacklog: (env: string, alias: string) => `alertbacklog:{svc:${env}:${alias}}`,
  /**
   * Messages of the service's replaced incidents that Slack left behind (their last updates refused):
   * hash b:<gen> (the incident as it ended, JSON), ba:<gen> (from when it may be taken), bc:<gen> (a
   * check's claim); at most 20, a day (signal-4.lua, src/alerts/behind.ts). Same slot as the incident.
   */
  alertBehind: (env: string, alias: string) => `alertbehind:{svc:${env}:${alias}}`,
  /** When the scheduled check first saw the service with desired > 0 and running = 0 (epoch ms). */
  serviceDown: (env: string, alias: string) => `down:{svc:${env}:${alias}}`,
  /**
   * The worker executing a change request right now (its token; src/approvals/lua/lease-2.lua).
   * In the request's slot, so "still running and the lease is mine" is one script.
   */
  changeLease: (env: string, alias: string, requestId: string) => `lease:{svc:${env}:${alias}}:${requestId}`,
  /** Progress reporting of a running change (hash: milestones posted, posts that got no answer, last card, abort; src/deploy/tracker.ts). */
  changeTrack: (requestId: string) => `chg:{${requestId}}:track`,
  /** A scheduled tick running now (SET NX PX token; src/hooks/events.ts): ticks never overlap themselves. */
  tickLock: (name: string) => `tick:{${name}}`,
  /**
   * Healthy completions of one image digest (hash: environment → JSON {service, at, requestId, tag}),
   * written when a change the bot tracks reaches COMPLETED (src/deploy/promotion.ts); the promotion
   * gate reads it. Expires HEALTHY_TTL_SECONDS after the last write.
   */
  healthyDigest: (digest: string) => `healthy:{img:${digest}}`,
  /** The digest a service last completed healthy with (JSON {digest, at, requestId, tag, repository}); `/ecs promote` reads it. */
  healthyService: (env: string, alias: string) => `healthy:{svc:${env}:${alias}}`,
  /**
   * The Home tab (src/surfaces/): who opened it lately (sorted set, score = last opened), the hash of
   * the view each one was last shown (hash: user → sha1), a "something changed" flag and the
   * "a refresh is on its way" marker. One tag, so one script marks and schedules.
   */
  homeViewers: () => 'home:{index}:viewers',
  homeShown: () => 'home:{index}:shown',
  homeDirty: () => 'home:{index}:dirty',
  homeScheduled: () => 'home:{index}:scheduled',
  /** The services of an environment as `/ecs status <env>` sees them, cached for the Home tab (JSON: at, rows). */
  envStatus: (env: string) => `envstatus:{env:${env}}`,
  /** "A status refresh of the environments is on its way" (SET NX PX: one at a time). */
  envStatusRefreshing: () => 'envstatus:{index}:refreshing',
  /** A service's recent ECR tags for the deploy form (JSON: at, tags), cached briefly. */
  imageTags: (env: string, alias: string) => `imagetags:{svc:${env}:${alias}}`,
  /**
   * A person's Slack locale (users.info), cached for a day ('' when Slack gave none): src/slack/people.ts.
   * Tagged by the person like `commandRate`, so admitting a command reads it in the same script.
   */
  userLocale: (userId: string) => `locale:{user:${userId}}`,
  /** A cached Cost Explorer answer (JSON: fetchedAt, data), keyed by the SHA-256 of the exact request (src/commands/cost.run.ts). */
  costCache: (requestHash: string) => `cost:{${requestHash}}`,
  /** One Cost Explorer request in flight (single-flight: the others wait for its cache entry), or its failure for a few seconds. */
  costFlight: (requestHash: string) => `cost:{${requestHash}}:flight`,
  /** Cost Explorer calls this clock hour (hash: `all`, `u.<user>`), the hourly budget (src/commands/cost-spend.ts). */
  costBudget: (hour: string) => `costbudget:{${hour}}`,
  /**
   * A 429 pause of Slack's Web API in one scope (a method, or chat.postMessage in one channel: src/slack/patient.run.ts
   * rateLimitScope), shared by the worker, events and scheduled processes; it expires when the pause ends (src/redis/slack-pause.ts).
   */
  slackPause: (scope: string) => `slackpause:{${scope}}`,
  /** A person's commands in the current one-minute window (src/edge/rate.ts). */
  commandRate: (userId: string) => `rate:{user:${userId}}`,
} as const;

/**
 * How long the record of a healthy completion lives (refreshed by every completion): a digest that
 * completed in staging can be promoted to prod for 30 days after its last healthy completion there.
 */
export const HEALTHY_TTL_SECONDS = 30 * 24 * 3600;

/** How long the bot remembers that it started a deployment. */
export const BOT_DEPLOYMENT_TTL_SECONDS = 14 * 24 * 3600;
/** How long the progress bookkeeping of a request (keys.changeTrack) is kept. */
export const TRACK_TTL_SECONDS = 7 * 24 * 3600;
