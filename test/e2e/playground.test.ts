/**
 * startPlayground in-process: the same local server as `npm start`'s production mode behind the
 * local Slack, with the demo world or a real account (read-only), against the test Redis.
 */
import { UpdateServiceCommand } from '@aws-sdk/client-ecs';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { StartupError } from '../../src/handlers/local-server';
import { startPlayground, type Playground } from '../../src/handlers/local-playground';
import { FIXTURE_CONFIG } from '../helpers/config';
import { flushRedis, useWorkerDb } from '../helpers/redis';

describe('the playground (in-process)', () => {
  let home: string;
  let pg: Playground | undefined;
  const env = (extra: Record<string, string> = {}): NodeJS.ProcessEnv => ({
    PATH: process.env.PATH,
    REDIS_URL: process.env.REDIS_URL,
    HOME: home,
    ...extra,
  });

  beforeAll(() => {
    useWorkerDb();
  });
  beforeEach(async () => {
    await flushRedis();
    home = mkdtempSync(join(tmpdir(), 'pg-home-'));
  });
  afterEach(async () => {
    await pg?.stop();
    pg = undefined;
    rmSync(home, { recursive: true, force: true });
  });

  it('demo world: generated credentials, signed commands answered, simulated events alerting; process.env restored', async () => {
    const before = process.env.AWS_ENDPOINT_URL;
    pg = await startPlayground({ env: env(), port: 0, pageDir: home });
    expect(pg.line).toMatch(/^ecs-chatops playground: http:\/\/127\.0\.0\.1:\d+\/ \(Slack: local; AWS: demo world/);
    expect(pg.aws.mode).toBe('demo');
    expect(pg.local.rt.botToken).toMatch(/^xoxb-playground-[0-9a-f]{24}$/);
    expect(pg.local.rt.signingSecret).toMatch(/^[0-9a-f]{32}$/);
    expect(process.env.AWS_ENDPOINT_URL).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);

    await expect(pg.person.slash('U0DANA', 'C0DEPLOYS', '/ecs help')).resolves.toMatchObject({ ok: true, status: 200 });
    expect(pg.slack.ephemerals('C0DEPLOYS').at(-1)).toMatchObject({ user: 'U0DANA', source: 'ack' });

    await expect(pg.simulate('task-oom')).resolves.toEqual({ ok: true });
    const alert = pg.slack.messages('C0ONCALL').at(-1);
    expect(alert?.text).toContain('web');
    expect(JSON.stringify(alert?.blocks)).toContain('OutOfMemoryError');
    await expect(pg.simulate('nope')).resolves.toEqual({ ok: false, error: 'no simulation "nope"' });

    // The page is served from pageDir (here: not built).
    const page = await fetch(pg.url);
    expect(page.status).toBe(500);
    expect(await page.text()).toContain('run npm run build');

    await pg.stop();
    pg = undefined;
    expect(process.env.AWS_ENDPOINT_URL).toBe(before);
  });

  it('a real account (credentials and a chatops.yml): labelled, and read-only unless --allow-changes', async () => {
    pg = await startPlayground({
      env: env({ AWS_ACCESS_KEY_ID: 'AKIAEXAMPLE', AWS_SECRET_ACCESS_KEY: 'x', CHATOPS_CONFIG: FIXTURE_CONFIG }),
      port: 0,
      pageDir: home,
    });
    expect(pg.aws).toEqual({ mode: 'real', label: 'your AWS account (read-only; --allow-changes to make changes)' });
    // Nothing that changes the account leaves the process.
    await expect(
      pg.local.rt.aws.ecs('eu-west-1').send(new UpdateServiceCommand({ cluster: 'prod', service: 'web-prod', desiredCount: 3 })),
    ).rejects.toMatchObject({
      name: 'BotError',
      code: 'REFUSED',
    });
    // People come from the fixture's roles; approvals have someone other than the requester.
    const approvers = pg.people.menu.filter((p) => p.roles.includes('approver in prod')).map((p) => p.id);
    expect(approvers).toEqual(expect.arrayContaining(['ULEAD1', 'ULEAD2']));
  });

  it('refuses what it cannot do, in one message', async () => {
    await expect(startPlayground({ env: env(), argv: ['--aws'], port: 0 })).rejects.toThrow(StartupError);
    await expect(startPlayground({ env: env(), argv: ['--aws'], port: 0 })).rejects.toThrow(/--aws needs a chatops.yml/);
    pg = await startPlayground({ env: env(), port: 0, pageDir: home });
    await expect(startPlayground({ env: env(), port: pg.slack.port })).rejects.toThrow(
      `port ${pg.slack.port} is in use; set PORT to another one.`,
    );
  });
});
