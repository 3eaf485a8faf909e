/** Which ECS events are alerts, for which service, and what they mean in plain words. Pure; no mocks. */
import { join } from 'node:path';
import { classifyTaskStop, imageTagOf, type TaskFailure } from '../../src/aws/task-stop';
import { explainFailure, exitCodeMeaning } from '../../src/aws/task-stop-explain';
import { alertChannelFor, resolveTarget } from '../../src/alerts/events';
import { labelText } from '../../src/alerts/incident';
import { loadConfigFile, findService } from '../../src/config/load';
import { deploymentEvent, docSample, PROD, serviceAction, STAGING, taskStopped, type Json } from '../fixtures/events/samples';
import type { ParsedEcsEvent } from '../../src/aws/ecs-events';
import { type EcsEvent, parseArn, parseEcsEvent, type TaskDetail } from '../../src/aws/ecs-events';

const config = loadConfigFile(join(__dirname, '../fixtures/chatops.test.yml'));
const T = Date.parse('2026-03-02T10:00:00Z');

function parsed(e: Json): ParsedEcsEvent {
  const r = parseEcsEvent(e as EcsEvent);
  if (!r.ok) throw new Error(`not parsed: ${JSON.stringify(r)}`);
  return r.event;
}

function detail(e: Json): TaskDetail {
  const ev = parsed(e);
  if (ev.kind !== 'task') throw new Error('not a task event');
  return ev.detail;
}

const classify = (e: Json, includeRoutineStops = false) => classifyTaskStop(detail(e), { includeRoutineStops, serviceContainer: 'web' });
const failure = (e: Json): TaskFailure => {
  const d = classify(e);
  if (!d.alert) throw new Error(`expected an alert, got: ${d.why}`);
  return d.failure;
};

describe('parsing the documented sample events', () => {
  it('accepts every AWS documentation sample with its kind', () => {
    expect(parsed(docSample('task-state-change')).kind).toBe('task');
    for (const s of ['deployment-in-progress', 'deployment-rollback-in-progress', 'deployment-completed', 'deployment-failed'] as const) {
      expect(parsed(docSample(s)).kind).toBe('deployment');
    }
    for (const s of [
      'service-action-steady-state',
      'service-action-capacity-provider-steady-state',
      'service-action-task-start-impaired',
      'service-action-task-placement-failure',
    ] as const) {
      expect(parsed(docSample(s)).kind).toBe('service-action');
    }
  });

  it('keeps the event time and the detail fields it needs', () => {
    const ev = parsed(docSample('deployment-failed'));
    expect(ev.time).toBe(Date.parse('2020-05-23T12:31:14Z'));
    expect(ev.kind === 'deployment' && ev.detail.deploymentId).toBe('ecs-svc/123');
  });

  it('reports a malformed detail with the fields that are wrong, and skips other sources and types', () => {
    const bad = docSample('task-state-change');
    delete bad.detail.taskArn;
    bad.detail.lastStatus = 42;
    const r = parseEcsEvent(bad as EcsEvent);
    expect(r).toMatchObject({ ok: false, skip: 'malformed' });
    expect(!r.ok && r.skip === 'malformed' && r.issues.join(' ')).toMatch(/taskArn.*lastStatus|lastStatus.*taskArn/);
    expect(parseEcsEvent({ ...docSample('task-state-change'), source: 'aws.ec2' } as EcsEvent)).toMatchObject({
      ok: false,
      skip: 'not-ecs',
    });
    expect(
      parseEcsEvent({ ...docSample('task-state-change'), 'detail-type': 'ECS Container Instance State Change' } as EcsEvent),
    ).toMatchObject({ ok: false, skip: 'other-type' });
  });

  it('lets unknown fields through (ECS adds fields over time)', () => {
    const e = taskStopped({ time: T });
    e.detail.someFutureField = { x: 1 };
    expect(detail(e)).toMatchObject({ someFutureField: { x: 1 } });
  });
});

