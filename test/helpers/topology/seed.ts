/**
 * The AWS world of the topology tests (test/fixtures/chatops.topology.yml): three Fargate
 * services with their ECR images (worker-prod deploys blue/green and pauses after test traffic), task roles the worker may pass, task definition tags, a
 * deployment history (web-prod went from :41 to :42, so rollback has a target), and an
 * autoscaling target for web-prod.
 */
import type { AwsWorld } from '../../../src/loopback/aws/world';
import { ACCOUNT } from './artifacts';

export const TASK_ROLE = `arn:aws:iam::${ACCOUNT}:role/web-task`;
export const EXEC_ROLE = `arn:aws:iam::${ACCOUNT}:role/ecsTaskExecutionRole`;
const HOUR = 3_600_000;

export function seedWorld(world: AwsWorld): void {
  const now = Date.now();
  const ago = (h: number) => new Date(now - h * HOUR);
  const tags = [
    { key: 'team', value: 'shop' },
    { key: 'cost-center', value: '42' },
  ];

  world.ecr.push('shop/web', { tags: ['v1.2.1'], pushedAt: ago(80), findings: { MEDIUM: 2 } });
  world.ecr.push('shop/web', { tags: ['v1.2.2'], pushedAt: ago(30), findings: { MEDIUM: 1 } });
  world.ecr.push('shop/web', { tags: ['v1.2.3'], pushedAt: ago(2), findings: { HIGH: 1, MEDIUM: 3 } });
  world.ecr.push('shop/web', { tags: ['v0.9.0-bad'], pushedAt: ago(5), findings: { CRITICAL: 2, HIGH: 4 } });
  world.ecr.push('shop/worker', { tags: ['v3.0.0'], pushedAt: ago(50), findings: {} });
  world.ecr.push('shop/worker', { tags: ['v3.1.0'], pushedAt: ago(1), findings: {} });

  // web-prod ran v1.2.1 on :41, then was deployed to v1.2.2 on :42 a day ago.
  const td41 = world.addFargateService({
    cluster: 'prod',
    name: 'web-prod',
    container: 'web',
    repository: 'shop/web',
    tag: 'v1.2.1',
    desiredCount: 4,
    taskRoleArn: TASK_ROLE,
    executionRoleArn: EXEC_ROLE,
    tags,
    olderRevisions: 40,
    createdAt: ago(72),
  });
  const td = world.ecs.taskDefinition(td41)!;
  const td42 = world.ecs.addTaskDefinition(
    {
      ...td,
      family: 'web-prod',
      revision: undefined,
      taskDefinitionArn: undefined,
      registeredAt: ago(24),
      containerDefinitions: td.containerDefinitions!.map((c) =>
        c.name === 'web' ? { ...c, image: `${world.ecr.registry}/shop/web:v1.2.2` } : c,
      ),
    },
    tags,
  );
  world.ecs.updateService('prod', 'web-prod', { taskDefinition: td42 });
  world.ecs.complete('prod', 'web-prod');

  world.addFargateService({
    cluster: 'prod',
    name: 'worker-prod',
    container: 'worker',
    repository: 'shop/worker',
    tag: 'v3.0.0',
    desiredCount: 2,
    taskRoleArn: TASK_ROLE,
    executionRoleArn: EXEC_ROLE,
    createdAt: ago(72),
    // Blue/green with a PAUSE hook: the traffic-shift gate (release gates).
    pauseAt: 'POST_TEST_TRAFFIC_SHIFT',
  });
  world.addFargateService({
    cluster: 'staging',
    name: 'web-staging',
    container: 'web',
    repository: 'shop/web',
    tag: 'v1.2.2',
    desiredCount: 2,
    taskRoleArn: TASK_ROLE,
    executionRoleArn: EXEC_ROLE,
    tags,
    olderRevisions: 6,
    createdAt: ago(72),
  });
  // Blue/green behind the staging role too: the traffic-shift gate in another account.
  world.addFargateService({
    cluster: 'staging',
    name: 'worker-staging',
    container: 'worker',
    repository: 'shop/worker',
    tag: 'v3.0.0',
    desiredCount: 1,
    taskRoleArn: TASK_ROLE,
    executionRoleArn: EXEC_ROLE,
    createdAt: ago(72),
    pauseAt: 'POST_TEST_TRAFFIC_SHIFT',
  });
  world.autoScaling.register('prod', 'web-prod', 2, 40);
}
