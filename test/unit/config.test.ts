import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { fixtureConfig } from '../helpers/config';
import { configWarnings, loadConfigFile, parseConfig, defaultEnvironmentFor, findService } from '../../src/config/load';
import { isBotError } from '../../src/errors';

const fixture = join(__dirname, '../fixtures/chatops.test.yml');
const example = join(__dirname, '../../chatops.example.yml');

function errorOf(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    if (isBotError(err)) return err.message;
    throw err;
  }
  throw new Error('expected an error');
}

describe('config', () => {
  it('loads the committed example and the test fixture', () => {
    const ex = loadConfigFile(example);
    expect(Object.keys(ex.services)).toEqual(['web', 'worker', 'web-staging']);
    expect(ex.environments.prod!.approvalTtl).toBe(3_600_000);
    const cfg = loadConfigFile(fixture);
    expect(cfg.environments.staging!.approvals.deploy).toBe(0);
  });

  it('applies defaults for optional fields', () => {
    const cfg = parseConfig({
      environments: {
        dev: {
          region: 'us-east-1',
          cluster: 'dev',
          channels: ['CDEV'],
          requesters: ['*'],
          approvals: { deploy: 0, rollback: 0, scale: 0, restart: 0 },
        },
      },
      services: { api: { environment: 'dev', service: 'api', container: 'api' } },
    });
    expect(cfg.environments.dev!.readers).toEqual(['*']);
    expect(cfg.environments.dev!.deployDeadline).toBe(20 * 60_000);
    expect(cfg.services.api!.scale).toEqual({ min: 0, max: 10 });
  });

  it('names the field path and the problem for every invalid field', () => {
    const doc = parse(readFileSync(fixture, 'utf8'));
    doc.services.web.scale.max = 'lots';
    doc.environments.prod.channels = ['#deploys'];
    const msg = errorOf(() => parseConfig(doc, 'chatops.yml'));
    expect(msg).toContain('services.web.scale.max');
    expect(msg).toContain('environments.prod.channels.0: must be a Slack channel ID');
  });

  it('checks references between sections once every field is valid', () => {
    const doc = parse(readFileSync(fixture, 'utf8'));
    doc.services.worker.environment = 'production';
    doc.environments.prod.approvers = [];
    const msg = errorOf(() => parseConfig(doc));
    expect(msg).toContain('services.worker.environment: unknown environment "production"');
    expect(msg).toContain('environments.prod.approvers: approvals are required here');
  });

  it('rejects a bad duration and unknown keys', () => {
    const doc = parse(readFileSync(fixture, 'utf8'));
    doc.environments.prod.approvalTtl = 'an hour';
    doc.services.web.replicas = 3;
    const msg = errorOf(() => parseConfig(doc));
    expect(msg).toContain('environments.prod.approvalTtl: "an hour" is not a duration');
    expect(msg).toMatch(/services\.web.*replicas/);
  });

  it('fails clearly on a missing file and on broken YAML', () => {
    expect(errorOf(() => loadConfigFile('/nonexistent/chatops.yml'))).toContain('Cannot read config file /nonexistent/chatops.yml');
    const dir = mkdtempSync(join(tmpdir(), 'cfg-'));
    const bad = join(dir, 'chatops.yml');
    writeFileSync(bad, 'environments: [unclosed');
    expect(errorOf(() => loadConfigFile(bad))).toContain('is not valid YAML');
  });

  it('resolves services and the default environment of a channel', () => {
    const cfg = loadConfigFile(fixture);
    expect(findService(cfg, 'web')!.env.cluster).toBe('prod');
    expect(findService(cfg, 'nope')).toBeUndefined();
    expect(defaultEnvironmentFor(cfg, 'CSTAGING')).toBe('staging');
    expect(defaultEnvironmentFor(cfg, 'CRANDOM')).toBeUndefined();
  });

  it('warns when an alert channel is not a command channel of its environment', () => {
    const cfg = loadConfigFile(fixture);
    const warnings = configWarnings(cfg);
    expect(warnings).toEqual([
      expect.stringContaining('environments.staging.alerts.channel CALERTSSTG is not in environments.staging.channels'),
      expect.stringContaining('environments.prod.alerts.channel CALERTS is not in environments.prod.channels'),
      expect.stringContaining('services.worker.alertChannel CWORKERTEAM is not in environments.prod.channels'),
    ]);
    expect(configWarnings(loadConfigFile(example))).toEqual([]);
  });

  it('warns when no workspace is configured (requests from any workspace would be accepted)', () => {
    const cfg = fixtureConfig((d) => delete d.slack.teamId);
    expect(configWarnings(cfg)).toContainEqual(expect.stringContaining('slack.teamId is not set'));
  });
});
