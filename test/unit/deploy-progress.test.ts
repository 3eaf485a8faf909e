import { assessRollout, relevantStoppedTasks, failedContainers, type Tracking } from '../../src/deploy/progress';
import { deployment, service, stoppedTask, tdArn } from '../helpers/aws-fixtures';

const OLD = tdArn('web-prod', 42);
const NEW = tdArn('web-prod', 43);
const T0 = Date.parse('2025-11-25T10:00:00Z');
const NEW_ID = 'ecs-svc/2222222222222222222';
const OLD_ID = 'ecs-svc/1111111111111111111';

const track = (over: Partial<Tracking> = {}): Tracking => ({
  verb: 'deploy',
  deploymentId: NEW_ID,
  targetTaskDefinition: NEW,
  previousTaskDefinition: OLD,
  startedAt: T0,
  deadlineMs: 20 * 60_000,
  ...over,
});

const rolling = (newOver: Parameters<typeof deployment>[0] = {}, oldOver: Parameters<typeof deployment>[0] = {}) =>
  service({
    deployments: [
      deployment({
        id: NEW_ID,
        taskDefinition: NEW,
        status: 'PRIMARY',
        rolloutState: 'IN_PROGRESS',
        rolloutStateReason: 'ECS deployment ecs-svc/2222222222222222222 in progress.',
        runningCount: 1,
        pendingCount: 2,
        desiredCount: 4,
        ...newOver,
      }),
      deployment({ id: OLD_ID, taskDefinition: OLD, status: 'ACTIVE', runningCount: 4, ...oldOver }),
    ],
  });

