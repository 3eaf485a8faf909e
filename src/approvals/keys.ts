/**
 * Every Redis key the bot uses, in one place. Keys that a Lua script touches together share one
 * hash tag `{…}` so the script works on Redis Cluster and ElastiCache Serverless.
 */
export const keys = {
  /** A handled slash-command invocation (duplicate deliveries are ignored). */
  seen: (invocationId: string) => `seen:{${invocationId}}`,
  /** A claimed worker job. */
  job: (jobId: string) => `job:{${jobId}}`,
  /** Lock on one service (hash: by, reason, since, kind=manual|change, request). */
  serviceLock: (env: string, alias: string) => `lock:{svc:${env}:${alias}}`,
  /** Freeze of one environment (hash: by, reason, since). */
  envFreeze: (env: string) => `freeze:{env:${env}}`,
  /**
   * A deployment the bot started: ECS deployment id → the request id that started it.
   * Alerts use it to leave the bot's own deployments to the request thread.
   */
  botDeployment: (deploymentId: string) => `ecsdeploy:{${deploymentId}}`,
  /** The audit stream of an environment (XADD, one entry per transition). */
  audit: (env: string) => `audit:{${env}}`,
} as const;

/** How long the bot remembers that it started a deployment. */
export const BOT_DEPLOYMENT_TTL_SECONDS = 14 * 24 * 3600;
