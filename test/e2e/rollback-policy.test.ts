/**
 * Issue 10, item 7: `/ecs rollback --to N` passes the same role and image policy as a deploy. A
 * revision whose task role is not in `taskRoles`, or whose image has critical findings (or, where a
 * scan is required, was never scanned), is refused before any request is posted; an allowed
 * rollback's request card shows each check. Slash commands through the real handlers, FakeEcs,
 * ECR stubbed (v1.2.3: scanned, 1 high; v0.9.0-bad: 2 critical; other tags not found).
 */
import { UpdateServiceCommand } from '@aws-sdk/client-ecs';
import { ACCOUNT, REGISTRY, taskDefinition } from '../helpers/aws-fixtures';
import { slashAnswer, requestMessage, textOf, useDeployHarness } from '../helpers/deploy-e2e';
import { configFile } from '../helpers/config';
import { setupE2E } from '../helpers/e2e';

const ADMIN_ROLE = `arn:aws:iam::${ACCOUNT}:role/admin`;

const h = useDeployHarness({
  before: ({ world }) => {
    world.addTaskDefinition(taskDefinition(30, { taskRoleArn: ADMIN_ROLE }, `${REGISTRY}/shop/web:v1.2.3`));
    world.addTaskDefinition(taskDefinition(31, {}, `${REGISTRY}/shop/web:v0.9.0-bad`));
    world.addTaskDefinition(taskDefinition(32, {}, `${REGISTRY}/shop/web:v1.2.3`));
    world.addTaskDefinition(taskDefinition(33, {}, `${REGISTRY}/shop/web:v0.0.1-gone`));
  },
});

const requests = () => h.e2e.slack.messages('CPROD').filter((m) => /Request `/.test(textOf(m)));

async function rollback(text: string): Promise<string> {
  return slashAnswer(h.e2e, text, 'UDEV2');
}

describe('rollback --to passes the deploy policy', () => {
  it('a revision whose task role is not in taskRoles is refused, nothing posted for approval', async () => {
    const answer = await rollback('rollback web --to 30 --reason "back"');
    expect(answer).toContain("I can't roll `web` back to `web-prod:30`");
    expect(answer).toContain("`arn:aws:iam::222222222222:role/admin`, which is not in this environment's `taskRoles`");
    expect(requests()).toHaveLength(0);
    expect(h.ecsMock.commandCalls(UpdateServiceCommand)).toHaveLength(0);
  });

  it('a revision whose image has critical findings is refused (prod blocks critical findings)', async () => {
    const answer = await rollback('rollback web --to 31');
    expect(answer).toContain('Image `shop/web:v0.9.0-bad` (container `web`)');
    expect(answer).toContain('2 critical findings');
    expect(requests()).toHaveLength(0);
  });

  it('a revision that does not exist is refused, naming the revision the service runs now and where to find older ones', async () => {
    const answer = await rollback('rollback web --to 99');
    expect(answer).toContain("Task definition `web-prod:99` does not exist, so I can't roll `web` back to it.");
    expect(answer).toMatch(/`web` runs `web-prod:\d+` now; `\/ecs history web` lists the revisions it ran before\./);
    expect(answer).not.toContain('&lt;service&gt;');
    expect(requests()).toHaveLength(0);
  });

  it('--dry-run is refused the same way', async () => {
    expect(await rollback('rollback web --to 31 --dry-run')).toContain("I can't roll `web` back to `web-prod:31`");
  });

  it('an allowed rollback posts a request whose card shows each check', async () => {
    await rollback('rollback web --to 32 --reason "5xx"');
    const req = requestMessage(h.e2e, 'CPROD');
    const card = textOf(req.message);
    // A rollback registers nothing: its unchanged roles are not a PassRole question.
    expect(card).toContain(':white_check_mark: Roles: unchanged');
    expect(card).not.toContain('not in `taskRoles`');
    expect(card).toContain(':white_check_mark: Image `shop/web:v1.2.3` (container `web`): scanned, 1 high, 3 medium');
  });

  it('an image ECR no longer has: shown as not checked where no scan is required', async () => {
    await rollback('rollback web --to 33');
    const card = textOf(requestMessage(h.e2e, 'CPROD').message);
    expect(card).toContain('Image `shop/web:v0.0.1-gone` (container `web`) is not in ECR (deleted, or never pushed there): not checked');
  });
});

describe('where a scan is required', () => {
  it('an image that cannot be checked (not in ECR) is refused', async () => {
    await h.e2e.close();
    const e2e = await setupE2E({ now: h.clock.now, configPath: configFile((d) => (d.environments.prod.images.requireScan = true)) });
    try {
      await e2e.slash('rollback web --to 33', { channel_id: 'CPROD', user_id: 'UDEV2' });
      await e2e.drain();
      const answers = e2e.slack.responses().map((b) => `${b.text}\n${JSON.stringify(b.blocks ?? [])}`);
      expect(answers.join('\n')).toContain('so its scan cannot be checked, and this environment requires one');
    } finally {
      await e2e.close();
    }
  });
});
