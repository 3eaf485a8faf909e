/**
 * Request ids: `<env>.<alias>.<random>`, e.g. `prod.web.m3x7k2a9qz`.
 *
 * The service is part of the id so every key of a request can be derived from the id alone
 * (a button value, a job payload) without an index lookup: the request, the service lock, the
 * active-request pointer and the service audit stream all share the hash tag `{svc:<env>:<alias>}`.
 * Aliases and environment names are `[a-z0-9][a-z0-9_-]*` (config schema), so they never contain a dot.
 */
import { randomBytes } from 'node:crypto';
import { keys } from '../redis/keys';

const NAME = '[a-z0-9][a-z0-9_-]{0,39}';
const ID_RE = new RegExp(`^(${NAME})\\.(${NAME})\\.([a-z0-9]{6,24})$`);

export interface RequestRef {
  id: string;
  environment: string;
  service: string;
}

/** A new id: time-ordered base36 plus 4 random base36 characters. */
export function newRequestId(environment: string, service: string, now: number): string {
  const rand = Array.from(randomBytes(4), (b) => (b % 36).toString(36)).join('');
  return `${environment}.${service}.${now.toString(36)}${rand}`;
}

/** Parse an id from untrusted input (button values, view metadata); undefined when malformed. */
export function parseRequestId(id: unknown): RequestRef | undefined {
  if (typeof id !== 'string' || id.length > 120) return undefined;
  const m = ID_RE.exec(id);
  if (!m) return undefined;
  return { id, environment: m[1]!, service: m[2]! };
}

/** Every key a request's scripts touch, all in the slot `{svc:<env>:<alias>}`. */
export function requestKeys(ref: RequestRef) {
  return {
    request: keys.request(ref.environment, ref.service, ref.id),
    lock: keys.serviceLock(ref.environment, ref.service),
    active: keys.activeRequest(ref.environment, ref.service),
    audit: keys.serviceAudit(ref.environment, ref.service),
    /** The environment's freeze as this service sees it (a copy; ./freeze-copies.ts). */
    freeze: keys.serviceFreeze(ref.environment, ref.service),
    /** The service's approval indexes, in the order the scripts take them (the last five KEYS; lua/includes/common.lua reindex). */
    indexes: serviceIndexKeys(ref.environment, ref.service),
  };
}

/** The approval indexes of one service: pending, approved, running, scheduled, retro. */
export function serviceIndexKeys(environment: string, service: string): [string, string, string, string, string] {
  return [
    keys.pendingIndex(environment, service),
    keys.approvedIndex(environment, service),
    keys.runningIndex(environment, service),
    keys.scheduledIndex(environment, service),
    keys.retroIndex(environment, service),
  ];
}
