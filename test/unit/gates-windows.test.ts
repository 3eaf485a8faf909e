/**
 * Change windows (release gate 3), pure: days and hours in an IANA time zone (daylight saving
 * included), overnight windows, dated blackouts, the next open window, and `--at` times.
 */
import { fixtureConfig } from '../helpers/config';
import {
  closedBecause,
  closedForApproval,
  closedText,
  closesAt,
  describeWindows,
  isOpen,
  nextOpen,
  parseLocal,
  windowsApply,
  zonedTime,
} from '../../src/policy/windows';
import { resolveAt } from '../../src/commands/change-gates';
import type { WindowsConfig } from '../../src/config/gates';

/** Seoul is UTC+9 all year: 10:00 KST is 01:00Z. */
const kst = (iso: string): number => Date.parse(`${iso}+09:00`);

function windows(edit: (w: Record<string, unknown>) => void = () => undefined): WindowsConfig {
  const cfg = fixtureConfig((doc) => {
    const w: Record<string, unknown> = {
      timeZone: 'Asia/Seoul',
      allow: [
        { days: ['mon', 'tue', 'wed', 'thu'], from: '10:00', to: '17:00' },
        { days: ['fri'], from: '10:00', to: '12:00' },
      ],
      blackouts: [
        { from: '2026-12-24', to: '2026-12-25', reason: 'holidays' },
        { from: '2026-11-30T15:00', to: '2026-12-01T11:00', reason: 'year-end freeze' },
      ],
    };
    edit(w);
    doc.environments.prod.gates = { windows: w };
  });
  return cfg.environments.prod!.gates.windows!;
}

