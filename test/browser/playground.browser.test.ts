/**
 * `npm ci && npm start` on a fresh machine, then a person in Chromium: one line with the URL, the
 * page, `/ecs help` answered, a simulated ECS event turned into an alert whose button is clicked
 * (a signed block_actions), roles switched from the user menu (a freeze only an approver may do).
 *
 * Phase 2 (the demo AWS world on loopback) adds the deploy flow with these same page helpers:
 *   send('/ecs deploy web v1.2.3') as dana → actAs('lee') → click(message('Deploy request'), 'Approve')
 *   → open the request's thread → thread('Deploy completed') after simulate('web: the rollout completes').
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { buildInto, openBrowser, PlaygroundPage, startPlaygroundProcess, type Started } from './playground';

describe('the playground in a real browser', () => {
  let dist: string;
  let run: Started;
  let browser: Awaited<ReturnType<typeof openBrowser>>;
  let page: Page;
  let pg: PlaygroundPage;

  beforeAll(async () => {
    dist = mkdtempSync(join(tmpdir(), 'playground-dist-'));
    buildInto(dist);
    run = await startPlaygroundProcess(dist);
    browser = await openBrowser();
    page = browser.context.pages()[0] ?? (await browser.context.newPage());
    pg = new PlaygroundPage(page);
    await pg.open(run.url);
  });

  afterAll(async () => {
    await browser?.close();
    await run?.stop();
    if (dist) rmSync(dist, { recursive: true, force: true });
  });

  it('npm start without Slack or AWS prints one line with the URL and serves the page', async () => {
    const lines = run.stdout().trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^ecs-chatops playground: http:\/\/127\.0\.0\.1:\d+\/ \(Slack: local; AWS: demo world/);
    expect(run.stderr()).toBe('');
    // eslint-disable-next-line no-console -- how long the start took, for the report (not asserted)
    console.log(`playground URL printed ${run.msToUrl} ms after spawn`);
    await expect(page.title()).resolves.toBe('ecs-chatops playground');
    await expect(page.locator('#aws').textContent()).resolves.toBe('Demo world');
    // The user menu comes from chatops.yml's roles.
    const people = await page.locator('#user option').allTextContents();
    expect(people).toEqual(['Lee Lead (@lee) — approver', 'Dana Developer (@dana) — requester', 'Riley Reader (@riley) — requester']);
  });

  it('/ecs help typed in #deploys is answered, only visible to the person who typed it', async () => {
    await pg.channel('deploys');
    await pg.actAs('dana');
    await pg.send('/ecs help');
    const answer = pg.message('ECS ChatOps: /ecs commands');
    await answer.waitFor();
    await expect(answer.getAttribute('data-ephemeral')).resolves.toBe('1');
    await expect(answer.locator('.only-you').textContent()).resolves.toContain('Only visible to you');
    await expect(answer.locator('.b-header').first().textContent()).resolves.toBe('ECS ChatOps: /ecs commands');
    // Code spans are rendered from mrkdwn, not shown as backticks.
    await expect(answer.locator('code', { hasText: '/ecs deploy <service>' }).count()).resolves.toBeGreaterThan(0);
    await pg.screenshot('help');
    // Someone else does not see it.
    await pg.actAs('lee');
    await expect(page.locator('#messages .msg', { hasText: 'ECS ChatOps: /ecs commands' }).count()).resolves.toBe(0);
  });

  it('a simulated OOM becomes an alert in #oncall; its Status button reaches the app as a signed click', async () => {
    await pg.actAs('dana');
    await pg.channel('oncall');
    await pg.simulate('web: a task runs out of memory');
    const alert = pg.message('web (prod): a task failed');
    await alert.waitFor();
    await expect(alert.textContent()).resolves.toContain('OutOfMemoryError');
    await pg.screenshot('alert');
    await pg.click(alert, 'Status');
    // The app answers the click through its response_url, to the clicker only. (Phase 1: the demo
    // AWS world is a placeholder, so the answer is the AWS error; phase 2 shows the status.)
    const answer = page.locator('#messages .msg.ephemeral', { hasText: /web|AWS/ }).last();
    await answer.waitFor();
    await expect(page.locator('#status').textContent()).resolves.toMatch(/clicked “Status” → HTTP 200/);
  });

  it('the incident is updated in place, a new reason goes to its thread, and the thread pane shows it', async () => {
    await pg.channel('oncall');
    const alerts = page.locator('#messages .msg', { hasText: 'web (prod)' });
    await expect(alerts.count()).resolves.toBe(1);
    await pg.simulate('web: a task fails to start (image pull)');
    const summary = page.locator('#messages .msg', { hasText: 'web (prod)' }).locator('.thread-link');
    await summary.waitFor();
    await expect(alerts.count()).resolves.toBe(1);
    await expect(alerts.locator('.edited').count()).resolves.toBe(1);
    await summary.click();
    await pg.thread('CannotPullContainerError').waitFor();
    await pg.screenshot('alert-thread');
    await page.locator('[data-close-thread]').click();
  });

  it('the Home tab: opening it sends app_home_opened; without views.publish the page says so', async () => {
    await page.locator('[data-nav="home"]').click();
    await page.locator('#messages .empty', { hasText: 'has not published a Home tab' }).waitFor();
    await expect(page.locator('#status').textContent()).resolves.toMatch(/opened the Home tab → HTTP 200/);
  });

  it('roles come from the user menu: a developer may not freeze prod, a team lead may', async () => {
    await pg.channel('deploys');
    await pg.actAs('dana');
    await pg.send('/ecs freeze prod --reason "release day"');
    await pg.message(/You are not allowed to approve changes in prod/).waitFor();
    await pg.actAs('lee');
    await pg.send('/ecs freeze prod --reason "release day"');
    await pg.message(/Froze `?prod`?\. I told the channel/).waitFor();
    // The freeze is announced to the channel: Dana sees it too.
    await pg.actAs('dana');
    const announced = pg.message(/@lee froze `?prod`?: “release day”/);
    await announced.waitFor();
    await expect(announced.getAttribute('data-ephemeral')).resolves.toBeNull();
    await pg.screenshot('freeze');
    await pg.actAs('lee');
    await pg.send('/ecs unfreeze prod');
    await pg.message(/unfroze/i).waitFor();
    expect(pg.errors).toEqual([]);
  });
});
