/**
 * `npm start`: the same app, commands and config as on Lambda, served by Bolt's HTTP receiver
 * (POST /slack/events on PORT, default 3000). Slow work runs in-process after the ack; the
 * scheduled tasks run on a timer. Without REDIS_URL it starts its own redis-server with its data
 * in .local/redis (git-ignored), so a restart keeps pending approvals.
 */
/* eslint-disable no-console -- this is the interactive local entry point; it talks to a person */
import { startLocal, StartupError } from './local-server';

startLocal({ env: process.env })
  .then((server) => {
    for (const line of server.notes) console.log(`ecs-chatops: ${line}`);
    const stop = () => void server.stop().finally(() => process.exit(0));
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  })
  .catch((err: unknown) => {
    console.error(`ecs-chatops: ${err instanceof StartupError ? err.message : ((err as Error).stack ?? String(err))}`);
    process.exit(1);
  });
