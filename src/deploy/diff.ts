import { MASK, redactSecrets } from '../aws/redact';
import { truncate } from '../slack/text';
import { registryHost, shortImage } from './refs';
/**
 * What a change does to a task definition, as lines a reviewer can read in Slack:
 *
 *   ~ containerDefinitions[web].image: …/shop/web:v1.2.2 → …/shop/web@sha256:3f1c…
 *   + containerDefinitions[web].environment.FEATURE_X (added)
 *   ~ containerDefinitions[web].environment.DATABASE_URL (changed)
 *   ~ containerDefinitions[web].secrets.API_TOKEN: arn:…:parameter/web/api-token → arn:…:parameter/web/api-token-v2
 *
 * Lists of named things (containers, environment variables, secrets, volumes) are keyed by
 * name, so reordering is not a change. Environment variables are named with added / removed /
 * changed and their values are never shown (they are where people put connection strings and
 * keys); secret references show their valueFrom (an ARN or parameter name, not the secret).
 * Other values whose key looks secret (a log driver's `splunk-token`, a docker label) are hidden
 * the same way, and every value shown goes through the log redactor (a password in a command
 * line, a URL with credentials).
 */

export interface DiffEntry {
  path: string;
  before?: string;
  after?: string;
}

const SENSITIVE =
  /(secret|token|passw|pwd|passphrase|credential|private|api[_-]?key|access[_-]?key|account[_-]?key|auth|cookie|signature)/i;

/** Joins the items of a list of scalars (a command line) in a flattened value; shown as ", ". */
const LIST_SEP = '\u0000';

/** A command-line flag naming a secret: the next argument is its value (`["--password", "x"]`). */
const SECRET_FLAG = /^--?[\w.-]*(secret|token|passw|pwd|passphrase|credential|api[_-]?key|access[_-]?key|private[_-]?key)[\w.-]*$/i;

function keyOf(item: unknown): string | undefined {
  if (item && typeof item === 'object' && !Array.isArray(item)) {
    const o = item as Record<string, unknown>;
    for (const k of ['name', 'containerName', 'sourceVolume', 'key']) if (typeof o[k] === 'string') return o[k] as string;
  }
  return undefined;
}

function scalar(v: unknown): string {
  if (v instanceof Date) return v.toISOString();
  if (typeof v === 'string') return v;
  return JSON.stringify(v);
}

/** Flatten an object into `path → value` (scalars only). Named array items become `[name]`, environment entries `.NAME`. */
function flatten(value: unknown, prefix = '', out: Map<string, string> = new Map()): Map<string, string> {
  if (value === undefined || value === null) return out;
  if (Array.isArray(value)) {
    if (value.length === 0) return out;
    const named = value.every((v) => keyOf(v) !== undefined) && new Set(value.map(keyOf)).size === value.length;
    const isEnv = /\.(environment|secrets)$/.test(prefix) || /^(environment|secrets)$/.test(prefix);
    if (named && isEnv) {
      for (const item of value as Array<Record<string, unknown>>) {
        const name = keyOf(item)!;
        const v = item.value ?? item.valueFrom;
        out.set(`${prefix}.${name}`, scalar(v));
      }
      return out;
    }
    if (value.every((v) => v === null || typeof v !== 'object')) {
      out.set(prefix, value.map(scalar).join(LIST_SEP));
      return out;
    }
    value.forEach((item, i) => flatten(item, `${prefix}[${named ? keyOf(item) : i}]`, out));
    return out;
  }
  if (value instanceof Date || typeof value !== 'object') {
    out.set(prefix, scalar(value));
    return out;
  }
  for (const [k, v] of Object.entries(value as Record<string, unknown>)) flatten(v, prefix ? `${prefix}.${k}` : k, out);
  return out;
}

/** Entries that differ between `before` and `after`, in a stable order (paths of `before` first). */
export function diffObjects(before: unknown, after: unknown): DiffEntry[] {
  const a = flatten(before);
  const b = flatten(after);
  const entries: DiffEntry[] = [];
  for (const [path, v] of a) {
    if (!b.has(path)) entries.push({ path, before: v });
    else if (b.get(path) !== v) entries.push({ path, before: v, after: b.get(path) });
  }
  for (const [path, v] of b) if (!a.has(path)) entries.push({ path, after: v });
  return entries;
}

/** Where values are never shown, only that the entry was added, removed or changed. */
export function isValueHidden(path: string): boolean {
  if (/(?:^|\.)environment\.[^.]+$/.test(path)) return true;
  if (/(?:^|\.)secrets\.[^.]+$/.test(path)) return false;
  const leaf = path.slice(path.lastIndexOf('.') + 1).replace(/\[.*$/, '');
  return SENSITIVE.test(leaf);
}

/** A container's image (`containerDefinitions[web].image`). */
const IMAGE_PATH = /(?:^|\])\.image$/;

/**
 * A container's image before and after, without what they share: the registry host when it is the
 * same on both sides (a different registry is shown whole), and each digest cut to the 12 hex
 * characters `docker images` shows (`shop/web:v1.2.2 → shop/web@sha256:8411c2389cd2`).
 */
export function imagePair(before: string, after: string): [string, string] {
  const host = registryHost(before);
  const same = host !== '' && host === registryHost(after);
  return [shortImage(before, !same), shortImage(after, !same)];
}

function shown(v: string, max: number): string {
  const items = v.split(LIST_SEP);
  const safe = items.map((a, i) => (i > 0 && SECRET_FLAG.test(items[i - 1]!) ? MASK : redactSecrets(a))).join(', ');
  return truncate(safe, max);
}

/**
 * One line per entry: `~ path: a → b`, `+ path: b`, `- path: a`; for environment variables and
 * other hidden values `~ path (changed)`, `+ path (added)`, `- path (removed)`. Long values are
 * cut to `maxValue`.
 */
export function renderDiff(entries: readonly DiffEntry[], maxValue = 160): string {
  if (!entries.length) return '(no differences)';
  return entries
    .map((e) => {
      const changed = e.before !== undefined && e.after !== undefined;
      if (isValueHidden(e.path))
        return changed ? `~ ${e.path} (changed)` : e.after !== undefined ? `+ ${e.path} (added)` : `- ${e.path} (removed)`;
      if (changed && IMAGE_PATH.test(e.path)) {
        const [a, b] = imagePair(e.before!, e.after!);
        return `~ ${e.path}: ${shown(a, maxValue)} → ${shown(b, maxValue)}`;
      }
      if (changed) return `~ ${e.path}: ${shown(e.before!, maxValue)} → ${shown(e.after!, maxValue)}`;
      if (e.after !== undefined) return `+ ${e.path}: ${shown(e.after, maxValue)}`;
      return `- ${e.path}: ${shown(e.before ?? '', maxValue)}`;
    })
    .join('\n');
}
