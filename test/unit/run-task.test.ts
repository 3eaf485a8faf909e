/**
 * `/ecs run`, the parts without I/O: the config of one-off tasks, the command's parsing and answers
 * to bad input (through the router the edge uses), the plan's RunTask call, how a stopped task maps
 * to an outcome, and what the request, the card and the thread say.
 */
import type { Service, Task } from '@aws-sdk/client-ecs';
import { join } from 'node:path';
import { errorReply } from '../../src/slack/reply';
import { loadConfigFile } from '../../src/config/load';
import { createLogger } from '../../src/log';
import { route } from '../../src/commands/router';
import type { CommandSpec, Parsed } from '../../src/commands/types';
import { fixtureConfig } from '../helpers/config';
import {
  commandLine,
  isRunRequest,
  launchOf,
  parseRunPlan,
  requestIdOfStartedBy,
  runOutcome,
  runTaskInput,
  startedByOf,
  type RunPlan,
} from '../../src/deploy/run-plan';
import {
  runCheckLines,
  runChangeLine,
  runFinalMilestone,
  runNotStartedMilestone,
  runStatusCard,
  type RunEnded,
} from '../../src/deploy/run-render';
import { requestAgainCommand } from '../../src/approvals/again';
import { approveConfirm } from '../../src/approvals/confirm';

const config = loadConfigFile(join(__dirname, '../fixtures/chatops.test.yml'));
const silent = createLogger({}, 'error');

function parse(text: string): { spec: CommandSpec<never>; parsed: Parsed<Record<string, unknown>> } {
  return route({ config }, { text, channelId: 'CPROD', userId: 'UDEV1' }) as never;
}

function answer(text: string, locale: 'en' | 'ko' = 'en'): string {
  try {
    parse(text);
  } catch (err) {
    return JSON.stringify(errorReply(err, silent, locale).blocks);
  }
  throw new Error(`expected ${text} to be refused`);
}

const TD = 'arn:aws:ecs:eu-west-1:111122223333:task-definition/web-prod:42';

function plan(over: Partial<RunPlan> = {}): RunPlan {
  return {
    verb: 'run',
    environment: 'prod',
    alias: 'web',
    region: 'eu-west-1',
    cluster: 'prod',
    serviceName: 'web-prod',
    serviceArn: 'arn:aws:ecs:eu-west-1:111122223333:service/prod/web-prod',
    task: 'migrate',
    container: 'web',
    command: ['npm', 'run', 'migrate'],
    taskDefinition: TD,
    launchType: 'FARGATE',
    platformVersion: 'LATEST',
    awsvpc: { subnets: ['subnet-a', 'subnet-b'], securityGroups: ['sg-1'], assignPublicIp: 'DISABLED' },
    timeoutMs: 15 * 60_000,
    madeAt: 1_800_000_000_000,
    ...over,
  };
}

describe('config: services.<alias>.tasks', () => {
  it('reads a task with its defaults (container: the service’s; timeout 30m) and approvals.run as deploy’s', () => {
    const c = fixtureConfig((d) => {
      d.services.worker.tasks = { reindex: { command: ['node', 'reindex.js'] } };
      d.environments.prod.approvals = { deploy: 2, rollback: 1, scale: 1, restart: 1 };
    });
    expect(c.services.worker!.tasks!.reindex).toEqual({ command: ['node', 'reindex.js'], timeout: 30 * 60_000 });
    expect(c.services.web!.tasks!.migrate!.timeout).toBe(15 * 60_000);
    expect(c.environments.prod!.approvals.run).toBe(2);
    expect(fixtureConfig((d) => (d.environments.prod.approvals = { run: 0 })).environments.prod!.approvals.run).toBe(0);
  });

  it.each([
    [{ Migrate: { command: ['x'] } }, 'a task name is lower-case letters'],
    [{ migrate: { command: [] } }, 'give the command as a list'],
    [{ migrate: { command: 'npm run migrate' } }, 'command'],
    [{ migrate: { command: ['x'], timeout: '30s' } }, 'must be at least 1m'],
    [{ migrate: { command: ['x'], timeout: '2d' } }, 'must be at most 24h'],
    [
      { migrate: { command: ['x'.repeat(1000), 'y'.repeat(1000), 'z'.repeat(1000), 'w'.repeat(1000), 'v'.repeat(200)] } },
      'at most 4096 bytes',
    ],
    [{ migrate: { command: ['x'], shell: true } }, 'shell'],
  ])('refuses %j with the field and the problem', (tasks, problem) => {
    expect(() => fixtureConfig((d) => (d.services.web.tasks = tasks))).toThrow(problem);
  });
});

