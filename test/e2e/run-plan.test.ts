/**
 * `/ecs run`, planning (worker side, through the Lambda handlers; ECS stubbed): the dry run says
 * what would run and changes nothing; a task whose container the task definition lacks is refused
 * with the containers there are and the field to fix; a run asked during a rollout is warned that it
 * runs the rollout's task definition; roles the environment does not list are warned about.
 */
import { RunTaskCommand } from '@aws-sdk/client-ecs';
import { getRequest } from '../../src/approvals/workflow';
import { configFile } from '../helpers/config';
import { approve, requestMessage, slashAnswer, textOf, useDeployHarness } from '../helpers/deploy-e2e';

const h = useDeployHarness({
  configPath: configFile((d) => {
    d.services.web.tasks.wrong = { command: ['true'], container: 'nosuch' };
    d.environments.prod.taskRoles = ['arn:aws:iam::111122223333:role/other'];
  }),
});

describe('/ecs run: planning', () => {
  it('a dry run says what would run, where, and for how long at most; nothing is requested or started', async () => {
    const answer = await slashAnswer(h.e2e, 'run web migrate --dry-run');
    expect(answer).toContain('*Dry run* — nothing was started.');
    expect(answer).toContain('`web`: run `migrate` once, as a task of `web-prod:42` (container `web`)');
    expect(answer).toContain('Command: `npm run migrate`');
    expect(answer).toContain('Apply the database migrations');
    expect(answer).toContain('Stopped and reported as failed if it runs longer than 15m');
    expect(answer).toContain('Run it without `--dry-run` to request the run in `prod`.');
    expect(h.ecsMock.commandCalls(RunTaskCommand)).toHaveLength(0);
    expect(h.e2e.slack.messages('CPROD').filter((m) => /Request `/.test(JSON.stringify(m.blocks ?? [])))).toHaveLength(0);
  });

  it('a container the task definition lacks: refused, with the containers there are and the field to fix', async () => {
    const answer = await slashAnswer(h.e2e, 'run web wrong');
    expect(answer).toContain('`nosuch`');
    expect(answer).toContain('`web`');
    expect(answer).toContain('services.web.tasks.wrong.container');
    expect(h.ecsMock.commandCalls(RunTaskCommand)).toHaveLength(0);
  });

  it('during a rollout: warned that it runs the rollout’s task definition; roles not in taskRoles are named', async () => {
    // The PRIMARY deployment (web-prod:42) is still rolling out.
    h.world.service('prod', 'web-prod').deployments!.find((d) => d.status === 'PRIMARY')!.rolloutState = 'IN_PROGRESS';
    const answer = await slashAnswer(h.e2e, 'run web migrate --dry-run');
    expect(answer).toContain('A rollout of `web` is in progress: the task runs `web-prod:42`');
    expect(answer).toMatch(/Roles: `arn:aws:iam::\d+:role\/[\w-]+`.* not in `taskRoles`/);
  });

  it('a task DescribeTasks does not list yet is not taken for gone; long after RunTask it ends as not confirmed', async () => {
    const arn = 'arn:aws:ecs:eu-west-1:111122223333:task/prod/0123456789abcdef0123456789abcdef';
    // RunTask starts it; DescribeTasks (ECS is eventually consistent) does not list it.
    h.ecsMock.on(RunTaskCommand).resolves({ tasks: [{ taskArn: arn, lastStatus: 'PROVISIONING' }], failures: [] });
    await slashAnswer(h.e2e, 'run web migrate');
    const req = requestMessage(h.e2e, 'CPROD');
    await approve(h.e2e, req);
    await h.e2e.drain();
    expect(h.ecsMock.commandCalls(RunTaskCommand)).toHaveLength(1);
    h.clock.advance(60_000);
    await h.e2e.tick();
    await h.e2e.drain();
    expect((await getRequest(h.e2e.rt.redis, req.id))?.state).toBe('running');
    // Still not listed 6 minutes after RunTask: ECS no longer knows it (or never did): not confirmed, the service freed.
    h.clock.advance(5 * 60_000);
    await h.e2e.tick();
    await h.e2e.drain();
    expect((await getRequest(h.e2e.rt.redis, req.id))?.state).toBe('failed');
    expect(h.e2e.slack.messages('CPROD').map(textOf).join('\n')).toContain('*Run not confirmed*');
  });
});