describe('change windows', () => {
  const w = windows();

  it('reads the config: minutes, days, the default verbs (rollback left out)', () => {
    expect(w.allow[0]).toEqual({ days: ['mon', 'tue', 'wed', 'thu'], from: 600, to: 1020 });
    expect(w.verbs).toEqual(['deploy', 'scale', 'restart', 'run']);
    expect(windowsApply(w, 'deploy')).toBe(true);
    expect(windowsApply(w, 'rollback')).toBe(false);
    expect(windowsApply(undefined, 'deploy')).toBe(false);
  });

  it('is open inside a window in the zone, closed outside', () => {
    expect(isOpen(w, kst('2026-12-02T10:00'))).toBe(true); // Wednesday 10:00 KST
    expect(isOpen(w, kst('2026-12-02T16:59'))).toBe(true);
    expect(isOpen(w, kst('2026-12-02T17:00'))).toBe(false); // the end is excluded
    expect(isOpen(w, kst('2026-12-02T09:59'))).toBe(false);
    expect(isOpen(w, kst('2026-12-04T11:00'))).toBe(true); // Friday morning
    expect(isOpen(w, kst('2026-12-04T13:00'))).toBe(false); // Friday afternoon
    expect(isOpen(w, kst('2026-12-05T11:00'))).toBe(false); // Saturday
    // The same instant is Tuesday 01:00 in UTC, Wednesday 10:00 in Seoul: the zone decides.
    expect(new Date(kst('2026-12-02T10:00')).toISOString()).toBe('2026-12-02T01:00:00.000Z');
  });

  it('refuses in a blackout and says which, whole days included at both ends', () => {
    const christmasEve = kst('2026-12-24T11:00');
    expect(isOpen(w, christmasEve)).toBe(false);
    expect(closedBecause(w, christmasEve)).toMatchObject({
      kind: 'blackout',
      blackout: { label: '2026-12-24 – 2026-12-25', reason: 'holidays' },
    });
    expect(closedText(w, closedBecause(w, christmasEve)!, 'en')).toBe('blackout 2026-12-24 – 2026-12-25: “holidays”');
    expect(closedText(w, closedBecause(w, christmasEve)!, 'ko')).toBe('변경 금지 기간 2026-12-24 – 2026-12-25: “holidays”');
    expect(isOpen(w, kst('2026-12-25T16:59'))).toBe(false); // the last day is included
    // A date-time blackout: Tuesday 10:30 is inside the window but still frozen until 11:00.
    expect(isOpen(w, kst('2026-12-01T10:30'))).toBe(false);
    expect(isOpen(w, kst('2026-12-01T11:00'))).toBe(true);
    expect(closedBecause(w, kst('2026-12-05T11:00'))).toEqual({ kind: 'outside' });
  });

  it('finds the next open window: after the weekend, after a blackout, now when open', () => {
    expect(nextOpen(w, kst('2026-12-04T18:00'))).toBe(kst('2026-12-07T10:00')); // Friday evening → Monday 10:00
    expect(nextOpen(w, kst('2026-12-01T10:15'))).toBe(kst('2026-12-01T11:00')); // the freeze ends mid-window
    expect(nextOpen(w, kst('2026-12-23T18:00'))).toBe(kst('2026-12-28T10:00')); // over the holidays and the weekend
    const open = kst('2026-12-02T12:00');
    expect(nextOpen(w, open)).toBe(open);
    expect(closesAt(w, open)).toBe(kst('2026-12-02T17:00'));
  });

  it('handles a window over midnight', () => {
    const night = windows((x) => {
      x.allow = [{ days: ['sat'], from: '22:00', to: '02:00' }];
      x.blackouts = [];
    });
    expect(isOpen(night, kst('2026-12-05T23:00'))).toBe(true); // Saturday night
    expect(isOpen(night, kst('2026-12-06T01:30'))).toBe(true); // early Sunday, same window
    expect(isOpen(night, kst('2026-12-06T23:00'))).toBe(false); // Sunday night is not listed
    expect(nextOpen(night, kst('2026-12-06T03:00'))).toBe(kst('2026-12-12T22:00'));
  });

  it('follows daylight saving in zones that have it', () => {
    // Europe/Berlin springs forward on 2026-03-29 at 02:00 → 03:00 (UTC+1 → UTC+2).
    expect(new Date(zonedTime(2026, 3, 28, 9 * 60, 'Europe/Berlin')).toISOString()).toBe('2026-03-28T08:00:00.000Z');
    expect(new Date(zonedTime(2026, 3, 30, 9 * 60, 'Europe/Berlin')).toISOString()).toBe('2026-03-30T07:00:00.000Z');
    // 02:30 does not exist that night: moved forward by the gap, to 03:30 CEST (Temporal's "compatible").
    expect(new Date(zonedTime(2026, 3, 29, 150, 'Europe/Berlin')).toISOString()).toBe('2026-03-29T01:30:00.000Z');
    const berlin = windows((x) => {
      x.timeZone = 'Europe/Berlin';
      x.blackouts = [];
    });
    expect(isOpen(berlin, Date.parse('2026-03-30T07:30:00Z'))).toBe(false); // 09:30 CEST, before 10:00
    expect(isOpen(berlin, Date.parse('2026-03-30T08:30:00Z'))).toBe(true); // 10:30 CEST
  });

  it('reads --at times: local in the zone, with an offset, or malformed', () => {
    expect(parseLocal('2026-12-02T02:00', 'Asia/Seoul')).toBe(kst('2026-12-02T02:00'));
    expect(parseLocal('2026-02-30T02:00', 'Asia/Seoul')).toBeUndefined();
    expect(parseLocal('2026-12-02T25:00', 'Asia/Seoul')).toBeUndefined();
    const now = kst('2026-12-01T12:00');
    expect(resolveAt('2026-12-02T10:30', 'Asia/Seoul', now)).toBe(kst('2026-12-02T10:30'));
    expect(resolveAt('2026-12-02T01:30Z', 'Asia/Seoul', now)).toBe(Date.parse('2026-12-02T01:30:00Z'));
    expect(resolveAt('2026-12-02T10:30+09:00', 'UTC', now)).toBe(kst('2026-12-02T10:30'));
    expect(resolveAt('2026-12-02T10:30', 'UTC', now)).toBe(Date.parse('2026-12-02T10:30:00Z'));
  });

  it('reads a time of day as the next time the clock shows it, and a delay from now', () => {
    // 01:00 in Seoul: 02:00 is today's; at 03:00 it is tomorrow's; within the minute it is still today's.
    expect(resolveAt('02:00', 'Asia/Seoul', kst('2026-12-02T01:00'))).toBe(kst('2026-12-02T02:00'));
    expect(resolveAt('02:00', 'Asia/Seoul', kst('2026-12-02T03:00'))).toBe(kst('2026-12-03T02:00'));
    expect(resolveAt('02:00', 'Asia/Seoul', kst('2026-12-02T02:00') + 30_000)).toBe(kst('2026-12-02T02:00'));
    // The last day of the month rolls over to the next month's first.
    expect(resolveAt('09:15', 'Asia/Seoul', kst('2026-12-31T23:00'))).toBe(kst('2027-01-01T09:15'));
    // In UTC.
    expect(resolveAt('02:00', 'UTC', Date.parse('2026-12-02T05:00:00Z'))).toBe(Date.parse('2026-12-03T02:00:00Z'));
    // A time a spring-forward night skips moves on by the gap (02:30 → 03:30 CEST), as a dated one does.
    expect(resolveAt('02:30', 'Europe/Berlin', Date.parse('2026-03-28T23:00:00Z'))).toBe(Date.parse('2026-03-29T01:30:00Z'));
    expect(resolveAt('+30m', 'Asia/Seoul', kst('2026-12-02T01:00'))).toBe(kst('2026-12-02T01:30'));
    expect(resolveAt('+2h', 'UTC', kst('2026-12-02T01:00'))).toBe(kst('2026-12-02T03:00'));
  });

  it("reads tomorrow at a time of day as that time on the zone's next calendar day", () => {
    // At 01:00 in Seoul, `02:00` is an hour away; `tomorrow 02:00` is the next day's.
    expect(resolveAt('tomorrow 02:00', 'Asia/Seoul', kst('2026-12-02T01:00'))).toBe(kst('2026-12-03T02:00'));
    expect(resolveAt('내일 02:00', 'Asia/Seoul', kst('2026-12-02T23:30'))).toBe(kst('2026-12-03T02:00'));
    // The calendar day is the zone's: 20:00 UTC on the 2nd is already the 3rd in Seoul.
    expect(resolveAt('tomorrow 09:00', 'Asia/Seoul', Date.parse('2026-12-02T20:00:00Z'))).toBe(kst('2026-12-04T09:00'));
    expect(resolveAt('tomorrow 09:00', 'UTC', Date.parse('2026-12-02T20:00:00Z'))).toBe(Date.parse('2026-12-03T09:00:00Z'));
    // The month's last day rolls over.
    expect(resolveAt('내일 09:15', 'Asia/Seoul', kst('2026-12-31T08:00'))).toBe(kst('2027-01-01T09:15'));
  });

  it('describes the windows as configured', () => {
    expect(describeWindows(w)).toBe('Mon–Thu 10:00–17:00; Fri 10:00–12:00 (Asia/Seoul)');
    // In a Korean answer the days are Korean (was Mon–Thu inside the Korean sentence).
    expect(describeWindows(w, 'ko')).toBe('월–목 10:00–17:00; 금 10:00–12:00 (Asia/Seoul)');
    expect(describeWindows({ ...w, allow: [{ ...w.allow[0]!, days: ['mon', 'wed'] }] }, 'ko')).toBe('월, 수 10:00–17:00 (Asia/Seoul)');
  });

  it('refuses a configuration it cannot read', () => {
    expect(() => windows((x) => (x.timeZone = 'Mars/Olympus'))).toThrow(/IANA time zone/);
    expect(() => windows((x) => (x.allow = [{ days: ['mon'], from: '25:00', to: '26:00' }]))).toThrow(/not a time of day/);
    expect(() => windows((x) => (x.blackouts = [{ from: '24 Dec', to: '2026-12-25' }]))).toThrow(/write a date/);
  });

  it('closedForApproval: a last approval now would start the request outside the windows', () => {
    const closedAt = kst('2026-12-07T17:10'); // Monday, after 17:00
    const openAt = kst('2026-12-07T11:00');
    expect(closedForApproval(w, { verb: 'scale' }, closedAt)).toEqual({ kind: 'outside' });
    expect(closedForApproval(w, { verb: 'deploy' }, kst('2026-12-24T11:00'))).toMatchObject({ kind: 'blackout' });
    // Open now; not gated (rollback is not in the default verbs; no windows); break-glass; a start time.
    expect(closedForApproval(w, { verb: 'scale' }, openAt)).toBeUndefined();
    expect(closedForApproval(w, { verb: 'rollback' }, closedAt)).toBeUndefined();
    expect(closedForApproval(undefined, { verb: 'scale' }, closedAt)).toBeUndefined();
    expect(closedForApproval(w, { verb: 'scale', breakGlass: 'checkout down' }, closedAt)).toBeUndefined();
    expect(closedForApproval(w, { verb: 'scale', startAt: kst('2026-12-08T10:00') }, closedAt)).toBeUndefined();
  });
});
