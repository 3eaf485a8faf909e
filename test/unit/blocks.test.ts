import { actions, blockTextLength, fitMessage, header, section } from '../../src/slack/blocks';
import { code, codeBlock, escapeMrkdwn, LIMITS, truncate, truncateLines } from '../../src/slack/text';
import { closest } from '../../src/commands/suggest';
import { parseDuration } from '../../src/config/duration';
import { formatDuration } from '../../src/i18n';

describe('text helpers', () => {
  it('escapes mrkdwn control characters so <!channel> cannot ping', () => {
    expect(escapeMrkdwn('<!channel> & <@U1>')).toBe('&lt;!channel&gt; &amp; &lt;@U1&gt;');
    expect(code('a`b<c>')).toBe("`a'b&lt;c&gt;`");
  });

  it('truncates with an ellipsis and at line boundaries', () => {
    expect(truncate('abcdef', 4)).toBe('abc…');
    const out = truncateLines(Array.from({ length: 100 }, (_, i) => `line ${i}`).join('\n'), 200);
    expect(out.length).toBeLessThanOrEqual(200);
    expect(out).toMatch(/more lines$/);
  });

  it('keeps a code block fenced and within the limit', () => {
    const block = codeBlock('```' + 'x\n'.repeat(5000));
    expect(block.startsWith('```')).toBe(true);
    expect(block.endsWith('```')).toBe(true);
    expect(block.length).toBeLessThanOrEqual(LIMITS.sectionText);
  });

  it('parses and formats durations', () => {
    expect(parseDuration('15m')).toBe(900_000);
    expect(parseDuration('1h30m')).toBe(5_400_000);
    expect(parseDuration('2 hours')).toBeUndefined();
    expect(parseDuration('0m')).toBeUndefined();
    expect(formatDuration(45_000)).toBe('45s');
    expect(formatDuration(3 * 3_600_000 + 5 * 60_000)).toBe('3h 5m');
    expect(formatDuration(50 * 3_600_000)).toBe('2d 2h');
  });

  it('suggests close names', () => {
    expect(closest('deplyo', ['deploy', 'status', 'logs'])).toEqual(['deploy']);
    expect(closest('stat', ['status', 'scale'])).toEqual(['status']);
    expect(closest('zzzzzz', ['deploy'])).toEqual([]);
    expect(closest('wbe', ['web', 'worker'])).toEqual(['web']);
  });
});

describe('fitMessage', () => {
  it('keeps a message within every Slack limit whatever the input', () => {
    const blocks = [
      header('h'.repeat(500)),
      ...Array.from({ length: 120 }, (_, i) => section(`${i} ` + 'y'.repeat(4000))),
      actions('a', [{ text: 'Approve', actionId: 'x', value: '1' }]),
    ];
    const fitted = fitMessage({ text: 't'.repeat(10_000), blocks });
    expect(fitted.blocks.length).toBeLessThanOrEqual(LIMITS.blocks);
    expect(fitted.text.length).toBeLessThanOrEqual(LIMITS.text);
    const total = fitted.blocks.reduce((n, b) => n + blockTextLength(b), 0);
    expect(total).toBeLessThanOrEqual(LIMITS.totalText);
    for (const b of fitted.blocks) {
      if (b.type === 'section') expect(b.text!.text.length).toBeLessThanOrEqual(LIMITS.sectionText);
      if (b.type === 'header') expect(b.text.text.length).toBeLessThanOrEqual(LIMITS.headerText);
    }
    expect(fitted.blocks[fitted.blocks.length - 1]!.type).toBe('actions');
    expect(JSON.stringify(fitted.blocks)).toContain('left out to fit');
  });

  it('leaves a small message untouched', () => {
    const msg = { text: 'hi', blocks: [section('hello')] };
    expect(fitMessage(msg)).toEqual(msg);
  });
});
