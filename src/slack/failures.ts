/**
 * Slack answers that trying the same call again will not change: the channel, the message, the
 * token or the app is the problem, or the message itself is refused. A caller that would retry
 * (Lambda retrying an event, a job retried) stops on these and says what to fix; anything else
 * (a 5xx, `ratelimited`, `fatal_error`, a timeout, a network failure) may pass and is retried.
 */
import { causes, isSlackRateLimited, NO_ANSWER, neverReachedSlack, slackErrorCodeOf } from './gateway';

export { neverReachedSlack };

/** Slack's error code → what a person must do about it (for the operator's log; English). */
const PERMANENT: Readonly<Record<string, string>> = {
  channel_not_found: 'the channel does not exist or the bot cannot see it: check the channel ID in chatops.yml and invite the bot',
  not_in_channel: 'invite the bot to the channel (/invite @ECS ChatOps)',
  is_archived: 'the channel is archived: unarchive it or point chatops.yml at another channel',
  invalid_auth: 'the Slack bot token is wrong or revoked: check SLACK_BOT_TOKEN',
  not_authed: 'no Slack bot token was sent: check SLACK_BOT_TOKEN',
  token_revoked: 'the Slack bot token was revoked: reinstall the app and update SLACK_BOT_TOKEN',
  token_expired: 'the Slack bot token expired: reinstall the app and update SLACK_BOT_TOKEN',
  account_inactive: 'the Slack app or its workspace is deactivated: reinstall the app',
  missing_scope: 'the Slack app lacks a scope: reinstall it from slack-manifest.yml',
  no_permission: 'the Slack app is not allowed to do this in the workspace: check its installation',
  restricted_action: 'a workspace setting forbids the bot to post there: ask a Slack admin',
  message_not_found: 'the message was deleted: nothing to update',
  cant_update_message: 'the bot cannot edit this message',
  edit_window_closed: 'the message can no longer be edited',
  msg_too_long: 'the message is over Slack’s size limit: report it as a bug',
  msg_blocks_too_long: 'the message is over Slack’s block limit: report it as a bug',
  invalid_blocks: 'Slack refused the message’s blocks: report it as a bug',
  invalid_blocks_format: 'Slack refused the message’s blocks: report it as a bug',
  too_many_blocks: 'the message has too many blocks: report it as a bug',
  invalid_arguments: 'Slack refused the call’s arguments: report it as a bug',
};

/**
 * Slack's answers after which a message cannot be shown by updating it: it or its channel is gone,
 * or the bot can no longer edit it (a re-render cannot help; a card may be posted anew).
 */
const MESSAGE_UNREACHABLE: ReadonlySet<string> = new Set([
  'message_not_found',
  'cant_update_message',
  'edit_window_closed',
  'channel_not_found',
  'is_archived',
  'not_in_channel',
]);

/** Whether `err` is Slack saying the message cannot be updated any more (MESSAGE_UNREACHABLE). */
export function messageUnreachable(err: unknown): boolean {
  return MESSAGE_UNREACHABLE.has(slackErrorCodeOf(err) ?? '');
}

/** Slack's code and what to fix, when `err` is a Slack answer that a retry would repeat; else undefined. */
export function permanentSlackFailure(err: unknown): { code: string; fix: string } | undefined {
  const code = slackErrorCodeOf(err);
  return code && Object.hasOwn(PERMANENT, code) ? { code, fix: PERMANENT[code]! } : undefined;
}

/**
 * Whether a failed call that makes something new (a post) may still have gone through: it was
 * sent and Slack gave no answer (the client's timeout, the connection cut after sending; a
 * response_url answer the gateway did not send again: NO_ANSWER). Slack
 * answered when it gave an error code, a 429 or an HTTP error status, and a connection never made
 * sent nothing: then it did not. A later attempt at such a post looks for it first (findPosted).
 */
export function mayHaveLanded(err: unknown): boolean {
  if (slackErrorCodeOf(err) || isSlackRateLimited(err) || neverReachedSlack(err)) return false;
  for (const e of causes(err)) {
    const code = (e as { code?: unknown }).code;
    // A post's (the SDK's) or a response_url answer's (the gateway's NO_ANSWER).
    if (code === 'slack_webapi_request_error' || code === NO_ANSWER) return true;
  }
  return false;
}

/**
 * For an answer's `.catch`: rethrows `err` unless the answer may have shown (mayHaveLanded: the
 * gateway logged it), so that an error notice does not follow an answer that may be there.
 */
export function unlessMayHaveLanded(err: unknown): void {
  if (!mayHaveLanded(err)) throw err;
}

/**
 * How long after a post got no answer a look for it (findPosted) waits at least: a post Slack took
 * but answered late lands about when Slack answers, after the client stopped waiting. Real time (ms).
 */
export const LATE_POST_GRACE_MS = 2_000;
