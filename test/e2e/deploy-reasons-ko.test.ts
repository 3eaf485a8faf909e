/**
 * A bot deploy the circuit breaker fails, in a Korean workspace (`slack.language: ko`): the thread's
 * final reply quotes ECS's own words as they are and says, in Korean, what they mean and what to
 * check (src/aws/ecs-reasons.ts), instead of leaving the reader with English only.
 */
import { configFile } from '../helpers/config';
import { SERVICE_ARN, stoppedTask } from '../helpers/aws-fixtures';
import { approve, requestMessage, textOf, thread, useDeployHarness } from '../helpers/deploy-e2e';
import { lastAnswer } from '../helpers/e2e';
import { deploymentEvent } from '../fixtures/events/samples';
import { getRequest } from '../../src/approvals/workflow';

const h = useDeployHarness({ configPath: configFile((doc) => (doc.slack.language = 'ko')) });

it("the failed rollout's thread quotes the circuit breaker's words with a Korean line saying what they mean; /ecs status explains the stopped task in Korean too", async () => {
  await h.e2e.slash('deploy web v1.2.3 --reason "checkout fix"', { channel_id: 'CPROD', user_id: 'UDEV1' });
  await h.e2e.drain();
  const req = requestMessage(h.e2e, 'CPROD');
  await approve(h.e2e, req);
  await h.e2e.drain();
  const running = (await getRequest(h.e2e.rt.redis, req.id))!;
  const deploymentId = running.execution!.deploymentId as string;

  h.world.setStopped('prod', 'web-prod', [
    stoppedTask('0f1e2d3c4b5a69788796a5b4c3d2e1f0', { stoppedAt: new Date(h.clock.now() + 60_000) }, 1),
  ]);
  h.clock.advance(3 * 60_000);
  h.world.circuitBreakerRollback('prod', 'web-prod');
  await h.e2e.event(
    deploymentEvent('failed', {
      time: h.clock.now(),
      serviceArn: SERVICE_ARN,
      deploymentId,
      reason: 'ECS deployment circuit breaker: tasks failed to start.',
    }),
  );

  expect((await getRequest(h.e2e.rt.redis, req.id))?.state).toBe('failed');
  const final = thread(h.e2e, 'CPROD', req.ts).find((m) => textOf(m).includes('ECS deployment circuit breaker: tasks failed to start.'));
  expect(final).toBeDefined();
  const bullets = textOf(final).split('\\n');
  const at = bullets.findIndex((l) => l.endsWith('ECS deployment circuit breaker: tasks failed to start.'));
  expect(at).toBeGreaterThan(-1);
  // Right after ECS's words: the Korean line, and no English explanation anywhere.
  expect(bullets[at + 1]).toContain(
    '새 작업이 너무 많이 실패해 서킷 브레이커가 배포를 멈췄습니다. 중지된 작업의 이유와 로그에 원인이 있습니다.',
  );
  expect(textOf(final)).not.toMatch(/circuit breaker stopped|too many of its new tasks/);
  // The stopped task's line is followed by what its stop means, in Korean as alerts say it.
  const why = thread(h.e2e, 'CPROD', req.ts).find((m) => textOf(m).includes('Essential container in task exited'));
  const lines = textOf(why).split('\\n');
  const task = lines.findIndex((l) => l.includes('Essential container in task exited'));
  expect(task).toBeGreaterThan(-1);
  expect(lines[task + 1]).toMatch(
    /^ {6}필수 web 컨테이너가 종료 코드 1로 종료되어 ECS가 작업을 중지했습니다\. 종료 코드의 뜻: 일반적인 애플리케이션 오류/,
  );
  expect(textOf(why)).not.toMatch(/is essential and exited/);

  // /ecs status in the channel (the workspace's language): the same stopped task, and the same Korean line under it.
  await h.e2e.slash('status web', { channel_id: 'CPROD', user_id: 'UDEV1' });
  await h.e2e.drain();
  const status = lastAnswer(h.e2e).split('\\n');
  const stoppedAt = status.findIndex((l) => l.includes('Essential container in task exited'));
  expect(stoppedAt).toBeGreaterThan(-1);
  expect(status[stoppedAt + 1]).toMatch(
    /^ {6}필수 web 컨테이너가 종료 코드 1로 종료되어 ECS가 작업을 중지했습니다\. 종료 코드의 뜻: 일반적인 애플리케이션 오류/,
  );
});