describe('mapping an event to a configured service', () => {
  const target = (e: Json) => resolveTarget(config, parsed(e));

  it('maps a task by cluster ARN and group "service:<name>"', () => {
    expect(target(taskStopped({ time: T }))).toMatchObject({
      ok: true,
      target: { service: { alias: 'web', environment: 'prod' }, region: 'eu-west-1', cluster: 'prod' },
    });
    expect(target(taskStopped({ time: T, where: STAGING, service: 'web-staging' }))).toMatchObject({
      ok: true,
      target: { service: { alias: 'web-staging' } },
    });
  });

  it('maps service-level events by the service ARN in resources', () => {
    expect(target(deploymentEvent('failed', { time: T, service: 'worker-prod' }))).toMatchObject({
      ok: true,
      target: { service: { alias: 'worker' } },
    });
    expect(target(serviceAction('task-placement-failure', { time: T }))).toMatchObject({ ok: true, target: { service: { alias: 'web' } } });
  });

  it('maps an old-format service ARN (no cluster) through detail.clusterArn', () => {
    const e = serviceAction('task-start-impaired', { time: T });
    e.resources = ['arn:aws:ecs:eu-west-1:222222222222:service/web-prod'];
    expect(target(e)).toMatchObject({ ok: true, target: { service: { alias: 'web' }, cluster: 'prod' } });
  });

  it('ignores what is not configured, saying why', () => {
    expect(target(docSample('deployment-failed'))).toEqual({ ok: false, why: 'cluster default in us-west-2 is not in chatops.yml' });
    expect(target(taskStopped({ time: T, service: 'billing-prod' }))).toEqual({
      ok: false,
      why: 'service billing-prod in cluster prod is not in chatops.yml',
    });
    expect(target(taskStopped({ time: T, service: null }))).toEqual({ ok: false, why: 'the task does not belong to a service' });
    // Right cluster name, wrong account.
    expect(target(taskStopped({ time: T, where: { ...PROD, account: '999999999999' } }))).toMatchObject({ ok: false });
    // Right cluster name, wrong region.
    expect(target(taskStopped({ time: T, where: { ...PROD, region: 'us-east-1' } }))).toMatchObject({ ok: false });
  });

  it('routes alerts per service, else per environment', () => {
    expect(alertChannelFor(findService(config, 'worker')!)).toBe('CWORKERTEAM');
    expect(alertChannelFor(findService(config, 'web')!)).toBe('CALERTS');
    expect(alertChannelFor(findService(config, 'web-staging')!)).toBe('CALERTSSTG');
  });

  it('parses ARNs', () => {
    expect(parseArn('arn:aws:ecs:eu-west-1:222222222222:service/prod/web-prod')).toEqual({
      partition: 'aws',
      service: 'ecs',
      region: 'eu-west-1',
      account: '222222222222',
      resource: 'service/prod/web-prod',
    });
    expect(parseArn('not-an-arn')).toBeUndefined();
  });
});

