/**
 * Issue 10, item 16: property-based tests of the command grammar and every verb's parser, through
 * the router the Slack edge uses. Whatever people type (mentions, links, quotes, dashes, mrkdwn,
 * control characters, unicode, very long text), parsing either succeeds or fails with a BotError,
 * and whatever the bot answers (the error reply, the ack text, help) is safe to post: no mention,
 * ping or link it did not mean, within Block Kit limits. Seeded runs: see test/helpers/blockkit-props.ts.
 */
import fc from 'fast-check';
import { join } from 'node:path';
import { section } from '../../src/slack/blocks';
import { route } from '../../src/commands/router';
import { errorReply } from '../../src/slack/reply';
import { normalizeSlackText, parseArgs, tokenize } from '../../src/commands/grammar';
import { helpForVerb, helpOverview } from '../../src/commands/help';
import { findCommand, verbNames } from '../../src/commands/registry';
import { loadConfigFile } from '../../src/config/load';
import { isBotError } from '../../src/errors';
import type { Logger } from '../../src/log';
import { assertSafe, FC_PARAMS, hostileOrLong, hostileText, TRUSTED_CHANNELS, trustedUser } from '../helpers/blockkit-props';

/** The command table, in order, as the help verb sees it. */
const commands = verbNames().map((v) => findCommand(v)!);

const config = loadConfigFile(join(__dirname, '../fixtures/chatops.test.yml'));
const quiet: Logger = { debug() {}, info() {}, warn() {}, error() {}, child: () => quiet };

const FLAGS = [
  'reason',
  'since',
  'until',
  'to',
  'dry-run',
  'filter',
  'limit',
  'container',
  'task',
  'previous',
  'period',
  'by',
  'service',
  'for',
];
const WORDS = [
  'web',
  'worker',
  'web-staging',
  'prod',
  'staging',
  'v1.2.3',
  '4',
  '0',
  '-1',
  '1e3',
  '15m',
  '2h',
  '7d',
  'sha256:' + 'a'.repeat(64),
];

const flagWithValue = fc
  .tuple(fc.constantFrom(...FLAGS), fc.oneof(fc.constantFrom(...WORDS), hostileText(3)))
  .map(([f, v]) => `--${f} ${v}`);

/** A verb, a service, then words and flags: the shape of real commands, so every verb's parser is reached deeply. */
const shapedCommand: fc.Arbitrary<string> = fc
  .tuple(
    fc.constantFrom(...verbNames()),
    fc.oneof(fc.constantFrom('web', 'worker', 'web-staging', 'prod', 'staging'), hostileText(2)),
    fc.array(
      fc.oneof(
        fc.constantFrom(...WORDS),
        flagWithValue,
        hostileText(3),
        hostileText(3).map((x) => `"${x}"`),
      ),
      { maxLength: 5 },
    ),
  )
  .map(([verb, target, rest]) => [verb, target, ...rest].join(' '));

/** A command text as typed: a verb (real or not), words, flags with values, hostile text anywhere. */
const randomCommand: fc.Arbitrary<string> = fc
  .tuple(
    fc.oneof(fc.constantFrom(...verbNames()), fc.constantFrom('', 'HELP', 'Deploy', 'deplyo'), hostileText(3)),
    fc.array(
      fc.oneof(
        { weight: 3, arbitrary: fc.constantFrom(...WORDS) },
        { weight: 2, arbitrary: fc.constantFrom(...FLAGS).map((f) => `--${f}`) },
        { weight: 1, arbitrary: fc.constantFrom(...FLAGS).map((f) => `\u2014${f}`) },
        { weight: 2, arbitrary: hostileText(4) },
        { weight: 1, arbitrary: hostileText(4).map((s) => `"${s}"`) },
        { weight: 1, arbitrary: hostileText(4).map((s) => `--reason=${s}`) },
        { weight: 1, arbitrary: hostileOrLong() },
      ),
      { maxLength: 8 },
    ),
  )
  .map(([verb, rest]) => [verb, ...rest].join(' '));

const commandText = fc.oneof({ weight: 3, arbitrary: shapedCommand }, { weight: 2, arbitrary: randomCommand });

describe('the grammar', () => {
  it('parseArgs returns or throws a BotError, for any text', () => {
    fc.assert(
      fc.property(fc.oneof(commandText, fc.string({ unit: 'binary', maxLength: 300 })), (text) => {
        try {
          const raw = parseArgs(text, new Set(['dry-run', 'previous']));
          expect(typeof raw.verb).toBe('string');
        } catch (err) {
          if (!isBotError(err)) throw err;
          assertSafe(errorReply(err, quiet), 'error reply');
        }
      }),
      FC_PARAMS,
    );
  });

  it('normalizing Slack text and tokenizing never throw anything but BotError', () => {
    fc.assert(
      fc.property(hostileOrLong(), (text) => {
        const n = normalizeSlackText(text);
        expect(typeof n).toBe('string');
        try {
          tokenize(n);
        } catch (err) {
          if (!isBotError(err)) throw err;
        }
      }),
      FC_PARAMS,
    );
  });
});

describe('every verb through the router', () => {
  it('parses or refuses with a BotError; the reply, the ack and help are safe to post', () => {
    fc.assert(
      fc.property(commandText, trustedUser(), fc.constantFrom(...TRUSTED_CHANNELS, 'CSTAGING'), (text, userId, channelId) => {
        try {
          const { spec, parsed } = route({ config }, { text, channelId, userId });
          for (const locale of ['en', 'ko'] as const) {
            const ack = spec.ackText?.(parsed, locale);
            if (ack !== undefined) assertSafe({ text: ack, blocks: [section(`:hourglass_flowing_sand: ${ack}`)] }, `ack of ${spec.verb}`);
          }
        } catch (err) {
          if (!isBotError(err)) throw err;
          assertSafe(errorReply(err, quiet), `error reply to ${JSON.stringify(text.slice(0, 80))}`);
        }
      }),
      { ...FC_PARAMS, numRuns: (FC_PARAMS.numRuns ?? 100) * 5 },
    );
  });

  it('help, for every verb and for the overview', () => {
    assertSafe(helpOverview(commands), 'help overview');
    for (const spec of commands) assertSafe(helpForVerb(spec), `help ${spec.verb}`);
  });
});
