/**
 * Issue 10, item 4, the logger's last line of defence: the runtime's secrets (bot token, signing
 * secret, Redis password) never reach a log line, in whatever form, and neither does the password
 * of a URL. And a REDIS_URL the URL parser rejects is described without its password.
 */
import { inspect } from 'node:util';
import { join } from 'node:path';
import { loadConfigFile } from '../../src/config/load';
import { createRuntime } from '../../src/handlers/compose';
import { createLogger, registerSecret, scrubLogLine, setLogSink } from '../../src/log';
import { createRedis } from '../../src/redis/client';
import { describeRedisUrl, redisPassword } from '../../src/redis/url';

const lines: string[] = [];
let prev: ReturnType<typeof setLogSink>;
beforeAll(() => {
  prev = setLogSink((l) => lines.push(l));
});
afterAll(() => setLogSink(prev));

describe('log lines', () => {
  beforeAll(() => {
    registerSecret('xoxb-unit-test-bot-token');
    registerSecret('p@ss/"word"+1');
  });

  it('replace registered secrets in the message, fields and errors, plain, JSON-escaped and URL-encoded', () => {
    const log = createLogger({ app: 't' }, 'debug');
    log.info('token xoxb-unit-test-bot-token used', {
      nested: { url: `redis://:${encodeURIComponent('p@ss/"word"+1')}@cache:6379` },
      err: new Error('auth failed for p@ss/"word"+1', { cause: new Error('xoxb-unit-test-bot-token') }),
    });
    const line = lines[lines.length - 1]!;
    expect(line).not.toContain('xoxb-unit-test-bot-token');
    expect(line).not.toContain('word');
    expect(line).toContain('[secret]');
    expect(JSON.parse(line).msg).toBe('token [secret] used');
  });

  it('mask the password of any URL', () => {
    expect(scrubLogLine('{"err":"connect failed: postgres://app:hunter2@db:5432/shop"}')).toBe(
      '{"err":"connect failed: postgres://app:[secret]@db:5432/shop"}',
    );
    expect(scrubLogLine('https://example.com/a:b@c')).toBe('https://example.com/a:b@c');
  });

  it('ignore values too short to be secrets (no "[secret]" soup)', () => {
    registerSecret('abc');
    expect(scrubLogLine('abc def')).toBe('abc def');
  });
});

describe('Redis URLs', () => {
  it('redisPassword decodes the password, or says there is none', () => {
    expect(redisPassword('redis://:p%2Fss@h:6379')).toBe('p/ss');
    expect(redisPassword('redis://default:pw123456@h:6379')).toBe('pw123456');
    expect(redisPassword('redis://h:6379')).toBeUndefined();
    expect(redisPassword('not a url')).toBeUndefined();
  });

  it('describeRedisUrl keeps the scheme and host, never the user or password', () => {
    expect(describeRedisUrl('rediss://default:pa55#word@master.cache.amazonaws.com:6379/0')).toBe(
      'rediss://…@master.cache.amazonaws.com:6379',
    );
    expect(describeRedisUrl('redis://:pa/ss@h:1')).toBe('redis://…@h:1');
    expect(describeRedisUrl('secret-without-scheme')).toBe('?://…');
  });

  it('createRedis turns the parser error (which carries the whole URL) into a CONFIG error without it', () => {
    expect(() => createRedis('redis://:pa55/word@127.0.0.1:6379', 'worker')).toThrow(
      /^REDIS_URL is not a valid URL \(redis:\/\/…@127\.0\.0\.1:6379\)$/,
    );
  });
});

describe('a REDIS_URL the bot cannot use', () => {
  /** How an error that stops a function is printed: Lambda's runtime (name, message, every own enumerable property, stack) and util.inspect (the local server, Node itself). */
  function printed(err: unknown): string {
    const e = err as Error;
    return `${JSON.stringify({ errorType: e.name, errorMessage: e.message, ...e, stack: e.stack?.split('\n') })}\n${inspect(err, { depth: 5 })}`;
  }

  it.each([
    ['a slash in the password', 'redis://:pa55/word-9f3k@127.0.0.1:6379'],
    ['a hash in the password', 'rediss://default:pa55#word-9f3k@master.cache.amazonaws.com:6379'],
    ['a question mark in the password', 'redis://:pa55?word-9f3k@127.0.0.1:6379'],
    ['a bad percent escape in the password', 'redis://:pa55%ZZword-9f3k@127.0.0.1:6379'],
  ])('%s: start-up fails naming REDIS_URL, and the password is in no error text', (_what, url) => {
    let thrown: unknown;
    try {
      createRuntime({
        env: { SLACK_BOT_TOKEN: 'xoxb-unit', SLACK_SIGNING_SECRET: 'unit-signing-secret', REDIS_URL: url },
        config: loadConfigFile(join(__dirname, '../fixtures/chatops.test.yml')),
        profile: 'worker',
        dispatcher: { dispatch: async () => undefined },
      });
    } catch (err) {
      thrown = err;
    }
    expect(thrown).toBeDefined();
    const text = printed(thrown) + lines.join('\n');
    expect(text).toContain('REDIS_URL');
    expect(text).not.toContain('word-9f3k');
    expect(text).not.toContain('pa55');
  });
});
