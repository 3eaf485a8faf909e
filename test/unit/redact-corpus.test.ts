/**
 * Issue 10, item 2: log redaction against a corpus of realistic credential formats (each must be
 * masked) and look-alike lines (each must come out unchanged). The corpus is in
 * test/fixtures/redact-corpus.ts.
 */
import { cleanLogMessage, cleanLogMessages, MASK, redactSecrets } from '../../src/aws/redact';
import { logsAnswer } from '../../src/commands/render/logs';
import { LOOKALIKES, PEM_EVENTS, PEM_EVENTS_SECRETS, SECRET_CASES } from '../fixtures/redact-corpus';

describe('redaction corpus', () => {
  it('is big enough to mean something', () => {
    expect(SECRET_CASES.length).toBeGreaterThanOrEqual(40);
    expect(LOOKALIKES.length).toBeGreaterThanOrEqual(20);
    expect(new Set(SECRET_CASES.map((c) => c.name)).size).toBe(SECRET_CASES.length);
  });

  it.each(SECRET_CASES.map((c) => [c.name, c] as const))('masks: %s', (_name, c) => {
    const out = cleanLogMessage(c.text);
    for (const s of c.secrets) expect(out).not.toContain(s);
    expect(out).toContain(MASK);
  });

  it.each(LOOKALIKES.map((l) => [l.name, l.text] as const))('leaves alone: %s', (_name, text) => {
    expect(redactSecrets(text)).toBe(text);
  });

  it('is idempotent: masking masked text changes nothing', () => {
    for (const c of SECRET_CASES) {
      const once = redactSecrets(c.text);
      expect(redactSecrets(once)).toBe(once);
    }
  });

  it('keeps what a reader needs around a masked value', () => {
    expect(redactSecrets('connecting to redis://:pw1234@cache:6379/0')).toBe('connecting to redis://:[masked]@cache:6379/0');
    expect(redactSecrets('postgresql://app:p@ss@10.0.3.7:5432/shop')).toBe('postgresql://app:[masked]@10.0.3.7:5432/shop');
    expect(redactSecrets('token ghp_RuXrA8LS3mcjr95vlfniKvao41Elln26BgWl ok')).toBe('token ghp_[masked] ok');
    expect(redactSecrets('pass=Tr0ub4dor&3 host=x')).toBe('pass=[masked] host=x');
    expect(redactSecrets('GET /x?a=1&token=abc123def&lang=en')).toBe('GET /x?a=1&token=[masked]&lang=en');
    expect(redactSecrets('{\\"password\\":\\"hunter2\\",\\"user\\":\\"bob\\"}')).toBe(
      '{\\"password\\":\\"[masked]\\",\\"user\\":\\"bob\\"}',
    );
    expect(redactSecrets('POST https://hooks.slack.com/services/T1/B2/abcdefgh')).toBe('POST https://hooks.slack.com/services/[masked]');
  });

  it('leaves words after an auth scheme alone unless they look like a credential', () => {
    expect(redactSecrets('Token refreshed for user 42')).toBe('Token refreshed for user 42');
    expect(redactSecrets('Basic authentication failed')).toBe('Basic authentication failed');
    expect(redactSecrets('sent Bearer abcdefgh to upstream')).toBe('sent Bearer abcdefgh to upstream');
    expect(redactSecrets('Authorization: Bearer abcdefgh')).toBe('Authorization: Bearer [masked]');
    expect(redactSecrets('retrying with Bearer 4bcd3fgh1')).toBe('retrying with Bearer [masked]');
  });
});

describe('a private key logged one line per event', () => {
  it('masks every line of the key across events, and nothing around it', () => {
    const out = cleanLogMessages(PEM_EVENTS);
    expect(out).toHaveLength(PEM_EVENTS.length);
    const joined = out.join('\n');
    for (const s of PEM_EVENTS_SECRETS) expect(joined).not.toContain(s);
    expect(out[0]).toBe('starting key loader');
    expect(out[out.length - 1]).toBe('key loaded');
    expect(out[out.length - 2]).toContain('-----END EC PRIVATE KEY-----');
  });

  it('masks the body when the window starts inside the key (only the END line is seen)', () => {
    const tail = PEM_EVENTS.slice(3);
    const out = cleanLogMessages(['GET /health 200', ...tail]);
    const joined = out.join('\n');
    for (const s of PEM_EVENTS_SECRETS.slice(1)) expect(joined).not.toContain(s);
    expect(out[0]).toBe('GET /health 200');
  });

  it('masks to the end of the window when the END line never comes', () => {
    const out = cleanLogMessages(PEM_EVENTS.slice(0, 4));
    for (const s of PEM_EVENTS_SECRETS.slice(0, 2)) expect(out.join('\n')).not.toContain(s);
  });

  it('is cleanLogMessage for each message otherwise', () => {
    const msgs = [...SECRET_CASES.map((c) => c.text), ...LOOKALIKES.map((l) => l.text), '\u001b[31mred\u001b[0m'];
    expect(cleanLogMessages(msgs)).toEqual(msgs.map(cleanLogMessage));
  });
});

describe('/ecs logs answers', () => {
  const NOW = Date.UTC(2025, 4, 17, 12, 0, 0);
  const streamA = 'ecs/web/0123456789abcdef0123456789abcdef';
  const streamB = 'ecs/web/fedcba9876543210fedcba9876543210';
  const ev = (i: number, message: string, stream: string) => ({
    logStreamName: stream,
    timestamp: NOW - 60_000 + i * 100,
    message,
    eventId: `e${i}`,
  });

  function answer(events: ReturnType<typeof ev>[], limit = 50) {
    return logsAnswer({
      alias: 'web',
      environment: 'prod',
      container: 'web',
      logGroup: '/ecs/web-prod',
      region: 'eu-west-1',
      window: { start: NOW - 15 * 60_000, end: NOW },
      events,
      limit,
      more: false,
      consoleUrl: 'https://console.aws.amazon.com/cloudwatch/home',
      now: NOW,
    });
  }

  it('masks a key logged one line per event even when another task writes in between, in the message and in the file', () => {
    const events = PEM_EVENTS.flatMap((m, i) => [ev(2 * i, m, streamA), ev(2 * i + 1, `GET /health 200 (${i})`, streamB)]);
    const many = [...events, ...Array.from({ length: 300 }, (_, i) => ev(100 + i, `filler line ${i} ${'x'.repeat(60)}`, streamB))];
    const a = answer(many, 1000);
    expect(a.file).toBeDefined();
    const all = JSON.stringify(a.message) + a.file!.content + JSON.stringify(answer(events).message);
    for (const s of PEM_EVENTS_SECRETS) expect(all).not.toContain(s);
    // The other task's lines in between are untouched.
    expect(JSON.stringify(answer(events).message)).toContain('GET /health 200 (3)');
  });

  it('masks every corpus secret in the message and the file', () => {
    const events = SECRET_CASES.map((c, i) => ev(i, c.text, streamA));
    const filler = Array.from({ length: 200 }, (_, i) => ev(1000 + i, `filler ${i} ${'y'.repeat(80)}`, streamB));
    const a = answer([...events, ...filler], 1000);
    const all = JSON.stringify(answer(events).message) + (a.file?.content ?? '');
    for (const c of SECRET_CASES) for (const s of c.secrets) expect(all).not.toContain(s);
  });
});