describe('what becomes an alert', () => {
  it('alerts on an essential container that exited non-zero', () => {
    expect(failure(taskStopped({ time: T, exitCode: 1 }))).toEqual({
      kind: 'exit',
      reasonKey: 'exit code 1',
      reasonLabel: 'exit code 1',
      container: 'web',
      exitCode: 1,
      containerReason: undefined,
      stopCode: 'EssentialContainerExited',
      stoppedReason: 'Essential container in task exited',
    });
  });

  it('alerts on out of memory, by reason or by exit 137', () => {
    expect(
      failure(taskStopped({ time: T, exitCode: 137, containerReason: 'OutOfMemoryError: Container killed due to memory usage' })),
    ).toMatchObject({ kind: 'oom', reasonKey: 'OutOfMemoryError' });
    expect(failure(taskStopped({ time: T, exitCode: 137 }))).toMatchObject({ kind: 'oom', exitCode: 137 });
    // OOM even when the scheduler is the one that stopped the task.
    expect(
      failure(
        taskStopped({
          time: T,
          stopCode: 'ServiceSchedulerInitiated',
          stoppedReason: 'Scaling activity',
          exitCode: 137,
          containerReason: 'OutOfMemoryError: Container killed due to memory usage',
        }),
      ),
    ).toMatchObject({ kind: 'oom' });
  });

  it('alerts on TaskFailedToStart: image pull, secrets, other', () => {
    expect(
      failure(
        taskStopped({
          time: T,
          exitCode: null,
          stopCode: 'TaskFailedToStart',
          stoppedReason:
            'CannotPullContainerError: pull image manifest has been retried 5 time(s): failed to resolve ref 222222222222.dkr.ecr.eu-west-1.amazonaws.com/shop/web:nope: not found',
        }),
      ),
    ).toMatchObject({ kind: 'image-pull', reasonKey: 'CannotPullContainerError', exitCode: null });
    expect(
      failure(
        taskStopped({
          time: T,
          exitCode: null,
          stopCode: 'TaskFailedToStart',
          stoppedReason:
            'ResourceInitializationError: unable to pull secrets or registry auth: execution resource retrieval failed: unable to retrieve secret from asm',
        }),
      ),
    ).toMatchObject({ kind: 'secrets', reasonKey: 'ResourceInitializationError' });
    expect(
      failure(
        taskStopped({
          time: T,
          exitCode: null,
          stopCode: 'TaskFailedToStart',
          stoppedReason: 'Timeout waiting for network interface provisioning to complete.',
        }),
      ),
    ).toMatchObject({
      kind: 'failed-to-start',
      reasonKey: 'TaskFailedToStart',
    });
  });

  it('alerts on failed health checks even though the scheduler stopped the task', () => {
    expect(
      failure(
        taskStopped({
          time: T,
          exitCode: 143,
          stopCode: 'ServiceSchedulerInitiated',
          stoppedReason:
            'Task failed ELB health checks in (target-group arn:aws:elasticloadbalancing:eu-west-1:222222222222:targetgroup/web/abc)',
        }),
      ),
    ).toMatchObject({ kind: 'health-check', reasonKey: 'ELB health checks', reasonLabel: 'failed ELB health checks' });
    expect(
      failure(
        taskStopped({ time: T, exitCode: 0, stopCode: 'ServiceSchedulerInitiated', stoppedReason: 'Task failed container health checks' }),
      ),
    ).toMatchObject({
      kind: 'health-check',
      reasonKey: 'container health checks',
    });
  });

  it('blames the failing container, not a healthy sidecar', () => {
    const e = taskStopped({ time: T, exitCode: 0, container: 'envoy' });
    e.detail.containers.push({ name: 'web', lastStatus: 'STOPPED', exitCode: 2, image: 'x/shop/web:9' });
    expect(failure(e)).toMatchObject({ container: 'web', exitCode: 2 });
  });
});

describe('what is noise (unless includeRoutineStops)', () => {
  const cases: Array<[string, Json]> = [
    [
      'a deployment or scale-in (ServiceSchedulerInitiated, exit 0)',
      taskStopped({
        time: T,
        exitCode: 0,
        stopCode: 'ServiceSchedulerInitiated',
        stoppedReason: 'Scaling activity initiated by (deployment ecs-svc/1)',
      }),
    ],
    [
      'a scale-in where the app answered SIGTERM with 143',
      taskStopped({
        time: T,
        exitCode: 143,
        stopCode: 'ServiceSchedulerInitiated',
        stoppedReason: 'Scaling activity initiated by (deployment ecs-svc/1)',
      }),
    ],
    ['a stop by a user', taskStopped({ time: T, exitCode: 143, stopCode: 'UserInitiated', stoppedReason: 'Task stopped by user' })],
    ['exit code 0', taskStopped({ time: T, exitCode: 0 })],
    [
      'a Spot interruption',
      taskStopped({ time: T, exitCode: 143, stopCode: 'SpotInterruption', stoppedReason: 'Your Spot Task was interrupted.' }),
    ],
  ];

  it.each(cases)('%s is not an alert', (_name, e) => {
    expect(classify(e)).toMatchObject({ alert: false });
  });

  it.each(cases)('%s is an alert of kind routine when includeRoutineStops is on', (_name, e) => {
    expect(classify(e, true)).toMatchObject({ alert: true, failure: { kind: 'routine' } });
  });

  it('a task that is still running is never an alert', () => {
    expect(classifyTaskStop(detail(docSample('task-state-change')), { includeRoutineStops: true })).toEqual({
      alert: false,
      why: 'task is RUNNING, not STOPPED',
    });
  });
});

