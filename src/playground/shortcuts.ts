/**
 * The app's global shortcuts as Slack knows them: from the manifest (slack-manifest.yml,
 * features.shortcuts), which the build copies next to the page. The page lists them in the
 * composer's ⚡ menu; choosing one sends a signed `shortcut` payload to the app.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';

export interface AppShortcut {
  callback_id: string;
  name: string;
  description?: string;
}

/** The global shortcuts of a parsed manifest (message shortcuts need a message's menu, which the page has not). */
export function globalShortcuts(manifest: unknown): AppShortcut[] {
  const list = (manifest as { features?: { shortcuts?: unknown } } | null)?.features?.shortcuts;
  if (!Array.isArray(list)) return [];
  return list
    .filter((s): s is Record<string, unknown> => !!s && typeof s === 'object')
    .filter((s) => s.type === 'global' && typeof s.callback_id === 'string' && typeof s.name === 'string')
    .map((s) => ({
      callback_id: s.callback_id as string,
      name: s.name as string,
      ...(typeof s.description === 'string' ? { description: s.description } : {}),
    }));
}

/** The first manifest found in `dirs` (the built page's folder, then the working directory). */
export function loadShortcuts(dirs: readonly string[]): AppShortcut[] {
  for (const dir of dirs) {
    const file = join(dir, 'slack-manifest.yml');
    if (existsSync(file)) return globalShortcuts(parse(readFileSync(file, 'utf8')));
  }
  return [];
}
