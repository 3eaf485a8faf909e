/**
 * The Bolt app, shared by the Lambda handler (AwsLambdaReceiver) and the local server
 * (HTTPReceiver). No auth.test call ever: the bot's identity comes from config.
 */
import { App, LogLevel, type Receiver } from '@slack/bolt';
import type { Runtime } from '../runtime';
import { installInteractivity } from './interactivity';
import { handleSlashCommand } from './slash';
import { slackClientOptions } from '../slack/gateway';
import { workspaceGuard } from './workspace';

export function createApp(rt: Runtime, receiver: Receiver): App {
  const app = new App({
    receiver,
    // A fixed authorization: avoids Bolt's auth.test round trip on cold start. No bot token: every
    // Slack call goes through rt.slack (and a reply through response_url), never through the client
    // Bolt hands listeners, so Bolt does not build a WebClient for it on the first request.
    authorize: async () => ({
      botId: rt.config.slack.botId,
      botUserId: rt.config.slack.botUserId,
    }),
    clientOptions: slackClientOptions(process.env, rt.mode === 'lambda' ? 'withinAck' : 'patient'),
    logLevel: process.env.LOG_LEVEL === 'debug' ? LogLevel.DEBUG : LogLevel.WARN,
    // No listener reads context.conversation: without the store, Bolt skips a global middleware
    // that looks the channel up (and rejects with a new Error when it is not there) on every request.
    convoStore: false,
  });

  // Before any listener: requests from another workspace or Enterprise org go no further.
  app.use(workspaceGuard(rt));

  app.command('/ecs', async ({ command, ack, context }) => {
    const retryNum = context.retryNum === undefined ? undefined : Number(context.retryNum);
    const reply = await handleSlashCommand(rt, command, { retryNum });
    await ack(reply === '' ? undefined : (reply as never));
  });

  installInteractivity(app, rt);

  app.error(async (err) => {
    rt.log.error('bolt error', { err });
  });
  return app;
}
