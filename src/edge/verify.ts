/**
 * The first thing the Slack-facing Lambda does with a request, before Bolt sees it: the timestamp
 * within ±5 minutes of now and the signature valid. Bolt's AwsLambdaReceiver parses the body before
 * it checks the signature (so a malformed unsigned body made it throw) and refuses only timestamps
 * in the past (so a request signed for tomorrow was accepted). This check comes first; Bolt's own
 * verification still runs after it, unchanged.
 * https://api.slack.com/authentication/verifying-requests-from-slack
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

/** Slack's replay window, both ways. */
export const MAX_SKEW_SECONDS = 5 * 60;

interface LambdaHttpEvent {
  body?: string | null;
  isBase64Encoded?: boolean;
  headers?: Record<string, string | undefined> | null;
}

function header(event: LambdaHttpEvent, name: string): string | undefined {
  const headers = event.headers ?? {};
  const key = Object.keys(headers).find((k) => k.toLowerCase() === name);
  return key === undefined ? undefined : headers[key];
}

/** The raw body exactly as Bolt's AwsLambdaReceiver reads it (base64 decoded the same way), so both check the same bytes. */
function rawBody(event: LambdaHttpEvent): string {
  if (event.body === undefined || event.body === null) return '';
  return event.isBase64Encoded ? Buffer.from(event.body, 'base64').toString('ascii') : event.body;
}

/**
 * Slack's periodic SSL check of a slash command URL (`ssl_check=1`, form-encoded, no payload): Bolt
 * answers it with an empty 200 before doing anything else, so it may pass unsigned.
 */
function isSslCheck(event: LambdaHttpEvent): boolean {
  const type = (header(event, 'content-type') ?? '').split(';')[0]!.trim();
  if (type !== 'application/x-www-form-urlencoded') return false;
  const body = rawBody(event);
  // Every request pays this check: parse the form only when it can be one (the name is never encoded).
  if (!body.includes('ssl_check')) return false;
  const form = new URLSearchParams(body);
  return form.has('ssl_check') && !form.has('payload') && !form.has('command');
}

export type PreCheck = { ok: true } | { ok: false; reason: 'timestamp' | 'signature' };

/** Whether a request may be handed to Bolt: signed by Slack (HMAC-SHA256, constant-time compare), timestamped within ±5 minutes of `nowMs`. */
export function preVerify(event: LambdaHttpEvent, signingSecret: string, nowMs: number): PreCheck {
  if (isSslCheck(event)) return { ok: true };
  const ts = header(event, 'x-slack-request-timestamp') ?? '';
  if (!/^\d{1,12}$/.test(ts) || Math.abs(Math.floor(nowMs / 1000) - Number(ts)) > MAX_SKEW_SECONDS)
    return { ok: false, reason: 'timestamp' };
  const signature = header(event, 'x-slack-signature') ?? '';
  if (!/^v0=[0-9a-f]{64}$/.test(signature)) return { ok: false, reason: 'signature' };
  const expected = createHmac('sha256', signingSecret)
    .update(`v0:${ts}:${rawBody(event)}`)
    .digest();
  const given = Buffer.from(signature.slice(3), 'hex');
  return timingSafeEqual(expected, given) ? { ok: true } : { ok: false, reason: 'signature' };
}
