/**
 * Redis keys only the worker-side functions (worker, events, scheduled) use: kept out of ./keys.ts,
 * which the Slack function's bundle loads whole, so they cost it nothing. Same rules as there (a hash
 * tag `{…}` per key); docs/redis.md's key table and ./bounds.ts cover them with the others.
 */
export const workerKeys = {
  /**
   * The worker posting one keyed notice (src/approvals/notice.run.ts): held for the post's bounded
   * time, so two attempts at the same notice (a job delivered twice, the follow-up of a lost Redis
   * answer) never both look, find nothing and post. Tagged by the notice's key.
   */
  noticeClaim: (noticeKey: string) => `noticeclaim:{${noticeKey}}`,
  /**
   * Tasks of a service ECS stopped for running out of memory (zset: task id → when; src/alerts/memory-kills.run.ts),
   * which /ecs rightsize reads. Same slot as the service's incident.
   */
  memoryKills: (env: string, alias: string) => `oomkills:{svc:${env}:${alias}}`,
};
