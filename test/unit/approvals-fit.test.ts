/** The request's texts within their bounds (src/approvals/fit.ts), pure. */
import { assertPlanFits, cutUtf8, fitLines, fitRequestTexts, fitText } from '../../src/approvals/fit';
import { BotError } from '../../src/errors';
import {
  REQUEST_DETAILS_MAX_BYTES,
  REQUEST_GATES_MAX_BYTES,
  REQUEST_PLAN_MAX_BYTES,
  REQUEST_SUMMARY_MAX_BYTES,
} from '../../src/redis/bounds';

const bytes = (s: string): number => Buffer.byteLength(s, 'utf8');

describe('cutUtf8', () => {
  it('never leaves half a character, whatever the cut', () => {
    const s = 'a가😀b나'.repeat(20);
    for (let n = 0; n <= bytes(s) + 1; n++) {
      const out = cutUtf8(s, n);
      expect(bytes(out)).toBeLessThanOrEqual(n);
      expect(s.startsWith(out)).toBe(true);
      expect(out).not.toContain('\uFFFD');
    }
  });
});

describe('fitText / fitLines', () => {
  it('keeps a text within the bound as it is', () => {
    expect(fitText('short', 100, () => '…')).toBe('short');
    expect(fitLines('a\nb', 100, () => '…')).toBe('a\nb');
  });

  it('cuts a long text and says so, within the bound', () => {
    const out = fitText('가'.repeat(5000), 2048, (n) => `… (was ${n} bytes)`);
    expect(bytes(out)).toBeLessThanOrEqual(2048);
    expect(out.endsWith('… (was 15000 bytes)')).toBe(true);
  });

  it('keeps whole lines of a diff and counts the ones left out', () => {
    const lines = Array.from({ length: 100 }, (_, i) => `~ env.VAR_${i}: ${'x'.repeat(50)}`);
    const out = fitLines(lines.join('\n'), 1000, (n) => `… ${n} more lines`);
    expect(bytes(out)).toBeLessThanOrEqual(1000);
    const kept = out.split('\n');
    expect(kept.slice(0, -1).every((l, i) => l === lines[i])).toBe(true);
    expect(kept.at(-1)).toBe(`… ${100 - (kept.length - 1)} more lines`);
  });
});

describe('fitRequestTexts', () => {
  it('bounds the summary, the diff and the gate notes, in the workspace language', () => {
    const out = fitRequestTexts(
      {
        summary: '요약'.repeat(5000),
        details: Array.from({ length: 500 }, (_, i) => `+ line ${i}`).join('\n'),
        gates: Array.from({ length: 30 }, () => ({ gate: 'cost' as const, text: '비용'.repeat(300) })),
      },
      'ko',
    );
    expect(bytes(out.summary)).toBeLessThanOrEqual(REQUEST_SUMMARY_MAX_BYTES);
    expect(out.summary).toContain('요약이');
    expect(bytes(out.details!)).toBeLessThanOrEqual(REQUEST_DETAILS_MAX_BYTES);
    expect(bytes(JSON.stringify(out.gates))).toBeLessThanOrEqual(REQUEST_GATES_MAX_BYTES);
    expect(out.gates!.at(-1)!.text).toMatch(/게이트 메모 \d+개/);
  });

  it('leaves ordinary texts untouched', () => {
    const input = { summary: 'Deploy v1 to web', details: '~ image: a → b', gates: [{ gate: 'window' as const, text: 'in the window' }] };
    expect(fitRequestTexts(input, 'en')).toEqual(input);
  });
});

describe('assertPlanFits', () => {
  it('refuses a plan too big to store, naming the limit', () => {
    expect(() => assertPlanFits({ verb: 'deploy', image: 'x'.repeat(100) }, 'en')).not.toThrow();
    let err: unknown;
    try {
      assertPlanFits({ verb: 'deploy', image: 'x'.repeat(REQUEST_PLAN_MAX_BYTES) }, 'en');
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(BotError);
    expect((err as BotError).userMessage).toContain(`at most ${REQUEST_PLAN_MAX_BYTES}`);
  });
});
