/**
 * The people reader's bounded cached read (src/slack/people.ts): a cache read slower than the bound
 * gives the workspace's language at the bound, a prompt one the person's; what a slow read brings
 * later is remembered for the next click.
 */
import { createPeople, type LocaleCache } from '../../src/slack/people';
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
