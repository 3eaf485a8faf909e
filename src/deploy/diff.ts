import { truncate } from '../slack/text';
/**
 * What a change does to a task definition, as lines a reviewer can read in Slack:
 *
 *   ~ containerDefinitions[web].image: …/shop/web:v1.2.2 → …/shop/web@sha256:3f1c…
 *   + containerDefinitions[web].environment.FEATURE_X: on
 *
 * Lists of named things (containers, environment variables, secrets, volumes) are keyed by
 * name, so reordering is not a change. Values of variables whose names look secret are hidden.
 */

interface DiffEntry {
  path: string;
  before?: string;
  after?: string;
}

const SENSITIVE = /(secret|token|passw|pwd|credential|private|api[_-]?key|access[_-]?key|auth)/i;

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
      out.set(prefix, value.map(scalar).join(', '));
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

function shown(path: string, v: string, max: number): string {
  const leaf = path.slice(path.lastIndexOf('.') + 1);
  if (/\.(environment)\./.test(path) && SENSITIVE.test(leaf)) return '(hidden)';
  return truncate(v, max);
}

/** One line per entry: `~ path: a → b`, `+ path: b`, `- path: a`. Long values are cut to `maxValue`. */
export function renderDiff(entries: readonly DiffEntry[], maxValue = 160): string {
  if (!entries.length) return '(no differences)';
  return entries
    .map((e) => {
      if (e.before !== undefined && e.after !== undefined) {
        const hidden = shown(e.path, e.before, maxValue) === '(hidden)';
        return hidden
          ? `~ ${e.path}: (hidden, changed)`
          : `~ ${e.path}: ${shown(e.path, e.before, maxValue)} → ${shown(e.path, e.after, maxValue)}`;
      }
      if (e.after !== undefined) return `+ ${e.path}: ${shown(e.path, e.after, maxValue)}`;
      return `- ${e.path}: ${shown(e.path, e.before ?? '', maxValue)}`;
    })
    .join('\n');
}