describe('assessRollout', () => {
  it('in progress: counts of the new deployment', () => {
    const a = assessRollout(rolling(), track(), T0 + 60_000);
    expect(a).toMatchObject({ phase: 'in_progress', counts: { desired: 4, running: 1, pending: 2, failed: 0 }, rolledBack: false });
  });

  it('completed only when the tracked deployment is PRIMARY, COMPLETED, on the planned task definition', () => {
    const done = service({ deployments: [deployment({ id: NEW_ID, taskDefinition: NEW, rolloutState: 'COMPLETED' })] });
    expect(assessRollout(done, track(), T0 + 300_000)).toMatchObject({ phase: 'completed', counts: { running: 4, desired: 4 } });
  });

  it('circuit breaker: FAILED rollout with the old task definition PRIMARY again is a failure with a rollback, never a success', () => {
    const rolledBack = service({
      deployments: [
        deployment({
          id: 'ecs-svc/3333333333333333333',
          taskDefinition: OLD,
          status: 'PRIMARY',
          rolloutState: 'IN_PROGRESS',
          runningCount: 4,
        }),
        deployment({
          id: NEW_ID,
          taskDefinition: NEW,
          status: 'ACTIVE',
          rolloutState: 'FAILED',
          rolloutStateReason: 'ECS deployment circuit breaker: tasks failed to start.',
          runningCount: 0,
          failedTasks: 3,
        }),
      ],
    });
    const a = assessRollout(rolledBack, track(), T0 + 300_000);
    expect(a.phase).toBe('failed');
    expect(a.rolledBack).toBe(true);
    // ECS's words as they are, then what they mean, then where the service goes.
    expect(a.reasons[0]).toBe('ECS deployment circuit breaker: tasks failed to start.');
    expect(a.reasons[1]).toBe(
      "The circuit breaker stopped the deployment: too many of its new tasks failed. The stopped tasks' reasons and logs say why; with rollback on, the service returns to the last completed deployment.",
    );
    expect(a.reasons[2]).toContain('rolling the service back to web-prod:42');
    expect(a.counts.failed).toBe(3);
    // In a Korean workspace the card reads the same ECS words with a Korean line next to them.
    const ko = assessRollout(rolledBack, track(), T0 + 300_000, 'ko');
    expect(ko.reasons[0]).toBe('ECS deployment circuit breaker: tasks failed to start.');
    expect(ko.reasons[1]).toBe(
      '새 작업이 너무 많이 실패해 서킷 브레이커가 배포를 멈췄습니다. 중지된 작업의 이유와 로그에 원인이 있습니다. 롤백이 켜져 있으면 서비스는 마지막으로 완료된 배포로 돌아갑니다.',
    );
    expect(ko.reasons[2]).toContain('롤백하는 중입니다');
  });

  it('a FAILED rollout whose reason is not one of the common ones gets no explanation, only its own words', () => {
    const failed = rolling({ rolloutState: 'FAILED', rolloutStateReason: 'Something ECS says we have never seen.' });
    expect(assessRollout(failed, track(), T0 + 300_000, 'ko').reasons).toEqual(['Something ECS says we have never seen.']);
  });

  it('the waiter trap: stable on ONE deployment of the OLD task definition (ours gone) is a failure', () => {
    const stable = service({
      deployments: [deployment({ id: 'ecs-svc/3333333333333333333', taskDefinition: OLD, rolloutState: 'COMPLETED' })],
    });
    const a = assessRollout(stable, track(), T0 + 600_000);
    expect(a.phase).toBe('failed');
    expect(a.rolledBack).toBe(true);
    expect(a.reasons[0]).toContain('ECS rolled it back');
  });

  it('superseded by someone else’s deployment is a failure naming it', () => {
    const other = service({
      deployments: [
        deployment({ id: 'ecs-svc/999', taskDefinition: tdArn('web-prod', 44), status: 'PRIMARY', rolloutState: 'IN_PROGRESS' }),
        deployment({ id: NEW_ID, taskDefinition: NEW, status: 'ACTIVE', rolloutState: 'IN_PROGRESS' }),
      ],
    });
    const a = assessRollout(other, track(), T0 + 60_000);
    expect(a).toMatchObject({ phase: 'failed', rolledBack: false });
    expect(a.reasons[0]).toContain('replaced by another deployment (ecs-svc/999 to web-prod:44)');
  });

  it('completed before someone else’s deployment replaced it: completed, not "replaced"', () => {
    const later = service({
      deployments: [
        deployment({ id: 'ecs-svc/999', taskDefinition: tdArn('web-prod', 44), status: 'PRIMARY', rolloutState: 'IN_PROGRESS' }),
        deployment({ id: NEW_ID, taskDefinition: NEW, status: 'ACTIVE', rolloutState: 'COMPLETED' }),
      ],
    });
    expect(assessRollout(later, track(), T0 + 600_000)).toMatchObject({ phase: 'completed', reasons: [] });
  });

  it('completed, then replaced by its own Abort taking the service back: failed, rolled back (never completed)', () => {
    const abortedBack = service({
      deployments: [
        deployment({ id: 'ecs-svc/999', taskDefinition: OLD, status: 'PRIMARY', rolloutState: 'IN_PROGRESS' }),
        deployment({ id: NEW_ID, taskDefinition: NEW, status: 'ACTIVE', rolloutState: 'COMPLETED' }),
      ],
    });
    const a = assessRollout(abortedBack, track({ aborted: true }), T0 + 600_000);
    expect(a).toMatchObject({ phase: 'failed', rolledBack: true });
    expect(a.reasons[0]).toContain('was replaced by a rollback to web-prod:42');
    // Still PRIMARY and completed (the abort has not reached ECS): completed is the truth.
    expect(assessRollout(rolling({ rolloutState: 'COMPLETED' }), track({ aborted: true }), T0 + 600_000).phase).toBe('completed');
  });

  it('stuck past the deadline, with the service event that explains it', () => {
    const s = rolling({ runningCount: 0, pendingCount: 4 });
    s.events = [
      {
        id: 'e2',
        createdAt: new Date(T0 + 100_000),
        message: '(service web-prod) was unable to place a task because no container instance met all of its requirements.',
      },
    ];
    expect(assessRollout(s, track(), T0 + 19 * 60_000).phase).toBe('in_progress');
    const a = assessRollout(s, track(), T0 + 21 * 60_000);
    expect(a.phase).toBe('stuck');
    expect(a.reasons[0]).toContain('0 of 4 new tasks running');
    expect(a.reasons[1]).toContain('unable to place a task');
    expect(a.reasons[2]).toContain("No container instance met the task's needs");
    expect(assessRollout(s, track(), T0 + 21 * 60_000, 'ko').reasons[2]).toContain('충족하는 컨테이너 인스턴스가 없습니다');
  });

  it('without rolloutState (Classic Load Balancer): completed at steady state with only our deployment', () => {
    const s = service({
      deployments: [deployment({ id: NEW_ID, taskDefinition: NEW, rolloutState: undefined, rolloutStateReason: undefined })],
    });
    expect(assessRollout(s, track(), T0 + 60_000).phase).toBe('completed');
    const s2 = service({ deployments: [deployment({ id: NEW_ID, taskDefinition: NEW, rolloutState: undefined, runningCount: 2 })] });
    expect(assessRollout(s2, track(), T0 + 60_000).phase).toBe('in_progress');
  });

  it('restart: a new deployment of the same task definition, tracked by id', () => {
    const s = service({ deployments: [deployment({ id: NEW_ID, taskDefinition: OLD, rolloutState: 'COMPLETED' })] });
    expect(assessRollout(s, track({ verb: 'restart', targetTaskDefinition: OLD }), T0 + 60_000).phase).toBe('completed');
  });

  describe('scale', () => {
    const scaleTrack = track({ verb: 'scale', targetCount: 8, targetTaskDefinition: OLD });
    it('in progress until running reaches the new count', () => {
      const s = service({
        desiredCount: 8,
        runningCount: 5,
        pendingCount: 3,
        deployments: [deployment({ desiredCount: 8, runningCount: 5 })],
      });
      expect(assessRollout(s, scaleTrack, T0 + 60_000)).toMatchObject({
        phase: 'in_progress',
        counts: { desired: 8, running: 5, pending: 3 },
      });
      const done = service({
        desiredCount: 8,
        runningCount: 8,
        pendingCount: 0,
        deployments: [deployment({ desiredCount: 8, runningCount: 8 })],
      });
      expect(assessRollout(done, scaleTrack, T0 + 120_000).phase).toBe('completed');
    });
    it('fails when something else changed the desired count', () => {
      const s = service({ desiredCount: 6, runningCount: 6, deployments: [deployment({ desiredCount: 6 })] });
      const a = assessRollout(s, scaleTrack, T0 + 60_000);
      expect(a.phase).toBe('failed');
      expect(a.reasons[0]).toContain('The desired count is now 6, not 8');
    });
    it('stuck after the deadline', () => {
      const s = service({
        desiredCount: 8,
        runningCount: 4,
        pendingCount: 4,
        deployments: [deployment({ desiredCount: 8, runningCount: 4 })],
      });
      expect(assessRollout(s, scaleTrack, T0 + 25 * 60_000).phase).toBe('stuck');
    });
  });
});