describe('/ecs run: parsing', () => {
  it('parses the service and the task, and acks in the reader’s language', () => {
    const { spec, parsed } = parse('run web migrate --reason "orders table" --dry-run');
    expect(spec.kind).toBe('change');
    expect(parsed.environment).toBe('prod');
    expect(parsed.args).toEqual({ alias: 'web', task: 'migrate', reason: 'orders table', dryRun: true });
    expect(spec.ackText!(parse('run web migrate').parsed as never, 'en')).toBe('Preparing to run `migrate` on `web` in `prod`…');
    expect(spec.ackText!(parse('run web migrate').parsed as never, 'ko')).toBe('`prod`에서 `web`의 `migrate` 실행을 준비하는 중…');
    // Case as typed does not matter; --at as for every change.
    expect(parse('run web MIGRATE --at 02:00').parsed.args).toMatchObject({ task: 'migrate', at: '02:00' });
  });

  it.each([
    ['run', 'Missing the service, e.g. `/ecs run web migrate`'],
    ['run web', 'Missing the one-off task, e.g. `/ecs run web migrate`'],
    ['run web', 'Tasks of `web`: `backfill-orders`, `migrate`.'],
    ['run web migrat', '`web` has no one-off task `migrat`. Did you mean `/ecs run web migrate`?'],
    ['run web migrat', 'Tasks of `web`: `backfill-orders`, `migrate`.'],
    ['run worker migrate', '`worker` has no one-off tasks: chatops.yml lists none under `services.worker.tasks`.'],
    ['run worker migrate', 'e.g. `migrate` with `command: [npm, run, migrate]` (docs/run.md)'],
    ['run webb migrate', 'Did you mean `web`'],
    ['run web migrate extra', 'Unexpected extra input: `extra`'],
    ['run web migrate --command "rm -rf /"', 'Unknown flag `--command`'],
  ])('%s → %s', (text, expected) => {
    const reply = answer(text);
    expect(reply).toContain(expected);
    expect(reply).toContain('/ecs run &lt;service&gt; &lt;task&gt;');
  });

  it('answers a Korean reader in Korean', () => {
    expect(answer('run web migrat', 'ko')).toContain('`web` 서비스에 `migrat` 작업이 없습니다.');
    expect(answer('run web', 'ko')).toContain('빠진 값이 있습니다: 실행할 작업. 예: `/ecs run web migrate`');
  });
});

