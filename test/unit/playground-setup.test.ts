import { DescribeServicesCommand, ECSClient, UpdateServiceCommand } from '@aws-sdk/client-ecs';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'esbuild';
import type { AwsClients } from '../../src/aws/clients';
import { parseConfig } from '../../src/config/load';
import { awsCredentialsFound, isReadOnlyCall, readOnlyAwsClients, startAwsSide } from '../../src/playground/aws';
import { DEMO_CHANNELS, DEMO_GROUPS, DEMO_USERS, demoConfig } from '../../src/playground/demo/config';
import { parseFlags, wantsPlayground } from '../../src/handlers/local-playground';
import { peopleFor } from '../../src/playground/people';
import { globalShortcuts, loadShortcuts } from '../../src/playground/shortcuts';

describe('who acts in the playground', () => {
  it('the demo: a developer requests, a lead approves, a reader reads', () => {
    const people = peopleFor(demoConfig(), { users: DEMO_USERS, groups: DEMO_GROUPS, channels: DEMO_CHANNELS });
    const byName = Object.fromEntries(people.menu.map((p) => [p.name, p]));
    expect(byName.lee).toMatchObject({ kind: 'approver', roles: expect.arrayContaining(['approver in prod', 'requester in prod']) });
    expect(byName.dana).toMatchObject({ kind: 'requester', roles: expect.arrayContaining(['requester in prod']) });
    expect(byName.dana!.roles).not.toContain('approver in prod');
    expect(byName.riley!.roles).toEqual(['requester in staging', 'reader in staging', 'reader in prod']);
    expect(people.channels.map((c) => c.name)).toEqual(['deploys', 'oncall', 'staging']);
  });

  it('any chatops.yml: users and groups become people, and approvals always have a second person', () => {
    const config = parseConfig({
      environments: {
        prod: {
          region: 'eu-west-1',
          cluster: 'prod',
          channels: ['C0DEPLOYS'],
          readers: ['*'],
          requesters: ['S0LEADS'],
          approvers: ['S0LEADS'],
          alerts: { channel: 'C0ONCALL' },
        },
      },
      services: { web: { environment: 'prod', service: 'web', container: 'web' } },
    });
    const people = peopleFor(config);
    const approvers = people.menu.filter((p) => p.roles.includes('approver in prod'));
    const requesters = people.menu.filter((p) => p.roles.includes('requester in prod'));
    expect(approvers.length).toBeGreaterThanOrEqual(2);
    expect(requesters.length).toBeGreaterThanOrEqual(2);
    expect(people.menu.some((p) => p.kind === 'reader')).toBe(true);
    expect(people.groups.find((g) => g.id === 'S0LEADS')!.users).toHaveLength(2);
    expect(people.channels.map((c) => c.id)).toEqual(['C0DEPLOYS', 'C0ONCALL']);
    for (const u of people.users) expect(u.id).toMatch(/^[UW][A-Z0-9]{2,}$/);
  });
});

describe('the ⚡ menu lists the global shortcuts of the manifest', () => {
  it('global shortcuts with their names; message shortcuts and malformed entries are left out', () => {
    const manifest = {
      features: {
        shortcuts: [
          { name: 'Deploy to ECS', type: 'global', callback_id: 'deploy_to_ecs', description: 'Pick a service' },
          { name: 'Explain', type: 'message', callback_id: 'explain', description: 'x' },
          { name: 'No id', type: 'global' },
        ],
      },
    };
    expect(globalShortcuts(manifest)).toEqual([{ callback_id: 'deploy_to_ecs', name: 'Deploy to ECS', description: 'Pick a service' }]);
    expect(globalShortcuts({ features: {} })).toEqual([]);
    expect(globalShortcuts(null)).toEqual([]);
  });

  it('reads the first slack-manifest.yml found (the built page’s copy, then the working directory)', () => {
    const a = mkdtempSync(join(tmpdir(), 'shortcuts-a-'));
    const b = mkdtempSync(join(tmpdir(), 'shortcuts-b-'));
    try {
      expect(loadShortcuts([a, b])).toEqual([]);
      writeFileSync(
        join(b, 'slack-manifest.yml'),
        'features:\n  shortcuts:\n    - name: Deploy to ECS\n      type: global\n      callback_id: deploy_to_ecs\n',
      );
      expect(loadShortcuts([a, b])).toEqual([{ callback_id: 'deploy_to_ecs', name: 'Deploy to ECS' }]);
    } finally {
      rmSync(a, { recursive: true, force: true });
      rmSync(b, { recursive: true, force: true });
    }
  });
});

