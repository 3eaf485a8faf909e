/**
 * `npm start`: the same app, commands and config as on Lambda, over Socket Mode when SLACK_APP_TOKEN
 * is set, else served by Bolt's HTTP receiver (POST /slack/events on PORT, default 3000). Slow work runs in-process after the ack; the
 * scheduled tasks run on a timer. Without REDIS_URL it starts its own redis-server with its data
 * in .local/redis (git-ignored), so a restart keeps pending approvals. Without Slack credentials it
 * is the playground instead (local-playground.ts).
 *
 * Ctrl-C (SIGINT) or SIGTERM stops it within a few seconds, private redis-server included; a
 * second signal stops it at once. A start-up problem (a busy port, a missing setting) is one
 * line, without a stack trace; an invalid chatops.yml is a sentence in the language it asks for, then
 * one line per problem with its path (src/config/startup.ts).
 */
/* eslint-disable no-console -- this is the interactive local entry point; it talks to a person */
import { startLocal, StartupError } from './local-server';
import { runPlayground, wantsPlayground } from './local-playground';

/** However stop() fares, the process is gone this long after the first signal. */
const HARD_STOP_MS = 5_000;

// Without Slack credentials, `npm start` is the playground: a local Slack and a web page (src/playground/).
if (wantsPlayground(process.env)) runPlayground(process.argv.slice(2));
else startProduction();

function startProduction(): void {
  startLocal({ env: process.env })
    .then((server) => {
      for (const line of server.notes) console.log(`ecs-chatops: ${line}`);
      let signals = 0;
      const stop = (signal: NodeJS.Signals) => {
        signals += 1;
        if (signals > 1) {
          server.killNow();
          process.exit(130);
        }
        console.log(`ecs-chatops: ${signal}: stopping`);
        setTimeout(() => {
          server.killNow();
          process.exit(1);
        }, HARD_STOP_MS).unref();
        void server.stop().then(
          () => process.exit(0),
          () => {
            server.killNow();
            process.exit(1);
          },
        );
      };
      process.on('SIGINT', stop);
      process.on('SIGTERM', stop);
    })
    .catch((err: unknown) => {
      // A start-up problem is said whole (an invalid chatops.yml: one line per problem); anything else in one line.
      const text =
        err instanceof StartupError ? err.message : `could not start: ${((err as Error)?.message ?? String(err)).split('\n')[0]}`;
      console.error(`ecs-chatops: ${text}`);
      process.exit(1);
    });
}