describe('plain words', () => {
  it('explains the common reasons with something to do', () => {
    expect(
      explainFailure(
        failure(taskStopped({ time: T, exitCode: 137, containerReason: 'OutOfMemoryError: Container killed due to memory usage' })),
      ),
    ).toBe(
      "Container web ran out of memory and was killed (exit 137). Raise its memory (or the task's) in the task definition, or look for a leak or a load spike.",
    );
    // An alert names the service's command that shows its memory use.
    expect(
      explainFailure(
        failure(taskStopped({ time: T, exitCode: 137, containerReason: 'OutOfMemoryError: Container killed due to memory usage' })),
        'ko',
        'web',
      ),
    ).toMatch(/메모리 누수나 부하 급증을 확인하세요\. 최근 14일 메모리 사용량: `\/ecs rightsize web`$/);
    expect(
      explainFailure(
        failure(taskStopped({ time: T, exitCode: null, stopCode: 'TaskFailedToStart', stoppedReason: 'CannotPullContainerError: x' })),
      ),
    ).toMatch(/could not pull the image.*tag exists/);
    expect(
      explainFailure(
        failure(
          taskStopped({
            time: T,
            exitCode: null,
            stopCode: 'TaskFailedToStart',
            stoppedReason: 'ResourceInitializationError: unable to pull secrets',
          }),
        ),
      ),
    ).toMatch(/secrets.*execution role/);
    expect(
      explainFailure(
        failure(
          taskStopped({
            time: T,
            exitCode: 0,
            stopCode: 'ServiceSchedulerInitiated',
            stoppedReason: 'Task failed ELB health checks in (tg)',
          }),
        ),
      ),
    ).toMatch(/failed its ELB health checks/);
    expect(explainFailure(failure(taskStopped({ time: T, exitCode: 127 })))).toBe(
      'Container web is essential and exited with code 127: the command was not found in the image (check the entry point and command), so ECS stopped the task. The last log lines usually say why.',
    );
  });

  it('knows the usual exit codes and not the others', () => {
    expect(exitCodeMeaning(139)).toMatch(/segmentation fault/);
    expect(exitCodeMeaning(3)).toBeUndefined();
  });

  it('reads image tags and digests', () => {
    expect(imageTagOf('222222222222.dkr.ecr.eu-west-1.amazonaws.com/shop/web:1.4.2')).toBe('1.4.2');
    expect(imageTagOf('localhost:5000/web')).toBe('latest');
    expect(imageTagOf('repo/web@sha256:74b2c688c700ec95a93e478cdb959737c148df3fbf5ea706abe0318726e885e6')).toBe('sha256:74b2c688c700');
    expect(imageTagOf(undefined)).toBeUndefined();
  });
});

describe('stored failure labels', () => {
  it("an incident opened before labels were tokens reads in the channel's language too; other labels as they are", () => {
    expect(labelText('exit code 137', 'ko')).toBe('종료 코드 137');
    expect(labelText('exit code 137', 'en')).toBe('exit code 137');
    expect(labelText('failed ELB health checks', 'ko')).toBe('ELB 헬스 체크 실패');
    expect(labelText('failed container health checks', 'ko')).toBe('컨테이너 헬스 체크 실패');
    expect(labelText('OutOfMemoryError', 'ko')).toBe('OutOfMemoryError');
    expect(labelText('exit code 1; rm -rf', 'ko')).toBe('exit code 1; rm -rf');
  });
});
