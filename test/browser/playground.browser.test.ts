/**
 * `npm ci && npm start` on a fresh machine, then a person in Chromium: one line with the URL, the
 * page, `/ecs help` answered, `/ecs status web` from the demo world, a deploy requested by Dana and
 * approved by Lee that ECS rolls out while the thread follows it to completion, a simulated ECS
 * event turned into an alert whose button is clicked (a signed block_actions), roles switched from
 * the user menu (a freeze only an approver may do), and `/ecs cost prod`.
 *
 * Pictures of the status, deploy request (and its thread), alert and cost messages are written to
 * test-artifacts/playground/; `npm run screenshots` runs this test to write the README's pictures.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { buildInto, openBrowser, PlaygroundPage, startPlaygroundProcess, type Started } from './playground';

/** How long a rollout of web (4 tasks, a step every 2 s) and the bot's reports may take on a busy machine. */
const ROLLOUT_MS = 90_000;

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
    expect(lines[0]).toMatch(
      /^ecs-chatops playground: http:\/\/127\.0\.0\.1:\d+\/ \(Slack: local; AWS: demo world .*; Redis in memory, fresh each start\); log: \.local\/playground\.log$/,
    );
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

  it('/ecs status web shows the demo world’s service as ECS describes it', async () => {
    await pg.channel('deploys');
    await pg.actAs('dana');
    await pg.send('/ecs status web');
    const status = pg.message(/web in prod.*steady/s);
    await status.waitFor();
    await expect(status.textContent()).resolves.toMatch(/web-prod:42.*v1\.2\.2/s);
    // The OOM of 41 minutes ago is in the demo world's history.
    await expect(status.textContent()).resolves.toContain('OutOfMemoryError');
    await pg.picture('status', status);
  });

  it('a deploy: Dana types /ecs deploy web v1.2.3, Lee approves, and the thread follows the rollout to completion', async () => {
    await pg.channel('deploys');
    await pg.actAs('dana');
    await pg.send('/ecs deploy web v1.2.3');
    const request = pg.message(/Deploy request: web → prod/);
    await request.locator('button[data-el]', { hasText: 'Approve' }).waitFor();
    await expect(request.textContent()).resolves.toContain('Waiting for 1 more approval');
    await pg.picture('deploy-request', request);

    await pg.actAs('lee');
    await pg.click(request, 'Approve');
    await page.locator('#messages .msg', { hasText: /Deploy request: web → prod \(running\)/ }).waitFor();
    await request.locator('.thread-link').click();
    // The deployment ECS started, by its id, then the rollout as ECS reports it, then the end.
    await pg.thread(/ecs-svc\/\d+/).waitFor();
    await pg.thread(/Deploy completed/).waitFor({ timeout: ROLLOUT_MS });
    await expect(page.locator('#thread-messages').textContent()).resolves.toMatch(/web-prod:43.*4 tasks/s);
    await page.locator('#messages .msg', { hasText: /Deploy request: web → prod \(succeeded\)/ }).waitFor();
    // The thread's replies (the first message of the pane is the request itself).
    await pg.picture('deploy-thread', page.locator('#thread-messages .msg:not(:first-child)'));
    await page.locator('[data-close-thread]').click();
    // Nothing is rolling out any more: the simulate menu has no rollout to finish.
    await page.locator('#simulate option[disabled]', { hasText: 'none in progress' }).waitFor({ state: 'attached' });
  });

  it('a simulated OOM becomes an alert in #oncall; its Status button reaches the app as a signed click', async () => {
    await pg.actAs('dana');
    await pg.channel('oncall');
    await pg.simulate('web: a task runs out of memory');
    const alert = pg.message('web (prod): a task failed');
    await alert.waitFor();
    await expect(alert.textContent()).resolves.toContain('OutOfMemoryError');
    await expect(alert.textContent()).resolves.toContain('JavaScript heap out of memory');
    await pg.picture('alert', alert);
    await pg.click(alert, 'Status');
    // The app answers in the alert's thread, with the incident's follow-ups: web's status now.
    await page.locator('#status', { hasText: /clicked “Status” → HTTP 200/ }).waitFor({ state: 'attached' });
    await alert.locator('.thread-link').click();
    await pg.thread(/web in prod.*web-prod:43/s).waitFor();
    await page.locator('[data-close-thread]').click();
    // Not a new message in the channel (the clicker's own "Looking up web in prod…" line is there).
    await expect(page.locator('#messages .msg', { hasText: /web in prod.*web-prod:43/s }).count()).resolves.toBe(0);
  });

  it('the incident is updated in place, a new reason goes to its thread, and the thread pane shows it', async () => {
    await pg.channel('oncall');
    const alerts = page.locator('#messages .msg', { hasText: 'web (prod)' });
    await alerts.first().waitFor();
    await expect(alerts.count()).resolves.toBe(1);
    await pg.simulate('web: a task fails to start (image pull)');
    const summary = page.locator('#messages .msg', { hasText: 'web (prod)' }).locator('.thread-link');
    await summary.waitFor();
    await expect(alerts.count()).resolves.toBe(1);
    // The thread reply and the in-place update are two calls: wait for the edit mark, do not race it.
    await alerts.locator('.edited').waitFor();
    await expect(alerts.locator('.edited').count()).resolves.toBe(1);
    await summary.click();
    await pg.thread('CannotPullContainerError').waitFor();
    await pg.screenshot('alert-thread');
    await page.locator('[data-close-thread]').click();
  });

  it('the deploy form from the ⚡ menu: environment, service, then the tags the worker read from ECR; the request lands in #deploys', async () => {
    await pg.channel('deploys');
    await pg.actAs('dana');
    await page.locator('#shortcuts').selectOption({ label: 'Deploy to ECS' });
    const form = page.locator('#modal .modal-box');
    const select = (action: string) => form.locator(`select[data-input*="|deployform:${action}|"]`);
    await select('env').selectOption('prod');
    // Each choice goes to the app at once (dispatch_action) and the app updates the form (views.update).
    await select('service').selectOption('worker');
    await select('image').locator('option[value="v3.4.1"]').waitFor({ state: 'attached', timeout: 60_000 });
    await select('image').selectOption('v3.4.1');
    await form.locator('[data-input*="|deployform:reason|"]').fill('the new queue consumer');
    await pg.picture('deploy-form', form);
    await form.locator('[data-modal-submit]').click();
    // The same request `/ecs deploy worker v3.4.1 --reason …` makes, in prod's first channel.
    const request = pg.message(/Deploy request: worker → prod/);
    await request.waitFor({ timeout: 60_000 });
    await expect(request.textContent()).resolves.toContain('the new queue consumer');
    await expect(request.textContent()).resolves.toContain('v3.4.1');
    // The form answers in a view pushed on top of it; close what is left.
    // (A confirmation dialog has no close button: it is denied instead.)
    // The view may change or close on its own between the look and the click (the app's answer to the
    // submission lands meanwhile): click what is there now, briefly, and look again.
    for (let i = 0; i < 5 && (await page.locator('#modal .modal-box').count()); i++) {
      await page
        .locator('#modal [data-deny], #modal [data-modal-close]')
        .first()
        .click({ timeout: 5_000 })
        .catch(() => undefined);
    }
    await page.locator('#modal .modal-box').first().waitFor({ state: 'detached', timeout: 5_000 });
  });

  it('the Home tab: opening it sends app_home_opened, and Lee sees the request waiting for his approval', async () => {
    await pg.actAs('lee');
    await page.locator('[data-nav="home"]').click();
    await page.locator('#status', { hasText: /opened the Home tab → HTTP 200/ }).waitFor({ state: 'attached' });
    const home = page.locator('#messages');
    await home.locator('button[data-el]', { hasText: 'Approve' }).first().waitFor();
    await expect(home.textContent()).resolves.toMatch(/worker.*prod/s);
    // The worker reads ECS for the services' health and publishes again: web's row with its task count
    // (4 desired; fewer running for a while after the simulated OOM of the earlier test).
    await home.locator('text=/web.*[0-4]\\/4/').first().waitFor({ timeout: 30_000 });
    await pg.picture('home', home.locator('> *'));
  });

  it('roles come from the user menu: a developer may not freeze prod, a team lead may', async () => {
    await pg.channel('deploys');
    await pg.actAs('dana');
    await pg.send('/ecs freeze prod --reason "release day"');
    await pg.message(/You are not allowed to freeze or unfreeze prod/).waitFor();
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
  });

  it('/ecs cost prod: what prod’s services cost, from the demo world’s Cost Explorer', async () => {
    await pg.channel('deploys');
    await pg.actAs('riley');
    await pg.send('/ecs cost prod --period 7d');
    const cost = pg.message(/ECS cost · prod · .*7 days/);
    await cost.waitFor();
    await expect(cost.textContent()).resolves.toMatch(/\$\d/);
    await expect(cost.textContent()).resolves.toMatch(/worker-prod/);
    await expect(cost.textContent()).resolves.not.toMatch(/web-staging/);
    await pg.picture('cost', cost);
    expect(pg.errors).toEqual([]);
  });
});
