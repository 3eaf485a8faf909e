/**
 * slack-manifest.yml follows the code: every Slack event the bot registered a handler for is a bot
 * event of the manifest, every global shortcut it handles is declared, and the Home tab is enabled.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { registerAll } from '../../src/handlers/compose';
import { findShortcut, slackEventTypes } from '../../src/hooks/actions';

interface Manifest {
  features: {
    app_home?: { home_tab_enabled?: boolean };
    shortcuts?: Array<{ name: string; type: string; callback_id: string; description: string }>;
  };
  settings: { event_subscriptions?: { bot_events?: string[] }; socket_mode_enabled?: boolean };
}

const manifest = parse(readFileSync(join(__dirname, '../../slack-manifest.yml'), 'utf8')) as Manifest;

describe('slack-manifest.yml and the Slack surfaces', () => {
  beforeAll(() => registerAll());

  it('subscribes to every Slack event the bot handles, and only those', () => {
    expect([...(manifest.settings.event_subscriptions?.bot_events ?? [])].sort()).toEqual(slackEventTypes().sort());
    expect(slackEventTypes()).toContain('app_home_opened');
  });

  it('declares global shortcuts, each one handled by the bot', () => {
    const shortcuts = manifest.features.shortcuts ?? [];
    expect(shortcuts.length).toBeGreaterThan(0);
    for (const s of shortcuts) {
      expect(s.type).toBe('global');
      expect(findShortcut(s.callback_id)).toBeDefined();
      expect(s.name.length).toBeLessThanOrEqual(24);
      expect(s.description.length).toBeLessThanOrEqual(80);
    }
    expect(findShortcut('not-in-the-manifest')).toBeUndefined();
  });

  it('enables the Home tab and documents the Socket Mode switch (off for Lambda)', () => {
    expect(manifest.features.app_home?.home_tab_enabled).toBe(true);
    expect(manifest.settings.socket_mode_enabled).toBe(false);
  });
});
