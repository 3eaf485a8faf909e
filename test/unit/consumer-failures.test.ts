/**
 * Which failures of an event consumer Lambda retries (the event runs again) and which it does not
 * (a retry would repeat them): classifyConsumerFailure, src/hooks/events.ts.
 */
import * as z from 'zod';
import { BotError } from '../../src/errors';
import { classifyConsumerFailure } from '../../src/hooks/events';

/** What the Slack SDK throws when Slack answers `ok: false` with `error` (its platform error). */
function slackAnswered(code: string): Error {
  return Object.assign(new Error(`An API error occurred: ${code}`), {
    code: 'slack_webapi_platform_error',
    data: { ok: false, error: code },
  });
}
/** The gateway's wrap of it (src/slack/gateway.ts): a BotError whose cause is the SDK's error. */
function wrapped(code: string): BotError {
  return new BotError('SLACK', `Slack API error: ${code}`, { userMessage: 'Slack refused the message.', cause: slackAnswered(code) });
}

describe('classifyConsumerFailure', () => {
  it.each(['channel_not_found', 'not_in_channel', 'is_archived', 'invalid_auth', 'token_revoked', 'missing_scope', 'msg_too_long'])(
    'Slack answered %s: not retried, with what to fix',
    (code) => {
      for (const err of [slackAnswered(code), wrapped(code)]) {
        const f = classifyConsumerFailure('images', err);
        expect(f).toMatchObject({ name: 'images', retryable: false, why: `Slack answered ${code}` });
        expect(f.fix).toMatch(/\w{4,}/);
      }
    },
  );

  it.each(['fatal_error', 'internal_error', 'ratelimited', 'service_unavailable', 'some_new_code'])(
    'Slack answered %s: retried',
    (code) => {
      expect(classifyConsumerFailure('images', wrapped(code)).retryable).toBe(true);
    },
  );

  it('Slack or Redis not answering, AWS throttling or timing out, anything unknown: retried', () => {
    const noAnswer = new BotError('SLACK', 'Slack API error: timeout', {
      userMessage: 'Slack did not answer.',
      cause: new Error('timeout'),
    });
    const rateLimited = Object.assign(new Error('rate limited'), { code: 'slack_webapi_rate_limited_error' });
    const redis = Object.assign(new Error('Reached the max retries per request limit'), { name: 'MaxRetriesPerRequestError' });
    for (const err of [
      noAnswer,
      rateLimited,
      redis,
      new Error('Connection is closed.'),
      new BotError('STORE_UNAVAILABLE', 'redis down', { userMessage: 'x' }),
      new BotError('AWS_THROTTLED', 'throttled', { userMessage: 'x' }),
      new BotError('AWS_TIMEOUT', 'timeout', { userMessage: 'x' }),
      new BotError('INTERNAL', 'bug', { userMessage: 'x' }),
      'a string',
      undefined,
    ])
      expect(classifyConsumerFailure('deploy-progress', err).retryable).toBe(true);
  });

  it('a refusal that does not change (access denied, not found) and an event a consumer cannot read: not retried', () => {
    const denied = new BotError('AWS_ACCESS_DENIED', 'denied', {
      userMessage: 'AWS denied access.',
      hint: 'Add ecr:DescribeImages to the role.',
    });
    expect(classifyConsumerFailure('images', denied)).toMatchObject({ retryable: false, fix: 'Add ecr:DescribeImages to the role.' });
    expect(classifyConsumerFailure('images', new BotError('NOT_FOUND', 'gone', { userMessage: 'The image is gone.' })).retryable).toBe(
      false,
    );
    const zod = z.object({ id: z.string() }).safeParse({});
    expect(classifyConsumerFailure('alerts', zod.error).retryable).toBe(false);
    let json: unknown;
    try {
      JSON.parse('{');
    } catch (err) {
      json = err;
    }
    expect(classifyConsumerFailure('alerts', json).retryable).toBe(false);
  });
});
