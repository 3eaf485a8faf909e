/**
 * `--at` in an environment without change windows: a local time (`02:00`, `2026-12-06T02:00`) is read
 * in the requester's own Slack time zone (users.info `tz`), not UTC; Slack not saying, or not
 * answering, reads it in UTC. A time with an offset and a delay need no zone. Through the Lambda
 * handlers, Slack over HTTP (the loopback Web API), ECS stubbed.
 */
import { slashAnswer, requestMessage, textOf, useDeployHarness } from '../helpers/deploy-e2e';

const h = useDeployHarness();
const HOUR = 3_600_000;

/** The next instant at or after `now` (less a minute) when the clock `offsetH` hours east of UTC shows hh:00. */
function nextClock(now: number, hh: number, offsetH: number): number {
  const day = 24 * HOUR;
  const local = now + offsetH * HOUR;
  let t = Math.floor(local / day) * day + hh * HOUR - offsetH * HOUR;
  if (t < now - 60_000) t += day;
  return t;
}

async function startsAt(text: string): Promise<string> {
  return slashAnswer(h.e2e, text);
}

describe('--at without change windows', () => {
  it("a time of day and a date are the requester's own clock (Asia/Seoul here), and the card says when", async () => {
    h.e2e.slack.setUserTimeZone('UDEV1', 'Asia/Seoul');
    const at = nextClock(h.clock.now(), 2, 9);
    expect(await startsAt('scale web 6 --at 02:00')).toContain(`It starts <!date^${at / 1000}^`);
    const card = textOf(requestMessage(h.e2e, 'CPROD').message);
    expect(card).toContain(`Scheduled: starts <!date^${at / 1000}^`);
    // Approvers elsewhere read what was typed and in which zone.
    expect(card).toContain('(asked with `--at 02:00` in Asia/Seoul).');
  });

  it('a dated local time too', async () => {
    h.e2e.slack.setUserTimeZone('UDEV1', 'Asia/Seoul');
    const tomorrow = new Date(h.clock.now() + 9 * HOUR + 24 * HOUR).toISOString().slice(0, 10);
    const at = Date.parse(`${tomorrow}T10:00:00+09:00`);
    expect(await startsAt(`restart web --at ${tomorrow}T10:00`)).toContain(`It starts <!date^${at / 1000}^`);
  });

  /** The next calendar day's 02:00 in Seoul, whether or not today's has passed. */
  const seoulTomorrow2 = () => Date.parse(`${new Date(h.clock.now() + 9 * HOUR + 24 * HOUR).toISOString().slice(0, 10)}T02:00:00+09:00`);

  it('tomorrow at a time of day, typed without quotes', async () => {
    h.e2e.slack.setUserTimeZone('UDEV1', 'Asia/Seoul');
    expect(await startsAt('scale web 6 --at tomorrow 02:00')).toContain(`It starts <!date^${seoulTomorrow2() / 1000}^`);
    expect(textOf(requestMessage(h.e2e, 'CPROD').message)).toContain('(asked with `--at tomorrow 02:00` in Asia/Seoul).');
  });

  it('내일 in quotes too', async () => {
    h.e2e.slack.setUserTimeZone('UDEV1', 'Asia/Seoul');
    expect(await startsAt('restart web --at "내일 02:00"')).toContain(`It starts <!date^${seoulTomorrow2() / 1000}^`);
  });

  it('Slack not answering users.info: UTC, as before', async () => {
    h.e2e.slack.setUserTimeZone('UDEV1', 'Asia/Seoul');
    h.e2e.slack.failNext('users.info', 'internal_error', 5);
    const at = nextClock(h.clock.now(), 2, 0);
    expect(await startsAt('scale web 6 --at 02:00')).toContain(`It starts <!date^${at / 1000}^`);
    expect(h.e2e.logs.some((l) => l.msg === 'users.info failed; reading --at in UTC')).toBe(true);
  });

  it('an offset or a delay needs no zone: Slack is not asked', async () => {
    // users.info without include_locale: the time zone's (the language's asks with it).
    const calls = () => h.e2e.slack.callsTo('users.info').filter((c) => c.body.include_locale === undefined).length;
    const before = calls();
    expect(await startsAt('scale web 6 --at +90m')).toContain(`It starts <!date^${Math.floor((h.clock.now() + 90 * 60_000) / 1000)}^`);
    expect(calls()).toBe(before);
    expect(textOf(requestMessage(h.e2e, 'CPROD').message)).toContain('(asked with `--at +90m`).');
  });
});
