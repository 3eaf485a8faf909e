/**
 * ECS's own English reasons → one plain-words line in the reader's language (src/aws/ecs-reasons.ts):
 * the common ones are recognised, anything else gets no line.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { classifyEcsReason, ecsReasonText, explainEcsReason, type EcsReason } from '../../src/aws/ecs-reasons';
import { EXPLANATION_MAX_BYTES } from '../../src/deploy/tracker';

const docEvent = (name: string): { detail: { eventName: string; reason: string } } =>
  JSON.parse(readFileSync(join(__dirname, '../fixtures/events/aws-doc', name), 'utf8')) as {
    detail: { eventName: string; reason: string };
  };

const HANGUL = /[\uac00-\ud7a3]/;

describe('classifyEcsReason', () => {
  it.each([
    // The AWS documentation's own events (test/fixtures/events/aws-doc).
    [docEvent('deployment-failed.json').detail.reason, 'breaker'],
    [docEvent('deployment-rollback-in-progress.json').detail.reason, 'breaker'],
    [docEvent('service-action-task-placement-failure.json').detail.reason, 'fargateCapacity'],
    // Service event messages and placement failure reasons as ECS writes them.
    [
      '(service web-prod) was unable to place a task because no container instance met all of its requirements. The closest matching (container-instance 0f1e2d3c) has insufficient CPU units available.',
      'cpu',
    ],
    [
      '(service web-prod) was unable to place a task because no container instance met all of its requirements. The closest matching (container-instance 0f1e2d3c) has insufficient memory available.',
      'memory',
    ],
    [
      '(service web-prod) was unable to place a task because no container instance met all of its requirements. The closest matching (container-instance 0f1e2d3c) is already using a port required by your task.',
      'port',
    ],
    [
      '(service web-prod) was unable to place a task because no container instance met all of its requirements. Reason: No Container Instances were found in your cluster.',
      'noCapacity',
    ],
    [
      '(service web-prod) was unable to place a task because no container instance met all of its requirements. Reason: No Container Instances were found in your capacity provider.',
      'noCapacity',
    ],
    ['(service web-prod) was unable to place a task because no container instance met all of its requirements.', 'noInstance'],
    ['RESOURCE:CPU', 'cpu'],
    ['RESOURCE:MEMORY', 'memory'],
    ['RESOURCE:ENI', 'network'],
    ['Capacity is unavailable at this time. Please try again later or in a different availability zone', 'fargateCapacity'],
    [
      "Unexpected EC2 error while attempting to Create Network Interface in subnet 'subnet-0a1b2c': InsufficientFreeAddressesInSubnet",
      'network',
    ],
    ['There are not enough free IP addresses in subnet subnet-0a1b2c to place the task.', 'network'],
    ['ECS deployment circuit breaker: tasks failed to start.', 'breaker'],
    ['(service web-prod) is unable to consistently start tasks successfully.', 'startImpaired'],
    ['ECS deployment detected failure.', 'deployFailed'],
  ])('%s → %s', (text, reason) => {
    expect(classifyEcsReason(text)).toBe(reason);
  });

  it('the event alone says what happened when its text is not recognised', () => {
    expect(classifyEcsReason('some new wording', 'SERVICE_TASK_START_IMPAIRED')).toBe('startImpaired');
    expect(classifyEcsReason(undefined, 'SERVICE_DEPLOYMENT_FAILED')).toBe('deployFailed');
    // A recognised text says more than the event.
    expect(classifyEcsReason('ECS deployment circuit breaker: tasks failed to start.', 'SERVICE_DEPLOYMENT_FAILED')).toBe('breaker');
  });

  it('unknown text gets no explanation, never a guess', () => {
    for (const text of [
      '',
      'ECS deployment ecs-svc/1234 completed.',
      'ECS deployment in progress.',
      '(service web-prod) has reached a steady state.',
      'Essential container in task exited',
      'a placement failure we have never seen',
    ]) {
      expect(classifyEcsReason(text)).toBeUndefined();
      expect(explainEcsReason(text, 'ko')).toBeUndefined();
    }
    expect(classifyEcsReason('a placement failure we have never seen', 'SERVICE_TASK_PLACEMENT_FAILURE')).toBeUndefined();
    expect(classifyEcsReason(undefined)).toBeUndefined();
  });
});

describe('explainEcsReason', () => {
  it('one short line in the reader’s language, saying what to check', () => {
    const breaker = 'ECS deployment circuit breaker: tasks failed to start.';
    expect(explainEcsReason(breaker, 'en')).toMatch(/^The circuit breaker stopped the deployment/);
    expect(explainEcsReason(breaker, 'ko')).toMatch(/^새 작업이 너무 많이 실패해 서킷 브레이커가 배포를 멈췄습니다/);
    expect(explainEcsReason('RESOURCE:ENI', 'ko')).toContain('서브넷에 남은 IP가 없거나');
    for (const text of ['RESOURCE:CPU', 'RESOURCE:MEMORY', 'RESOURCE:ENI', 'RESOURCE:FARGATE', breaker, 'x'.padEnd(3)]) {
      const en = explainEcsReason(text, 'en');
      if (!en) continue;
      const ko = explainEcsReason(text, 'ko')!;
      expect(en).not.toMatch(HANGUL);
      expect(ko).toMatch(HANGUL);
      // Short: about two lines in Slack.
      expect(en.length).toBeLessThanOrEqual(230);
      expect(ko.length).toBeLessThanOrEqual(160);
    }
  });
});

describe('every plain-words line fits what a rollout’s recorded end keeps whole', () => {
  // Every reason (a new one must be added here: the type says which exist).
  const ALL: Record<EcsReason, true> = {
    cpu: true,
    memory: true,
    port: true,
    network: true,
    noCapacity: true,
    fargateCapacity: true,
    noInstance: true,
    breaker: true,
    startImpaired: true,
    deployFailed: true,
  };
  it.each(Object.keys(ALL) as EcsReason[])('%s, en and ko', (reason) => {
    for (const locale of ['en', 'ko'] as const)
      expect(Buffer.byteLength(ecsReasonText(reason, locale), 'utf8')).toBeLessThanOrEqual(EXPLANATION_MAX_BYTES);
  });
});
