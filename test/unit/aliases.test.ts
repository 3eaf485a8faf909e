/**
 * Service aliases (chatops.yml `services.<name>.aliases`): how a typed word finds a service, and what
 * chatops.yml may not say. And a duration typed in several words (`2 시간`, `1 시간 30 분`). Pure.
 */
import { join } from 'node:path';
import { aliasIssues, aliasNote, lookupService, nameKey, serviceIndex } from '../../src/config/aliases';
import { durationWords, normalizeDuration } from '../../src/config/duration';
import { parseArgs } from '../../src/commands/grammar';
import { loadConfigFile, parseConfig } from '../../src/config/load';
import { isBotError } from '../../src/errors';
import { resolveService } from '../../src/commands/args';
import { fixtureConfig, fixtureDoc } from '../helpers/config';

const services = {
  web: { environment: 'prod', aliases: ['웹', 'Front'] },
  worker: { environment: 'prod', aliases: ['워커'] },
  'web-staging': { environment: 'staging', aliases: ['웹'] },
};
const config = { services };

function configError(edit: (doc: ReturnType<typeof fixtureDoc>) => void): string {
  try {
    parseConfig(fixtureDoc(edit), 'chatops.yml');
  } catch (err) {
    if (isBotError(err)) return err.message;
    throw err;
  }
  throw new Error('expected an error');
}

describe('a typed word finds a service by its name or an alias', () => {
  it.each<[string, string | undefined, string]>([
    ['web', undefined, 'web'],
    ['WEB', undefined, 'web'],
    ['웹', 'prod', 'web'],
    ['front', undefined, 'web'],
    ['ＦＲＯＮＴ', undefined, 'web'], // full-width, from an IME
    ['워커', undefined, 'worker'],
    ['워커'.normalize('NFD'), undefined, 'worker'], // decomposed (NFD, as macOS writes it)
    ['웹', 'staging', 'web-staging'], // an alias two environments use: the channel's environment's
  ])('%s (channel environment %s) is %s', (typed, env, name) => {
    expect(lookupService(config, typed, env)).toEqual({ name });
  });

  it('an alias two environments use, typed where neither is the channel environment, is ambiguous; an unknown word is nothing', () => {
    expect(lookupService(config, '웹', 'dev')).toEqual({ ambiguous: ['web', 'web-staging'] });
    expect(lookupService(config, '웹')).toEqual({ ambiguous: ['web', 'web-staging'] });
    expect(lookupService(config, '웨')).toBeUndefined();
    expect(lookupService(config, 'constructor')).toBeUndefined();
  });

  it('is built once per loaded configuration', () => {
    expect(serviceIndex(config)).toBe(serviceIndex(config));
    expect(serviceIndex(config).aliasesOf.get('web')).toEqual(['웹', 'Front']);
    expect(nameKey('ＷＥＢ')).toBe('web');
  });
});

describe('chatops.yml: aliases that would not find one service are refused, naming the service and the alias', () => {
  it.each<[string, Record<string, { environment: string; aliases?: string[] }>, string]>([
    [
      'the same alias for two services of one environment',
      { web: { environment: 'prod', aliases: ['웹'] }, worker: { environment: 'prod', aliases: ['웹'] } },
      'alias "웹" of service worker is also an alias of service web in prod',
    ],
    [
      "another service's name",
      { web: { environment: 'prod' }, worker: { environment: 'staging', aliases: ['WEB'] } },
      'alias "WEB" of service worker is the name of service web',
    ],
    [
      "an environment's name",
      { web: { environment: 'prod', aliases: ['staging'] } },
      'alias "staging" of service web is the name of environment staging',
    ],
    ['a duration', { web: { environment: 'prod', aliases: ['2h'] } }, 'alias "2h" of service web reads as a duration'],
    ['a unit word', { web: { environment: 'prod', aliases: ['시간'] } }, 'alias "시간" of service web reads as a duration'],
  ])('%s', (_what, svcs, message) => {
    expect(aliasIssues(svcs, { prod: {}, staging: {} }).map((i) => i.message)).toEqual([message]);
  });

  it('allows one alias in two environments, and its own name', () => {
    expect(aliasIssues(services, { prod: {}, staging: {} })).toEqual([]);
    expect(aliasIssues({ web: { environment: 'prod', aliases: ['Web', '웹', '웹'] } }, { prod: {} })).toEqual([]);
  });

  it('names the path when chatops.yml is loaded, and refuses an empty alias or one with a space', () => {
    expect(
      configError((d) => {
        d.services.web.aliases = ['웹'];
        d.services.worker.aliases = ['웹'];
      }),
    ).toContain('services.worker.aliases.0: alias "웹" of service worker is also an alias of service web in prod');
    expect(configError((d) => (d.services.web.aliases = ['웹', ' ']))).toContain('services.web.aliases.1: an alias may not be empty');
    expect(configError((d) => (d.services.web.aliases = ['웹 서버']))).toContain('services.web.aliases.0: must be letters');
  });

  it.each([
    ['a service named like a duration', { '30m': { environment: 'prod' } }, {}, 'service "30m" reads as a duration'],
    ['a service named like a unit', { h: { environment: 'prod' } }, {}, 'service "h" reads as a duration'],
    ['an environment named like a duration', { web: { environment: 'prod' } }, { '2h': {} }, 'environment "2h" reads as a duration'],
    ['an environment named like a unit', { web: { environment: 'prod' } }, { d: {} }, 'environment "d" reads as a duration'],
  ])('refuses %s, naming it and why', (_what, svcs, envs, message) => {
    const issues = aliasIssues(svcs, { prod: {}, ...envs });
    expect(issues).toHaveLength(1);
    expect(issues[0]!.message).toContain(message);
    expect(issues[0]!.message).toContain('--since 1h');
  });

  it('keeps names that only start or end like a duration', () => {
    expect(
      aliasIssues({ web2h: { environment: 'prod' }, m1: { environment: 'prod' }, api: { environment: 'prod' } }, { prod: {} }),
    ).toEqual([]);
  });

  it('refuses a service or environment named like a duration when chatops.yml is loaded', () => {
    expect(
      configError((d) => {
        d.services['30m'] = d.services.web;
        delete d.services.web;
      }),
    ).toContain('services.30m: service "30m" reads as a duration');
    expect(
      configError((d) => {
        d.environments.h = d.environments.staging;
        delete d.environments.staging;
        for (const s of Object.values(d.services) as Array<{ environment: string }>) if (s.environment === 'staging') s.environment = 'h';
      }),
    ).toContain('environments.h: environment "h" reads as a duration');
  });

  it('the committed example loads, and its aliases find their services', () => {
    const ex = loadConfigFile(join(__dirname, '../../chatops.example.yml'));
    expect(lookupService(ex, '웹', 'prod')).toEqual({ name: 'web' });
    expect(lookupService(ex, '웹', 'staging')).toEqual({ name: 'web-staging' });
  });

  it("chatops.yml's duration error lists the Korean units it accepts", () => {
    expect(configError((d) => (d.environments.prod.approvalTtl = '한시간'))).toContain(
      'environments.prod.approvalTtl: "한시간" is not a duration; write e.g. 90s, 15m, 2h, 1d, 1w, 1h30m (units s/m/h/d/w, or 초/분/시간/일/주: 2시간)',
    );
  });
});

