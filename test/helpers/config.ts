/**
 * The one way tests change chatops.yml: start from the fixture (test/fixtures/chatops.test.yml) or
 * from a whole document, edit the raw YAML document, and take it as a Config (`fixtureConfig`) or
 * as a file for the handlers (`configFile`, for setupE2E({ configPath })).
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import { parseConfig } from '../../src/config/load';
import type { Config } from '../../src/config/schema';

export const FIXTURE_CONFIG = join(__dirname, '../fixtures/chatops.test.yml');

// Raw YAML documents, edited freely by tests.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type ConfigDoc = Record<string, any>;
export type ConfigEdit = (doc: ConfigDoc) => void;

/** The fixture document, changed by `edit`. */
export function fixtureDoc(edit?: ConfigEdit): ConfigDoc {
  const doc = parse(readFileSync(FIXTURE_CONFIG, 'utf8')) as ConfigDoc;
  edit?.(doc);
  return doc;
}

/** The fixture config, optionally changed (e.g. prod needing 2 approvals). */
export function fixtureConfig(edit?: ConfigEdit): Config {
  return parseConfig(fixtureDoc(edit), 'test config');
}

/** A chatops.yml in a fresh temp folder: the fixture changed by `edit`, or the whole document given. Returns its path. */
export function configFile(docOrEdit: ConfigDoc | ConfigEdit): string {
  const doc = typeof docOrEdit === 'function' ? fixtureDoc(docOrEdit as ConfigEdit) : docOrEdit;
  const path = join(mkdtempSync(join(tmpdir(), 'chatops-test-')), 'chatops.yml');
  writeFileSync(path, stringify(doc));
  return path;
}

/**
 * A whole document of one environment, `prod` (eu-west-1, cluster `prod`, channel CPROD, anyone may
 * ask, no approvals; `prod` adds or overrides fields), holding `services` (default: `web`, ECS
 * service `web-prod`, container `web`).
 */
export function prodOnlyDoc(
  services: ConfigDoc = { web: { environment: 'prod', service: 'web-prod', container: 'web' } },
  prod: ConfigDoc = {},
): ConfigDoc {
  return {
    environments: {
      prod: {
        region: 'eu-west-1',
        cluster: 'prod',
        channels: ['CPROD'],
        requesters: ['*'],
        approvals: { deploy: 0, rollback: 0, scale: 0, restart: 0 },
        ...prod,
      },
    },
    services,
  };
}

/** The fixture's user groups (SLEADS approves in prod, SDEVS requests), empty unless `members` fills them. */
export function fixtureGroups(members: { SLEADS?: string[]; SDEVS?: string[] } = {}): Record<string, string[]> {
  return { SLEADS: [], SDEVS: [], ...members };
}
