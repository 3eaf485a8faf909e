/**
 * `--help` / `-h` after any verb shows that verb's help (it is never taken as a service name), and
 * read-only answers are public unless `--private` (or the environment's visibility) says so.
 */
import { join } from 'node:path';
import { loadConfigFile } from '../../src/config/load';
import { route } from '../../src/commands/router';
import { verbNames } from '../../src/commands/registry';
import { visibilityOf } from '../../src/commands/visibility';
import { isBotError } from '../../src/errors';

const config = loadConfigFile(join(__dirname, '../fixtures/chatops.test.yml'));
const inv = (text: string) => ({ text, channelId: 'CPROD', userId: 'UDEV1' });

describe('--help and -h on every verb', () => {
  it.each(verbNames().filter((v) => v !== 'help'))('%s -h and %s --help show its help', (verb) => {
    for (const text of [`${verb} -h`, `${verb} --help`, `${verb} web -h`]) {
      const { spec, parsed } = route({ config }, inv(text));
      expect(spec.verb).toBe('help');
      expect(parsed.args).toEqual({ verb });
    }
  });
});

describe('who sees a read-only answer', () => {
  const usage = '/ecs status [service]';
  it('public by default, private with --private, and the two flags together are refused', () => {
    expect(visibilityOf(config, 'prod', {}, usage)).toBe(config.environments.prod!.visibility.reads);
    expect(config.environments.prod!.visibility.reads).toBe('public');
    expect(visibilityOf(config, 'prod', {}, usage, 'logs')).toBe('private');
    expect(visibilityOf(config, 'prod', { private: true }, usage)).toBe('private');
    expect(visibilityOf(config, 'prod', { public: true }, usage)).toBe('public');
    let err: unknown;
    try {
      visibilityOf(config, 'prod', { private: true, public: true }, usage);
    } catch (e) {
      err = e;
    }
    expect(isBotError(err) && err.code).toBe('BAD_INPUT');
    expect(isBotError(err) && err.userMessageIn('ko')).toContain('--private');
  });
  it("follows the environment's visibility when no flag is given", () => {
    const privateProd = {
      ...config,
      environments: {
        ...config.environments,
        prod: { ...config.environments.prod!, visibility: { reads: 'private' as const, logs: 'private' as const } },
      },
    };
    expect(visibilityOf(privateProd, 'prod', {}, usage)).toBe('private');
    expect(visibilityOf(privateProd, 'prod', { public: true }, usage)).toBe('public');
  });
  // tasks, taskdef and rightsize ignored `visibility: private` (their answers went to the channel) and refused
  // `--private`, which help says every read-only answer takes.
  it.each(['tasks web', 'tasks web --stopped', 'taskdef web 41', 'taskdef web --diff 41', 'rightsize web --days 7'])(
    "%s follows --private, --public and the environment's visibility like every read-only verb",
    (text) => {
      const privateProd = {
        ...config,
        environments: {
          ...config.environments,
          prod: { ...config.environments.prod!, visibility: { reads: 'private' as const, logs: 'private' as const } },
        },
      };
      expect(route({ config }, inv(text)).parsed.visibility).toBe('public');
      expect(route({ config }, inv(`${text} --private`)).parsed.visibility).toBe('private');
      const [verb, ...rest] = text.split(' ');
      // Before the service: a flag, never taken as the service's name.
      expect(route({ config }, inv(`${verb} --private ${rest.join(' ')}`)).parsed.visibility).toBe('private');
      expect(route({ config: privateProd }, inv(text)).parsed.visibility).toBe('private');
      expect(route({ config: privateProd }, inv(`${text} --public`)).parsed.visibility).toBe('public');
      expect(route({ config }, inv(`${text} --private`)).spec.usage).toContain('[--private]');
    },
  );
  it('status --private parses (the flag is not taken as a service)', () => {
    const { parsed } = route({ config }, inv('status web --private'));
    expect(parsed.args).toMatchObject({ alias: 'web' });
  });
});
