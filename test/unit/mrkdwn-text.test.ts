/**
 * Issue 12: the one mrkdwn → text conversion (src/slack/text.ts). Notification text once lost every
 * underscore (a date token's `{date_short_pretty}` became `{dateshortpretty}`) because several
 * copies of the conversion disagreed. Properties: Slack's tokens (dates, mentions, links) survive
 * in notification text as they are; snake_case words keep their underscores in both conversions;
 * formatting marks and emoji codes go.
 */
import fc from 'fast-check';
import { notificationText, plainText } from '../../src/slack/text';
import { slackDate } from '../../src/slack/time';

const id = (prefix: string) => fc.stringMatching(/^[A-Z0-9]{2,11}$/).map((s) => prefix + s);
const word = fc.stringMatching(/^[a-z][a-z0-9]{0,7}$/);
const snake = fc.array(word, { minLength: 2, maxLength: 4 }).map((ws) => ws.join('_'));
const seconds = fc.integer({ min: 0, max: 4_000_000_000 });
const dateFormat = fc.constantFrom('{date_short_pretty}', '{date_short_pretty} {time}', '{date_long} at {time_secs}', '{date_num}');
const fallback = fc.stringMatching(/^[A-Za-z0-9]([A-Za-z0-9 :-]{0,18}[A-Za-z0-9])?$/);
const dateToken = fc.tuple(seconds, dateFormat, fallback).map(([s, f, fb]) => ({ token: `<!date^${s}^${f}|${fb}>`, fallback: fb }));
const userMention = id('U').map((u) => ({ token: `<@${u}>`, plain: `@${u}` }));
const channelMention = fc.tuple(id('C'), fc.option(word, { nil: undefined })).map(([c, name]) => ({
  token: name ? `<#${c}|${name}>` : `<#${c}>`,
  plain: `#${name ?? c}`,
}));
const groupMention = id('S').map((s) => ({ token: `<!subteam^${s}>`, plain: `@${s}` }));

/** Pieces of a message: each with its mrkdwn, what notification text keeps, and what plain text keeps. */
type Piece = { mrkdwn: string; notification: string; plain: string };
const piece: fc.Arbitrary<Piece> = fc.oneof(
  dateToken.map((d) => ({ mrkdwn: d.token, notification: d.token, plain: d.fallback })),
  fc.oneof(userMention, channelMention, groupMention).map((m) => ({ mrkdwn: m.token, notification: m.token, plain: m.plain })),
  snake.map((w) => ({ mrkdwn: w, notification: w, plain: w })),
  snake.map((w) => ({ mrkdwn: '`' + w + '`', notification: w, plain: w })),
  snake.map((w) => ({ mrkdwn: `*${w}*`, notification: w, plain: w })),
  word.map((w) => ({ mrkdwn: `_${w}_`, notification: w, plain: w })),
  word.map((w) => ({ mrkdwn: `~${w}~`, notification: w, plain: w })),
  fc.constantFrom(':white_check_mark:', ':x:', ':hourglass_flowing_sand:').map((e) => ({ mrkdwn: e, notification: '', plain: '' })),
);

const joined = (pieces: Piece[], k: keyof Piece) =>
  pieces
    .map((p) => p[k])
    .filter(Boolean)
    .join(' ');

describe('mrkdwn → text (one conversion)', () => {
  it('notification text keeps date tokens, mentions and snake_case words exactly; marks and emoji go', () => {
    fc.assert(
      fc.property(fc.array(piece, { minLength: 1, maxLength: 8 }), (pieces) => {
        expect(notificationText(pieces.map((p) => p.mrkdwn).join(' '))).toBe(joined(pieces, 'notification'));
      }),
    );
  });

  it('plain text keeps the readable part of each token and every underscore of a snake_case word', () => {
    fc.assert(
      fc.property(fc.array(piece, { minLength: 1, maxLength: 8 }), (pieces) => {
        expect(plainText(pieces.map((p) => p.mrkdwn).join(' '))).toBe(joined(pieces, 'plain'));
      }),
    );
  });

  it('a real date token from slackDate survives notification text whole (the `{dateshortpretty}` bug)', () => {
    const token = slackDate(Date.UTC(2026, 11, 1, 13, 0));
    expect(token).toContain('{date_short_pretty}');
    expect(notificationText(`:rocket: *Deploy* of \`shop_web\` starts ${token}`)).toBe(`Deploy of shop_web starts ${token}`);
    expect(plainText(`Starts ${token}`)).toBe('Starts 2026-12-01 13:00 UTC');
  });

  it('entities: kept in notification text (Slack decodes them), decoded in plain text', () => {
    expect(notificationText('a &lt;b&gt; &amp; c')).toBe('a &lt;b&gt; &amp; c');
    expect(plainText('a &lt;b&gt; &amp; c')).toBe('a <b> & c');
    expect(plainText('<https://example.com/a_b|the_link> and <https://x.test>')).toBe('the_link and https://x.test');
  });
});
