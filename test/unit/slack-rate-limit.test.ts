/**
 * The pure decisions of the worker's Slack client about Slack's 429s (src/slack/patient.run.ts) and
 * of the shared pause's expiry (src/redis/slack-pause.ts): which scope a Retry-After holds back,
 * whether a wait fits the cap and the work's deadline, when the shared pause is read, how long it is kept;
 * and its per-call timeout.
 */
import {
  asksSharedPause,
  patientClientOptions,
  rateLimitScope,
  RATE_LIMIT_WAIT_CAP_MS,
  resendWaits,
  waitFits,
} from '../../src/slack/patient.run';
import { slackPauseTtlMs } from '../../src/redis/slack-pause';
import { slackClientOptions } from '../../src/slack/gateway';
import { SLACK_PAUSE_MAX_SECONDS } from '../../src/redis/bounds';

describe('rateLimitScope', () => {
  it('chat.postMessage is limited per channel; every other method per workspace', () => {
    expect(rateLimitScope('chat.postMessage', { channel: 'C1' })).toBe('chat.postMessage C1');
    expect(rateLimitScope('chat.postMessage', {})).toBe('chat.postMessage');
    expect(rateLimitScope('chat.update', { channel: 'C1' })).toBe('chat.update');
    expect(rateLimitScope('views.publish')).toBe('views.publish');
  });
});

describe('waitFits', () => {
  const now = 1_000_000;
  it('a wait within the cap that ends 5 s before the deadline fits', () => {
    expect(waitFits(0, 2_000, now, Infinity)).toBe(true);
    expect(waitFits(0, 2_000, now, now + 7_000)).toBe(true);
    expect(waitFits(0, 2_000, now, now + 6_999)).toBe(false);
  });
  it('the waits of one call together stay within the cap', () => {
    expect(waitFits(RATE_LIMIT_WAIT_CAP_MS - 1_000, 1_000, now, Infinity)).toBe(true);
    expect(waitFits(RATE_LIMIT_WAIT_CAP_MS - 1_000, 1_001, now, Infinity)).toBe(false);
    expect(waitFits(0, RATE_LIMIT_WAIT_CAP_MS + 1, now, Infinity)).toBe(false);
  });
});

describe('asksSharedPause', () => {
  it('once per call, and only when the process has no pause of its own in the scope', () => {
    expect(asksSharedPause(0, false)).toBe(true);
    expect(asksSharedPause(-5, false)).toBe(true);
    expect(asksSharedPause(1, false)).toBe(false);
    expect(asksSharedPause(0, true)).toBe(false);
  });
});

describe('slackPauseTtlMs', () => {
  it('whole milliseconds, at least 1, at most SLACK_PAUSE_MAX_SECONDS', () => {
    expect(slackPauseTtlMs(2_000)).toBe(2_000);
    expect(slackPauseTtlMs(0.2)).toBe(1);
    expect(slackPauseTtlMs(0)).toBe(1);
    expect(slackPauseTtlMs(3_600_000)).toBe(SLACK_PAUSE_MAX_SECONDS * 1000);
  });
});

describe('patientClientOptions', () => {
  it("one call waits 10 s, as slackClientOptions' patient client; SLACK_PATIENT_TIMEOUT_MS (tests) replaces only that", () => {
    expect(patientClientOptions({})).toEqual(slackClientOptions({}));
    expect(patientClientOptions({}).timeout).toBe(10_000);
    expect(patientClientOptions({ SLACK_PATIENT_TIMEOUT_MS: '' }).timeout).toBe(10_000);
    expect(patientClientOptions({ SLACK_PATIENT_TIMEOUT_MS: 'soon' }).timeout).toBe(10_000);
    expect(patientClientOptions({ SLACK_PATIENT_TIMEOUT_MS: '0' }).timeout).toBe(10_000);
    expect(patientClientOptions({ SLACK_PATIENT_TIMEOUT_MS: '2000' })).toEqual({ ...slackClientOptions({}), timeout: 2_000 });
  });

  it('SLACK_PATIENT_RETRY_SCALE (tests) scales the waits between tries, not how many; unset or outside (0, 1): as on Lambda', () => {
    const base = slackClientOptions({}).retryConfig!;
    expect(resendWaits({})).toEqual([300, 600, 1_200, 2_400]);
    for (const scale of ['', '1', '2', '0', '-1', 'fast']) {
      expect(resendWaits({ SLACK_PATIENT_RETRY_SCALE: scale })).toEqual([300, 600, 1_200, 2_400]);
      expect(patientClientOptions({ SLACK_PATIENT_RETRY_SCALE: scale }).retryConfig).toEqual(base);
    }
    expect(resendWaits({ SLACK_PATIENT_RETRY_SCALE: '0.01' })).toEqual([3, 6, 12, 24]);
    expect(patientClientOptions({ SLACK_PATIENT_RETRY_SCALE: '0.01' }).retryConfig).toEqual({ ...base, minTimeout: 3, maxTimeout: 50 });
  });
});