describe('the plan', () => {
  it('copies where the service runs: Fargate with its network, or its capacity providers', () => {
    const fargate: Partial<Service> = {
      launchType: 'FARGATE',
      platformVersion: '1.4.0',
      networkConfiguration: { awsvpcConfiguration: { subnets: ['s1'], securityGroups: ['g1'], assignPublicIp: 'ENABLED' } },
    };
    expect(launchOf(fargate)).toEqual({
      launchType: 'FARGATE',
      platformVersion: '1.4.0',
      awsvpc: { subnets: ['s1'], securityGroups: ['g1'], assignPublicIp: 'ENABLED' },
    });
    const spot: Partial<Service> = {
      launchType: undefined,
      capacityProviderStrategy: [
        { capacityProvider: 'FARGATE_SPOT', weight: 3, base: 0 },
        { capacityProvider: 'FARGATE', weight: 1 },
      ],
    };
    expect(launchOf(spot)).toEqual({
      capacityProviderStrategy: [
        { capacityProvider: 'FARGATE_SPOT', weight: 3, base: 0 },
        { capacityProvider: 'FARGATE', weight: 1 },
      ],
    });
    // EC2 with bridge networking: no network configuration to copy.
    expect(launchOf({ launchType: 'EC2' })).toEqual({ launchType: 'EC2' });
  });

  it('is one RunTask of the planned task definition, named by the request (startedBy, client token) and only the listed command', () => {
    const input = runTaskInput(plan(), 'prod.web.abc123');
    expect(input).toEqual({
      cluster: 'prod',
      taskDefinition: TD,
      count: 1,
      startedBy: 'ecs-chatops:prod.web.abc123',
      group: 'chatops:migrate',
      clientToken: 'prod.web.abc123',
      launchType: 'FARGATE',
      platformVersion: 'LATEST',
      networkConfiguration: {
        awsvpcConfiguration: { subnets: ['subnet-a', 'subnet-b'], securityGroups: ['sg-1'], assignPublicIp: 'DISABLED' },
      },
      overrides: { containerOverrides: [{ name: 'web', command: ['npm', 'run', 'migrate'] }] },
    });
    // A capacity provider strategy is sent without a launch type (ECS refuses both).
    const spot = runTaskInput(plan({ capacityProviderStrategy: [{ capacityProvider: 'FARGATE_SPOT' }] }), 'r1');
    expect(spot.capacityProviderStrategy).toEqual([{ capacityProvider: 'FARGATE_SPOT' }]);
    expect(spot.launchType).toBeUndefined();
  });

  it('the request of a task is found from its startedBy; others are not', () => {
    expect(requestIdOfStartedBy(startedByOf('prod.web.abc123'))).toBe('prod.web.abc123');
    expect(requestIdOfStartedBy('ecs-svc/1234567890')).toBeUndefined();
    expect(requestIdOfStartedBy('ecs-chatops:')).toBeUndefined();
    expect(requestIdOfStartedBy(undefined)).toBeUndefined();
  });

  it('a stored run plan is read back; a service change’s plan is not one, and a run request is known by its verb or its plan', () => {
    expect(parseRunPlan(JSON.parse(JSON.stringify(plan())))).toEqual(plan());
    expect(parseRunPlan({ verb: 'restart', alias: 'web' })).toBeUndefined();
    expect(isRunRequest({ verb: 'run' })).toBe(true);
    expect(isRunRequest({ verb: 'deploy', plan: { verb: 'run' } })).toBe(true);
    expect(isRunRequest({ verb: 'restart', plan: { verb: 'restart' } })).toBe(false);
  });

  it('writes a command as one line, quoting what needs it', () => {
    expect(commandLine(['npm', 'run', 'migrate'])).toBe('npm run migrate');
    expect(commandLine(['sh', '-c', 'echo "hi" && exit 1'])).toBe('sh -c "echo \\"hi\\" && exit 1"');
  });
});

describe('the outcome of a stopped task', () => {
  const at = (s: string) => new Date(`2026-12-05T04:${s}Z`);
  const task = (over: Partial<Task>): Task => ({
    taskArn: 'arn:aws:ecs:eu-west-1:111122223333:task/prod/0123456789abcdef0123456789abcdef',
    lastStatus: 'STOPPED',
    startedAt: at('00:00'),
    stoppedAt: at('02:30'),
    containers: [{ name: 'web', exitCode: 0 }],
    stopCode: 'EssentialContainerExited',
    stoppedReason: 'Essential container in task exited',
    ...over,
  });

  it('completed only when the command’s container exited 0', () => {
    expect(runOutcome(task({}), 'web')).toMatchObject({
      phase: 'completed',
      exitCode: 0,
      neverStarted: false,
      stoppedAt: at('02:30').getTime(),
    });
    expect(runOutcome(task({ containers: [{ name: 'web', exitCode: 3, reason: 'boom' }] }), 'web')).toMatchObject({
      phase: 'failed',
      exitCode: 3,
      reason: 'Essential container in task exited — boom',
    });
    // Another container exited 0, the command's never ran.
    expect(runOutcome(task({ containers: [{ name: 'sidecar', exitCode: 0 }, { name: 'web' }] }), 'web')).toMatchObject({ phase: 'failed' });
  });

  it('a task that could not start, and one still running', () => {
    const o = runOutcome(
      task({
        startedAt: undefined,
        stopCode: 'TaskFailedToStart',
        stoppedReason: 'CannotPullContainerError: pull image manifest has been retried 1 time(s)',
        containers: [{ name: 'web' }],
      }),
      'web',
    );
    expect(o).toMatchObject({ phase: 'failed', neverStarted: true, stopCode: 'TaskFailedToStart' });
    expect(o!.exitCode).toBeUndefined();
    expect(runOutcome(task({ lastStatus: 'RUNNING' }), 'web')).toBeUndefined();
  });
});

