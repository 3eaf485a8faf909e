import { normalizeSlackText, parseArgs, tokenize, MAX_TOKEN } from '../../src/commands/grammar';
import { isBotError } from '../../src/errors';

function userMessage(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    if (isBotError(err)) return err.userMessage;
    throw err;
  }
  throw new Error('expected a BotError');
}

describe('command grammar', () => {
  it('splits verb, positionals and flags', () => {
    expect(parseArgs('deploy web v1.2.3 --reason hotfix --dry-run', new Set(['dry-run']))).toEqual({
      verb: 'deploy',
      positionals: ['web', 'v1.2.3'],
      flags: { reason: 'hotfix', 'dry-run': true },
    });
  });

  it('keeps quoted values together, with straight, single and smart quotes', () => {
    expect(parseArgs('deploy web v2 --reason "fix checkout bug"').flags.reason).toBe('fix checkout bug');
    expect(parseArgs("lock web --reason 'db migration'").flags.reason).toBe('db migration');
    expect(parseArgs('lock web --reason \u201cdb migration tonight\u201d').flags.reason).toBe('db migration tonight');
    expect(tokenize('a "" b')).toEqual(['a', '', 'b']);
  });

  it('accepts --flag=value and the dashes phones type for --', () => {
    expect(parseArgs('logs web --since=2h').flags.since).toBe('2h');
    expect(parseArgs('logs web \u2014since 2h').flags.since).toBe('2h');
    expect(parseArgs('logs web \u2013filter=ERROR').flags.filter).toBe('ERROR');
    expect(parseArgs('logs web --filter="a b=c"').flags.filter).toBe('a b=c');
  });

  it('treats a flag followed by another flag as boolean', () => {
    expect(parseArgs('logs web --previous --since 1h').flags).toEqual({ previous: true, since: '1h' });
  });

  it('lower-cases the verb and flag names but not values', () => {
    expect(parseArgs('DEPLOY web V1 --Reason Yes')).toEqual({ verb: 'deploy', positionals: ['web', 'V1'], flags: { reason: 'Yes' } });
  });

  it('normalizes what Slack rewrites: entities, mentions, channels, links', () => {
    expect(normalizeSlackText('a &lt;b&gt; &amp; c')).toBe('a <b> & c');
    expect(normalizeSlackText('<!channel> <@U123|bob> <#C1|ops> <https://x.io|x.io>')).toBe('@channel @U123 #ops x.io');
  });

  it('refuses an unterminated quote with a fix', () => {
    expect(userMessage(() => parseArgs('deploy web v1 --reason "oops'))).toContain('quote is not closed');
  });

  it('refuses an oversized argument without echoing all of it', () => {
    const msg = userMessage(() => parseArgs(`deploy web ${'x'.repeat(MAX_TOKEN + 1)}`));
    expect(msg).toContain(`${MAX_TOKEN + 1} characters long`);
    expect(msg.length).toBeLessThan(300);
  });

  it('refuses a 5,000-character command', () => {
    expect(userMessage(() => parseArgs('x'.repeat(5000)))).toContain('5000 characters long');
  });

  it('escapes echoed input so mentions stay inert', () => {
    const msg = userMessage(() => parseArgs(`deploy <!channel>${'y'.repeat(MAX_TOKEN)}`));
    expect(msg).not.toContain('<!channel>');
    expect(msg).toContain('@channel');
  });
});
