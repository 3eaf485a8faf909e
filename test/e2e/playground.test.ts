/**
 * startPlayground in-process: the same local server as `npm start`'s production mode behind the
 * local Slack, with the demo world (the loopback AWS endpoint, its ECS events handed to the events
 * handler) or a real account (read-only), against the test Redis. The demo world moves only when
 * told here (a step interval of an hour), so nothing depends on timing.
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

  const STILL = 3_600_000;
  /** What a click starts runs after its ack: wait for its effect (polling the local Slack), then for the jobs and events it caused. */
  const until = async (what: string, cond: () => boolean): Promise<void> => {
    const deadline = Date.now() + 15_000;
    while (!cond()) {
      if (Date.now() > deadline) throw new Error(`never happened: ${what}`);
      await new Promise((r) => setTimeout(r, 20));
    }
    await pg!.local.idle();
    await pg!.eventsIdle();
  };
  /** Buttons of a stored message: [block index, element index, label] */
  const buttons = (blocks: unknown[] | undefined): Array<{ block: number; element: number; text: string }> =>
    (blocks ?? []).flatMap((b, block) =>
      ((b as { type: string; elements?: Array<{ type: string; text?: { text: string } }> }).type === 'actions'
        ? (b as { elements: Array<{ type: string; text?: { text: string } }> }).elements
        : []
      ).flatMap((e, element) => (e.type === 'button' ? [{ block, element, text: e.text?.text ?? '' }] : [])),
    );

  it('demo world: generated credentials, signed commands answered, simulated events alerting; process.env restored', async () => {
    const before = process.env.AWS_ENDPOINT_URL;
    pg = await startPlayground({ env: env(), port: 0, pageDir: home, stepMs: STILL });
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
    // Nothing is rolling out yet: the menu says so instead of offering a made-up deployment.
    expect(pg.simulations().filter((s) => s.id.startsWith('rollout'))).toEqual([
      expect.objectContaining({ id: 'rollout-none', disabled: true }),
    ]);

    // The page is served from pageDir (here: not built).
    const page = await fetch(pg.url);
    expect(page.status).toBe(500);
    expect(await page.text()).toContain('run npm run build');

    await pg.stop();
    pg = undefined;
    expect(process.env.AWS_ENDPOINT_URL).toBe(before);
  });

  it('demo world: /ecs status, a deploy requested by Dana, approved by Lee, rolled out by ECS and reported in the thread', async () => {
    pg = await startPlayground({ env: env(), port: 0, pageDir: home, stepMs: STILL });
    const slack = pg.slack;
    await pg.person.slash('U0DANA', 'C0DEPLOYS', '/ecs status web');
    await pg.local.idle();
    const status = JSON.stringify([...slack.ephemerals('C0DEPLOYS'), ...slack.messages('C0DEPLOYS')].at(-1));
    expect(status).toContain('web-prod:42');
    expect(status).toContain('v1.2.2');

    await expect(pg.person.slash('U0DANA', 'C0DEPLOYS', '/ecs deploy web v1.2.3')).resolves.toMatchObject({ ok: true });
    await pg.local.idle();
    const request = slack.messages('C0DEPLOYS').find((m) => /Deploy request/i.test(JSON.stringify(m.blocks)));
    expect(request).toBeDefined();
    // The demo world's Git host answers for acme/shop: the card lists what v1.2.2 → v1.2.3 brings, newest first.
    const card = JSON.stringify(request!.blocks);
    expect(card).toContain('\\n• `9f8e7d6` Release v1.2.3 — lee\\n• `4d92e6b` Log the payment provider request id');
    expect(card).toContain('• `2b7f0e9` Fix the checkout total when a coupon expires mid-session (#412) — dana');
    const approve = buttons(request!.blocks).find((b) => b.text === 'Approve');
    expect(approve).toBeDefined();
    await expect(pg.person.click('U0LEE', { channel: 'C0DEPLOYS', ts: request!.ts, ...approve! })).resolves.toMatchObject({ ok: true });
    const thread = () => slack.messages('C0DEPLOYS').filter((m) => m.thread_ts === request!.ts && m.ts !== request!.ts);
    await until('the deployment started in the thread', () => /ecs-svc\/\d+/.test(JSON.stringify(thread())));

    // ECS is rolling out the new task definition: the menu names that deployment by its real id.
    const rollouts = pg.simulations().filter((s) => s.id === 'rollout-complete:web-prod');
    expect(rollouts).toHaveLength(1);
    const deploymentId = /ecs-svc\/\d+/.exec(rollouts[0]!.label)![0];
    expect(JSON.stringify(thread())).toContain(deploymentId);
    expect(JSON.stringify(thread())).toContain('web-prod:43');

    await expect(pg.simulate('rollout-complete:web-prod')).resolves.toEqual({ ok: true });
    await until('the thread says the deploy completed', () => /Deploy completed/.test(JSON.stringify(thread())));
    expect(pg.simulations().some((s) => s.id.startsWith('rollout-complete'))).toBe(false);
  });

  it('demo world: a task that fails to start never ran, as ECS reports one: no exit code, no log lines, the running tasks untouched', async () => {
    pg = await startPlayground({ env: env(), port: 0, pageDir: home, stepMs: STILL });
    const running = () => pg!.slack.messages('C0ONCALL').length;
    const before = running();
    await expect(pg.simulate('task-start-failed')).resolves.toEqual({ ok: true });
    await pg.local.idle();
    expect(running()).toBe(before + 1);
    const alert = JSON.stringify(pg.slack.messages('C0ONCALL').at(-1)?.blocks);
    expect(alert).toContain('CannotPullContainerError');
    expect(alert).toContain('TaskFailedToStart');
    expect(alert).not.toMatch(/exit \d/i);
    expect(alert).not.toMatch(/last \d+ log line/i);
    expect(alert).toContain('no log lines: the task stopped before its container started, so it wrote nothing to /ecs/web-prod');
    await pg.person.slash('U0DANA', 'C0DEPLOYS', '/ecs status web');
    await pg.local.idle();
    expect(JSON.stringify(pg.slack.messages('C0DEPLOYS').at(-1)?.blocks)).toContain('*4* running / 4 desired');
  });

  it('--lang ko: the team reads Korean, in what only they see and in the channel (the demo workspace speaks it too)', async () => {
    pg = await startPlayground({ env: env(), argv: ['--lang', 'ko'], port: 0, pageDir: home, stepMs: STILL });
    const slack = pg.slack;
    await pg.person.slash('U0DANA', 'C0DEPLOYS', '/ecs scale web 9999');
    await pg.local.idle();
    expect(JSON.stringify(slack.ephemerals('C0DEPLOYS').at(-1))).toContain('허용된 범위');
    await pg.person.slash('U0DANA', 'C0DEPLOYS', '/ecs scale web 6 --reason 트래픽');
    await pg.local.idle();
    const request = slack.messages('C0DEPLOYS').find((m) => /스케일 요청/.test(JSON.stringify(m.blocks)));
    expect(request).toBeDefined();
    expect(buttons(request!.blocks).map((b) => b.text)).toEqual(['승인', '거절', '취소', '상세']);
    // An alert in the on-call channel, as everyone there reads it.
    await pg.simulate('task-oom');
    expect(JSON.stringify(slack.messages('C0ONCALL').at(-1)?.blocks)).toMatch(/메모리/);
    // The team is in Seoul: `--at 02:00` is the next 02:00 there (prod has no change windows).
    const hour = 3_600_000;
    let at = Math.floor((Date.now() + 9 * hour) / (24 * hour)) * 24 * hour + 2 * hour - 9 * hour;
    if (at < Date.now() - 60_000) at += 24 * hour;
    await pg.person.slash('U0LEE', 'C0DEPLOYS', '/ecs restart worker --at 02:00');
    await pg.local.idle();
    expect(JSON.stringify(slack.ephemerals('C0DEPLOYS').filter((e) => e.user === 'U0LEE'))).toContain(`<!date^${at / 1000}^`);
  });

  it("answers through the local Slack's response_urls: a click's answer and a command's are what the bot says, never a refusal of the URL", async () => {
    pg = await startPlayground({ env: env(), port: 0, pageDir: home, stepMs: STILL });
    const slack = pg.slack;
    await pg.person.slash('U0DANA', 'C0DEPLOYS', '/ecs scale web 6 --reason "more traffic"');
    await pg.local.idle();
    // The worker's answer to the command came through its response_url (not the bot token's fallback).
    const posted = slack.ephemerals('C0DEPLOYS').filter((e) => e.user === 'U0DANA' && e.source === 'response_url');
    expect(JSON.stringify(posted)).toContain('needs 1 approval');
    const request = slack.messages('C0DEPLOYS').find((m) => /Scale request/.test(JSON.stringify(m.blocks)))!;
    const detailsButton = buttons(request.blocks).find((b) => b.text === 'Details')!;
    await pg.person.click('U0RILEY', { channel: 'C0DEPLOYS', ts: request.ts, ...detailsButton });
    await until('the Details answer', () => slack.ephemerals('C0DEPLOYS').some((e) => e.user === 'U0RILEY'));
    const details = JSON.stringify(slack.ephemerals('C0DEPLOYS').filter((e) => e.user === 'U0RILEY'));
    expect(details).not.toContain('not Slack');
    expect(details).toContain('web-prod');
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
    pg = await startPlayground({ env: env(), port: 0, pageDir: home, stepMs: STILL });
    await expect(startPlayground({ env: env(), port: pg.slack.port })).rejects.toThrow(
      `port ${pg.slack.port} is in use; set PORT to another one.`,
    );
  });
});