describe('what it says', () => {
  it('the request: what runs, the command, where, and the time limit', () => {
    expect(runChangeLine(plan(), 'en')).toBe('`web`: run `migrate` once, as a task of `web-prod:42` (container `web`)');
    expect(runCheckLines(plan({ description: 'Apply the database migrations' }), 'en')).toEqual([
      ':arrow_forward: Command: `npm run migrate`',
      ':memo: Apply the database migrations',
      ":white_check_mark: Runs where the service's tasks run: `FARGATE`, 2 subnets",
      ':stopwatch: Stopped and reported as failed if it runs longer than 15m',
    ]);
    expect(runChangeLine(plan(), 'ko')).toBe('`web`: `web-prod:42`의 작업으로 `migrate` 한 번 실행 (`web` 컨테이너)');
  });

  it('the card follows the task and ends with its exit', () => {
    const arn = 'arn:aws:ecs:eu-west-1:111122223333:task/prod/0123456789abcdef0123456789abcdef';
    const running = JSON.stringify(runStatusCard({ plan: plan(), phase: 'running', taskArn: arn, startedAt: 1_800_000_000_000 }, 'en'));
    expect(running).toContain('*Run* `migrate` on `web` in `prod` — *running*');
    expect(running).toContain('/ecs/v2/clusters/prod/tasks/0123456789abcdef0123456789abcdef/configuration');
    expect(running).toContain('stopped after 15m');
    const done = JSON.stringify(
      runStatusCard(
        {
          plan: plan(),
          phase: 'completed',
          taskArn: arn,
          outcome: { phase: 'completed', exitCode: 0, neverStarted: false, startedAt: 0, stoppedAt: 150_000 },
        },
        'en',
      ),
    );
    expect(done).toContain('— *completed*');
    expect(done).toContain('exit 0');
    expect(done).toContain('took 2m');
    expect(done).not.toContain('stopped after');
  });

  it('the final reply: completed, failed with the exit code, timed out, never started, not confirmed; people mentioned', () => {
    const people = { requester: 'UDEV1', approvers: ['ULEAD1'] };
    const ended = (e: Partial<RunEnded>): RunEnded => ({ phase: 'failed', reasons: [], at: 0, ...e });
    const text = (e: RunEnded, took?: number) => JSON.stringify(runFinalMilestone(plan(), e, took, undefined, 'en', people));
    expect(text(ended({ phase: 'completed' }), 150_000)).toContain(':white_check_mark: *Run completed* in 2m: `migrate` exited 0.');
    expect(text(ended({ phase: 'completed' }))).toContain('<@UDEV1> <@ULEAD1>: this run is done.');
    expect(text(ended({ outcome: { phase: 'failed', exitCode: 3, neverStarted: false } }), 40_000)).toContain(
      ':x: *Run failed* in 40s: `migrate` exited 3.',
    );
    expect(text(ended({ timedOut: true, outcome: { phase: 'completed', exitCode: 0, neverStarted: false } }))).toContain(
      'it ran longer than its 15m limit, so I stopped it',
    );
    expect(text(ended({ outcome: { phase: 'failed', neverStarted: true } }))).toContain('the task did not start');
    expect(text(ended({ unconfirmed: true, reasons: ['ECS no longer lists task `0123`'] }))).toContain(
      ':grey_question: *Run not confirmed*: ECS no longer lists task `0123`',
    );
    const ko = JSON.stringify(
      runFinalMilestone(plan(), ended({ outcome: { phase: 'failed', exitCode: 1, neverStarted: false } }), 5_000, undefined, 'ko', people),
    );
    expect(ko).toContain(':x: *실행 실패* (5초 걸림): `migrate` 종료 코드 1.');
    expect(
      JSON.stringify(runNotStartedMilestone(plan(), 'The service runs `web-prod:43` now.', 'Request it again.', 'en', people)),
    ).toContain(':x: *Run did not start.* The service runs `web-prod:43` now.');
  });

  it('the Approve confirmation names the task and what it runs as; Request again asks for the same run', () => {
    const req = { verb: 'run' as const, service: 'web', environment: 'prod', plan: plan() };
    expect(approveConfirm(req, 'en').text).toBe(
      'Run `migrate` once as a task of `web` in `prod` (`web-prod:42`). It starts as soon as the last approval is in.',
    );
    expect(requestAgainCommand({ plan: plan(), reason: 'orders table' })).toBe('run web migrate --reason "orders table"');
    expect(requestAgainCommand({ plan: plan({ task: 'Not A Name' }) })).toBeUndefined();
  });
});