describe('relevantStoppedTasks', () => {
  it('keeps tasks of the new task definition stopped since the change, newest first, at most 3', () => {
    const tasks = [
      stoppedTask('a1', { stoppedAt: new Date(T0 + 10_000) }),
      stoppedTask('a2', {
        stoppedAt: new Date(T0 + 30_000),
        stopCode: 'TaskFailedToStart',
        stoppedReason: 'CannotPullContainerError: pull image manifest has been retried 5 time(s)',
      }),
      stoppedTask('old', { taskDefinitionArn: OLD, stoppedAt: new Date(T0 + 40_000) }),
      stoppedTask('before', { stoppedAt: new Date(T0 - 3_600_000) }),
      stoppedTask('a3', { stoppedAt: new Date(T0 + 20_000) }),
      stoppedTask('a4', { stoppedAt: new Date(T0 + 5_000) }),
    ];
    const r = relevantStoppedTasks(tasks, NEW, T0);
    expect(r.map((t) => t.taskId)).toEqual(['a2', 'a3', 'a1']);
    expect(r[0]).toMatchObject({ stopCode: 'TaskFailedToStart', stoppedReason: expect.stringContaining('CannotPullContainerError') });
    expect(r[1]!.containers[0]).toEqual({ name: 'web', exitCode: 1, reason: undefined });
    expect(failedContainers(r[1]!)).toEqual(['web']);
  });
});
