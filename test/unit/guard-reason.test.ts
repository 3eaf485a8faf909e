/**
 * A change's lock says why it is held in the reader's language (written from the request id at
 * render time), also for locks written before this, whose stored reason is English.
 */
import { guardText } from '../../src/approvals/format';
import { guardFromHash, guardReason } from '../../src/approvals/guards';
import { guardLines } from '../../src/commands/render/status';

const T = Date.UTC(2026, 11, 1, 12, 0, 0);
// A change lock as the start script writes it (src/approvals/lua/start-*.lua), reason included.
const stored = { by: 'U1', reason: 'change running: req-42', since: String(T), kind: 'change', request: 'req-42' };

describe('the reason of a lock', () => {
  it('a change lock in either language, from the stored hash', () => {
    const g = guardFromHash(stored)!;
    expect(guardReason(g, 'en')).toBe('change running: req-42');
    expect(guardReason(g, 'ko')).toBe('변경 실행 중: req-42');
    expect(guardText(g, T + 60_000, 'ko')).toContain('“변경 실행 중: req-42”');
    expect(guardText(g, T + 60_000, 'ko')).not.toContain('change running');
    expect(guardLines({ lock: g }, 'prod', T + 60_000, 'ko').join('\n')).toContain('변경 실행 중: req-42');
  });

  it('a person’s reason is shown as they wrote it', () => {
    const g = guardFromHash({ by: 'U2', reason: 'DB 마이그레이션', since: String(T), kind: 'manual' })!;
    expect(guardReason(g, 'en')).toBe('DB 마이그레이션');
    expect(guardText(g, T, 'en')).toContain('“DB 마이그레이션”');
  });
});
