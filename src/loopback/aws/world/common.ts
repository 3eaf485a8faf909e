/** Shared by the fake AWS world's services: options, ids, copies, paging. */
import { randomBytes } from 'node:crypto';
import { AwsFault } from '../fault';
import type { AwsCall } from '../server';

export interface WorldOptions {
  region: string;
  account: string;
  /** The world's clock (ms). Default Date.now. */
  now?: () => number;
}

export interface WorldContext {
  region: string;
  account: string;
  now: () => number;
}

export function context(o: WorldOptions): WorldContext {
  return { region: o.region, account: o.account, now: o.now ?? Date.now };
}

/** `n` random hex characters (task ids are 32, deployment suffixes shorter). */
export function hexId(n: number): string {
  return randomBytes(Math.ceil(n / 2))
    .toString('hex')
    .slice(0, n);
}

/** A deep copy, so callers never hold the world's own objects. */
export function copy<T>(v: T): T {
  return structuredClone(v);
}

/** The last `/`-separated part of an ARN or a plain name (`arn:…:cluster/prod` → `prod`). */
export function nameOf(arnOrName: string): string {
  return arnOrName.startsWith('arn:') ? arnOrName.slice(arnOrName.lastIndexOf('/') + 1) : arnOrName;
}

/** A page of `items` for `nextToken` (an offset) and `max`; the token of the next page when there is one. */
export function page<T>(items: readonly T[], nextToken: unknown, max: number): { items: T[]; nextToken?: string } {
  const start = typeof nextToken === 'string' && /^\d+$/.test(nextToken) ? Number(nextToken) : 0;
  const end = start + max;
  return { items: items.slice(start, end), ...(end < items.length ? { nextToken: String(end) } : {}) };
}

export function requireString(call: AwsCall, field: string): string {
  const v = call.input[field];
  if (typeof v !== 'string' || !v) throw new AwsFault('InvalidParameterException', `${field} is required.`);
  return v;
}