describe('which playground', () => {
  it('npm start is the playground only when neither Slack credential is set', () => {
    expect(wantsPlayground({})).toBe(true);
    expect(wantsPlayground({ SLACK_BOT_TOKEN: 'xoxb-1' })).toBe(false);
    // Socket Mode's app-level token alone is a production start (which then names the missing bot token).
    expect(wantsPlayground({ SLACK_APP_TOKEN: 'xapp-1' })).toBe(false);
    expect(wantsPlayground({ SLACK_SIGNING_SECRET: 's' })).toBe(false);
    expect(parseFlags(['--demo', '--allow-changes'])).toEqual({ demo: true, aws: false, allowChanges: true });
    expect(() => parseFlags(['--yolo'])).toThrow('unknown option --yolo');
  });

  it('--lang chooses the language everyone reads: ko or en, as --lang ko or --lang=ko', () => {
    expect(parseFlags(['--lang', 'ko'])).toEqual({ demo: false, aws: false, allowChanges: false, lang: 'ko' });
    expect(parseFlags(['--demo', '--lang=en'])).toEqual({ demo: true, aws: false, allowChanges: false, lang: 'en' });
    expect(() => parseFlags(['--lang', 'fr'])).toThrow('--lang takes en or ko (not fr), e.g. npm start -- --lang ko.');
    expect(() => parseFlags(['--lang'])).toThrow('--lang takes en or ko, e.g. npm start -- --lang ko.');
    expect(() => parseFlags(['--lang=ko', '--yolo'])).toThrow('unknown option --yolo');
  });

  it('finds AWS credentials where the SDK would', () => {
    const home = mkdtempSync(join(tmpdir(), 'home-'));
    try {
      expect(awsCredentialsFound({}, home)).toBe(false);
      expect(awsCredentialsFound({ AWS_PROFILE: 'x' }, home)).toBe(true);
      mkdirSync(join(home, '.aws'));
      writeFileSync(join(home, '.aws', 'credentials'), '[default]\n');
      expect(awsCredentialsFound({}, home)).toBe(true);
    } finally {
      rmSync(home, { recursive: true, force: true });
    }
  });
});

describe('a real account is read-only unless --allow-changes', () => {
  it('knows reads from changes', () => {
    for (const c of [
      'DescribeServicesCommand',
      'ListTasksCommand',
      'GetCostAndUsageCommand',
      'FilterLogEventsCommand',
      'BatchGetImageCommand',
      'StartQueryCommand',
    ])
      expect(isReadOnlyCall(c)).toBe(true);
    for (const c of [
      'UpdateServiceCommand',
      'RegisterTaskDefinitionCommand',
      'InvokeCommand',
      'RegisterScalableTargetCommand',
      'StopTaskCommand',
    ])
      expect(isReadOnlyCall(c)).toBe(false);
  });

  it('refuses a change before it leaves the process, and lets reads through to the endpoint', async () => {
    const side = await startAwsSide('demo', false);
    try {
      const ecs = new ECSClient({
        region: 'eu-west-1',
        endpoint: side.env.AWS_ENDPOINT_URL,
        credentials: { accessKeyId: 'a', secretAccessKey: 'b' },
        maxAttempts: 1,
      });
      const clients = readOnlyAwsClients({ ecs: () => ecs } as unknown as AwsClients);
      await expect(
        clients.ecs('eu-west-1').send(new UpdateServiceCommand({ service: 'web', cluster: 'prod', desiredCount: 3 })),
      ).rejects.toMatchObject({
        name: 'BotError',
        userMessage: 'The playground is read-only against a real AWS account, so I did not send `UpdateService`.',
      });
      // A read reaches the endpoint (here: the demo world's).
      await expect(
        clients.ecs('eu-west-1').send(new DescribeServicesCommand({ services: ['web-prod'], cluster: 'shop-prod' })),
      ).resolves.toMatchObject({ services: [expect.objectContaining({ serviceName: 'web-prod' })] });
    } finally {
      await side.stop();
    }
  });
});

describe('the Lambda bundles contain none of the playground', () => {
  it.each(['slack', 'worker', 'events', 'scheduled'])('src/handlers/%s.ts', async (name) => {
    // Our own sources only (packages external): which of them the bundle pulls in.
    const r = await build({
      entryPoints: [join(__dirname, `../../src/handlers/${name}.ts`)],
      bundle: true,
      write: false,
      metafile: true,
      platform: 'node',
      packages: 'external',
      loader: { '.lua': 'text' },
      logLevel: 'silent',
      outfile: '/nonexistent/out.js',
    });
    const inputs = Object.keys(r.metafile.inputs);
    expect(inputs.length).toBeGreaterThan(20);
    expect(inputs.filter((i) => i.includes('src/playground/') || i.includes('src/loopback/'))).toEqual([]);
  });

  it('while local.js (npm start) does include it', async () => {
    const r = await build({
      entryPoints: [join(__dirname, '../../src/handlers/local.ts')],
      bundle: true,
      write: false,
      metafile: true,
      platform: 'node',
      packages: 'external',
      loader: { '.lua': 'text' },
      logLevel: 'silent',
      outfile: '/nonexistent/out.js',
    });
    expect(Object.keys(r.metafile.inputs).some((i) => i.includes('src/handlers/local-playground.ts'))).toBe(true);
  });
});