describe('a duration typed in several words', () => {
  it.each<[string, string[], { taken: number; value: string } | undefined]>([
    ['2', ['시간'], { taken: 1, value: '2h' }],
    ['2', ['h'], { taken: 1, value: '2h' }],
    ['1', ['시간', '30', '분'], { taken: 3, value: '1h30m' }],
    ['1시간', ['30분'], { taken: 1, value: '1h30m' }],
    ['1', ['일', '2', '시간', '30', '분', 'web'], { taken: 5, value: '1d2h30m' }],
    ['1h', ['30m', 'web'], { taken: 1, value: '1h30m' }],
    ['2', ['시간', 'web'], { taken: 1, value: '2h' }],
    ['2h', ['web'], undefined],
    ['2026-12-03', ['10:00'], undefined],
    ['last', ['month'], undefined],
  ])('%s + %j', (value, words, result) => {
    expect(durationWords(value, words)).toEqual(result);
  });

  it('`2 h` and `1 h 30 m` are durations too', () => {
    expect(normalizeDuration('2 h')).toBe('2h');
    expect(normalizeDuration('1 h 30 m')).toBe('1h30m');
    expect(normalizeDuration('2 h x')).toBeUndefined();
  });

  it('the grammar reads the words of a duration flag in the order typed, and leaves other flags alone', () => {
    expect(parseArgs('logs web --since 2 시간 --until 1 시간')).toEqual({
      verb: 'logs',
      positionals: ['web'],
      flags: { since: '2h', until: '1h' },
    });
    expect(parseArgs('logs --since 1 시간 30 분 web').positionals).toEqual(['web']);
    expect(parseArgs('logs web --since=2 h').flags).toEqual({ since: '2h' });
    expect(parseArgs('logs web --limit 5 m')).toMatchObject({ positionals: ['web', 'm'], flags: { limit: '5' } });
    expect(parseArgs('logs web --filter 5 m')).toMatchObject({ positionals: ['web', 'm'], flags: { filter: '5' } });
  });
});

describe('a mistyped service is answered with the services it may mean, each once', () => {
  const cfg = fixtureConfig((d) => {
    d.services.web.aliases = ['웹', '웹서버', 'web-front', 'Frontend'];
    d.services['web-staging'].aliases = ['웹'];
  });
  const answer = (typed: string): string => {
    try {
      resolveService(cfg, typed, undefined, 'CPROD');
    } catch (err) {
      if (isBotError(err)) return err.userMessageIn('en');
      throw err;
    }
    throw new Error('expected an error');
  };

  it('names a service by its name, with the alias that matched beside it, not the alias as another service', () => {
    // Two aliases of web match: one suggestion; an alias two environments use is each of its two services.
    expect(answer('웹서')).toBe("I don't know a service called `웹서`. Did you mean `web` (`웹`), `web-staging` (`웹`)?");
    expect(answer('frontnd')).toBe("I don't know a service called `frontnd`. Did you mean `web` (`Frontend`)?");
  });

  it('shows the name alone when the name matches better than an alias', () => {
    expect(answer('wbe')).toBe("I don't know a service called `wbe`. Did you mean `web`?");
    expect(answer('web-fornt')).toBe("I don't know a service called `web-fornt`. Did you mean `web`?");
  });
});

describe('aliases shown beside a name, briefly', () => {
  it.each<[readonly string[] | undefined, number | undefined, string]>([
    [undefined, undefined, ''],
    [[], undefined, ''],
    [['웹', '프론트'], undefined, ' (웹, 프론트)'],
    [['a', 'b', 'c', 'd'], undefined, ' (a, b, c, …)'],
    [['웹', '프론트엔드서버'], 8, ' (웹, …)'],
    [['프론트엔드서버'], 8, ''],
  ])('%j in %s characters: %j', (aliases, max, note) => {
    expect(aliasNote(aliases, max)).toBe(note);
    expect(note.length).toBeLessThanOrEqual(max ?? 40);
  });
});
