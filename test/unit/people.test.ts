/**
 * The people reader's bounded cached read (src/slack/people.ts): a cache read slower than the bound
 * gives the workspace's language at the bound, a prompt one the person's; what a slow read brings
 * later is remembered for the next click. The bounded lookup (an alert button's, which may ask
 * Slack): the same at its bound, and a late failure is not cached.
 */
import { createPeople, LOCALE_TTL_SECONDS, type LocaleCache } from '../../src/slack/people';
import { createLogger } from '../../src/log';

function slowCache(): LocaleCache & { release(v: string): void } {
  let release: (v: string) => void = () => undefined;
  const pending = new Promise<string>((resolve) => (release = resolve));
  return {
    get: () => pending,
    set: async () => undefined,
    release: (v) => release(v),
  };
}

describe('cachedLocaleOf with a bound', () => {
  const log = createLogger({}, 'error');
  const slack = { userLocale: async () => 'ko-KR' };

  it('a read slower than the bound: the workspace language; once the read lands, the person’s', async () => {
    const cache = slowCache();
    const people = createPeople({ workspace: 'en', slack, cache, log });
    await expect(people.cachedLocaleOf('U1', { withinMs: 5 })).resolves.toBe('en');
    cache.release('ko-KR');
    await new Promise((r) => setImmediate(r));
    await expect(people.cachedLocaleOf('U1', { withinMs: 5 })).resolves.toBe('ko');
  });

  it('a prompt read gives the person’s language; nothing cached gives the workspace’s', async () => {
    const store = new Map([['U1', 'ko-KR']]);
    const cache: LocaleCache = { get: async (u) => store.get(u), set: async () => undefined };
    const people = createPeople({ workspace: 'en', slack, cache, log });
    await expect(people.cachedLocaleOf('U1', { withinMs: 10_000 })).resolves.toBe('ko');
    await expect(people.cachedLocaleOf('U2', { withinMs: 10_000 })).resolves.toBe('en');
  });

  it('a failing read gives the workspace language', async () => {
    const cache: LocaleCache = { get: () => Promise.reject(new Error('down')), set: async () => undefined };
    const people = createPeople({ workspace: 'ko', slack, cache, log });
    await expect(people.cachedLocaleOf('U1', { withinMs: 10_000 })).resolves.toBe('ko');
  });
});

describe('localeOf with a bound', () => {
  const log = createLogger({}, 'error');
  /** users.info held until released (or failed); the cache a Map that records each TTL. */
  function world() {
    let settle: { resolve(v: string): void; reject(e: Error): void } | undefined;
    let asked = 0;
    const slack = {
      userLocale: () => {
        asked++;
        return new Promise<string>((resolve, reject) => (settle = { resolve, reject }));
      },
    };
    const stored = new Map<string, { v: string; ttl: number }>();
    const cache: LocaleCache = {
      get: async (u) => stored.get(u)?.v,
      set: async (u, v, ttl) => void stored.set(u, { v, ttl }),
    };
    const people = createPeople({ workspace: 'en', slack, cache, log });
    const flush = () => new Promise((r) => setImmediate(r));
    return { people, stored, asked: () => asked, settle: () => settle!, flush };
  }

  it('Slack slower than the bound: the workspace language; its late answer is cached for the day', async () => {
    const w = world();
    await expect(w.people.localeOf('U1', { withinMs: 5 })).resolves.toBe('en');
    w.settle().resolve('ko-KR');
    await w.flush();
    expect(w.stored.get('U1')).toEqual({ v: 'ko-KR', ttl: LOCALE_TTL_SECONDS });
    await expect(w.people.localeOf('U1', { withinMs: 5 })).resolves.toBe('ko');
    expect(w.asked()).toBe(1);
  });

  it('a failure after the bound is not cached: the next click asks Slack again', async () => {
    const w = world();
    await expect(w.people.localeOf('U1', { withinMs: 5 })).resolves.toBe('en');
    w.settle().reject(new Error('timed out'));
    await w.flush();
    expect(w.stored.has('U1')).toBe(false);
    const again = w.people.localeOf('U1', { withinMs: 1_000 });
    await w.flush();
    w.settle().resolve('ko-KR');
    await expect(again).resolves.toBe('ko');
    expect(w.asked()).toBe(2);
  });

  it('a failure within the bound is cached for an hour (Slack is not asked on every click)', async () => {
    const w = world();
    const first = w.people.localeOf('U1', { withinMs: 1_000 });
    await w.flush();
    w.settle().reject(new Error('user_not_found'));
    await expect(first).resolves.toBe('en');
    expect(w.stored.get('U1')).toEqual({ v: '', ttl: 3600 });
  });
});

describe('localeOf when the store is known to be down (storeDown)', () => {
  const log = createLogger({}, 'error');

  it('a stalled cache is neither read nor written: Slack gives the person’s language within the bound', async () => {
    let sets = 0;
    const cache: LocaleCache = { get: () => new Promise<string>(() => undefined), set: async () => void sets++ };
    const people = createPeople({ workspace: 'en', slack: { userLocale: async () => 'ko-KR' }, cache, log });
    await expect(people.localeOf('U1', { withinMs: 1_000, storeDown: true })).resolves.toBe('ko');
    expect(sets).toBe(0);
    // What Slack said is remembered in the process: the next lookup needs neither.
    await expect(people.localeOf('U1', { withinMs: 10_000, storeDown: true })).resolves.toBe('ko');
  });
});
