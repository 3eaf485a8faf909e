/**
 * EventBridge for the loopback world: event pattern matching (the subset rules use: exact
 * values, prefix, suffix, wildcard, anything-but, exists, nested fields, array fields matching
 * any element) and the event a schedule rule sends.
 */
import { randomUUID } from 'node:crypto';

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

function matchesValue(matcher: Json, value: Json | undefined): boolean {
  if (matcher === null || typeof matcher !== 'object' || Array.isArray(matcher)) {
    return value === matcher;
  }
  const m = matcher as Record<string, Json>;
  if ('prefix' in m) return typeof value === 'string' && value.startsWith(String(m.prefix));
  if ('suffix' in m) return typeof value === 'string' && value.endsWith(String(m.suffix));
  if ('wildcard' in m) {
    const re = new RegExp(
      `^${String(m.wildcard)
        .replace(/[.+?^${}()|[\]\\]/g, '\\$&')
        .replace(/\*/g, '.*')}$`,
    );
    return typeof value === 'string' && re.test(value);
  }
  if ('anything-but' in m) {
    const but = m['anything-but'];
    const values = Array.isArray(but) ? but : [but];
    return value !== undefined && !values.some((b) => matchesValue(b, value));
  }
  if ('exists' in m) return m.exists === (value !== undefined);
  throw new Error(`event pattern matcher ${JSON.stringify(matcher)} is not supported by the loopback EventBridge`);
}

function matchesField(matchers: Json[], value: Json | undefined): boolean {
  const values = Array.isArray(value) ? value : [value];
  return matchers.some((m) => {
    if (m !== null && typeof m === 'object' && !Array.isArray(m) && 'exists' in m) return matchesValue(m, value);
    return values.some((v) => matchesValue(m, v));
  });
}

/** Whether `event` matches an EventBridge event pattern. */
export function matchesEventPattern(pattern: Record<string, unknown>, event: Record<string, unknown>): boolean {
  for (const [key, rule] of Object.entries(pattern)) {
    const value = event[key] as Json | undefined;
    if (Array.isArray(rule)) {
      if (!matchesField(rule as Json[], value)) return false;
    } else if (rule !== null && typeof rule === 'object') {
      if (value === null || typeof value !== 'object' || Array.isArray(value)) return false;
      if (!matchesEventPattern(rule as Record<string, unknown>, value as Record<string, unknown>)) return false;
    } else {
      throw new Error(`event pattern field ${key} must be an array or an object`);
    }
  }
  return true;
}

/** The event a schedule rule (`rate(1 minute)`) sends to its target. */
export function scheduledEvent(o: { account: string; region: string; ruleArn: string; at?: number }): Record<string, unknown> {
  return {
    version: '0',
    id: randomUUID(),
    'detail-type': 'Scheduled Event',
    source: 'aws.events',
    account: o.account,
    time: new Date(o.at ?? Date.now()).toISOString().replace(/\.\d{3}Z$/, 'Z'),
    region: o.region,
    resources: [o.ruleArn],
    detail: {},
  };
}
