/** Durations as typed, with English and Korean units: the one parser commands and chatops.yml share. Pure. */
import { durationMs, normalizeDuration, parseDuration } from '../../src/config/duration';
import { duration } from '../../src/config/fields';

describe('durations with Korean units', () => {
  it.each<[string, string, number]>([
    ['30초', '30s', 30_000],
    ['15분', '15m', 900_000],
    ['2시간', '2h', 7_200_000],
    ['3일', '3d', 3 * 86_400_000],
    ['1주', '1w', 604_800_000],
    ['2 시간', '2h', 7_200_000],
    ['1시간30분', '1h30m', 5_400_000],
    ['1시간 30분', '1h30m', 5_400_000],
    ['1h 30m', '1h30m', 5_400_000],
    [' 15M ', '15m', 900_000],
  ])('%s is %s', (text, form, ms) => {
    expect(normalizeDuration(text)).toBe(form);
    expect(parseDuration(text)).toBe(ms);
  });

  it('a zero duration is a duration of no length: durationMs says 0, parseDuration (a length is needed) says no', () => {
    expect(durationMs('0분')).toBe(0);
    expect(durationMs('0m')).toBe(0);
    expect(parseDuration('0분')).toBeUndefined();
  });

  it.each(['2시간반', '3일간', '분', '시간2', '2', '', 'two hours', '2 h x'])('%s is not a duration', (text) => {
    expect(normalizeDuration(text)).toBeUndefined();
    expect(durationMs(text)).toBeUndefined();
  });

  it('chatops.yml reads them too (the same parser): `approvalTtl: 30분` is 30 minutes; `0분` is still refused', () => {
    expect(duration.parse('30분')).toBe(1_800_000);
    expect(duration.safeParse('0분').success).toBe(false);
  });
});
