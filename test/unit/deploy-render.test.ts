import { fitMessage, blockTextLength } from '../../src/slack/blocks';
import { LIMITS } from '../../src/slack/text';
import type { ChangePlan, DeployPlan } from '../../src/deploy/plan';
import type { StoppedTaskInfo } from '../../src/deploy/progress';
import { checkLines, dryRunMessage, planSummary, requestedMessage, SUMMARY_MAX } from '../../src/deploy/render';
import {
  abortActions,
  finalMilestone,
  notStartedMilestone,
  progressBar,
  startedMilestone,
  statusCard,
  stoppedTaskLines,
  stuckMilestone,
  type CardView,
} from '../../src/deploy/card';
import { DIGEST, deployPlanAt, planBase, REGISTRY, tdArn } from '../helpers/aws-fixtures';

const NOW = Date.parse('2025-11-25T10:00:00Z');
const base = planBase(NOW);
const deployPlan: DeployPlan = deployPlanAt(NOW);
const plans: ChangePlan[] = [
  deployPlan,
  {
    verb: 'rollback',
    ...base,
    targetTaskDefinition: tdArn('web-prod', 40),
    source: 'history',
    container: 'web',
    previousImage: `${REGISTRY}/shop/web:v1.2.2`,
    targetImage: `${REGISTRY}/shop/web@${DIGEST}`,
  },
  { verb: 'scale', ...base, from: 4, to: 8 },
  { verb: 'restart', ...base },
];

const stopped: StoppedTaskInfo[] = [
  {
    taskId: '0f1e2d3c4b5a69788796a5b4c3d2e1f0',
    taskDefinition: tdArn('web-prod', 43),
    stopCode: 'EssentialContainerExited',
    stoppedReason: 'Essential container in task exited',
    stoppedAt: NOW,
    containers: [
      { name: 'web', exitCode: 137, reason: 'OutOfMemoryError: Container killed due to memory usage' },
      { name: 'datadog-agent', exitCode: 0 },
    ],
    logLines: ['Error: connect ECONNREFUSED 10.0.1.5:5432', '    at TCPConnectWrap.afterConnect [as oncomplete] (node:net:1555:16)'],
  },
];

const card = (over: Partial<CardView> = {}): CardView => ({
  requestId: 'prod.web.m3x7k2a9qz',
  plan: deployPlan,
  phase: 'in_progress',
  registered: tdArn('web-prod', 43),
  deploymentId: 'ecs-svc/2222222222222222222',
  counts: { desired: 4, running: 2, pending: 1, failed: 0 },
  startedAt: NOW,
  deadlineMs: 20 * 60_000,
  reasons: [],
  stoppedTasks: [],
  ...over,
});

describe('request summary', () => {
  it.each(plans.map((p) => [p.verb, p] as const))('%s: what will change, exactly', (_v, plan) => {
    const checked: ChangePlan = {
      ...plan,
      checks: {
        scan: { status: 'COMPLETE', counts: { HIGH: 1 } },
        roles: { scoped: false, unlisted: [], changed: false },
        bounds: { min: 2, max: 40 },
        warnings: [],
      },
    };
    expect({ summary: planSummary(checked, 'en'), checks: checkLines(checked, 'en') }).toMatchSnapshot();
  });

  it('stays within the 2,500 characters of the request message', () => {
    const long: DeployPlan = { ...deployPlan, alias: 'w'.repeat(3000), repository: 'r'.repeat(3000) };
    expect(planSummary(long, 'en').length).toBeLessThanOrEqual(SUMMARY_MAX);
    expect(planSummary(long, 'ko').length).toBeLessThanOrEqual(SUMMARY_MAX);
  });
});

describe('dry run and requested answers', () => {
  it('shows the plan and the diff and says nothing changed', () => {
    const msg = dryRunMessage(deployPlan, '~ containerDefinitions[web].image: a → b', [], 'en', NOW);
    expect(msg.text).toContain('nothing changed');
    expect(JSON.stringify(msg.blocks)).toContain('```~ containerDefinitions[web].image: a → b```');
  });
  it('says the task count once: the plan\'s "• Tasks:" line, not again among the checks (it did, in the dry run and Details)', () => {
    for (const locale of ['en', 'ko'] as const) {
      const msg = JSON.stringify(dryRunMessage(deployPlan, undefined, [], locale, NOW).blocks);
      expect(msg.split(locale === 'en' ? 'replaced by a rolling deployment' : '롤링 배포로 교체').length - 1).toBe(1);
    }
    // The request card, which has no plan lines, keeps it.
    expect(checkLines(deployPlan, 'en').join('\n')).toContain('Tasks: 4 desired, replaced by a rolling deployment');
  });
  it('tells the requester where the request is and how many approvals it needs', () => {
    expect(
      requestedMessage(deployPlan, { id: 'prod.web.x', channel: 'CPROD', approvalsNeeded: 1, state: 'pending' }).blocks[0],
    ).toMatchObject({
      text: { text: expect.stringContaining('is posted in <#CPROD> and needs 1 approval') },
    });
    expect(
      requestedMessage(deployPlan, { id: 'staging.web.x', channel: 'CSTAGING', approvalsNeeded: 0, state: 'approved' }).text,
    ).toContain('Deploying web in prod now');
  });
});

describe('status card', () => {
  describe("stopped tasks: ECS's words, then what the stop means (as alerts say it) in the card's language", () => {
    const task = (id: string, over: Partial<StoppedTaskInfo>): StoppedTaskInfo => ({
      taskId: id.padEnd(32, '0'),
      taskDefinition: tdArn('web-prod', 43),
      stoppedAt: NOW,
      containers: [],
      ...over,
    });
    const exit1 = (id: string) =>
      task(id, {
        stopCode: 'EssentialContainerExited',
        stoppedReason: 'Essential container in task exited',
        containers: [{ name: 'web', exitCode: 1 }],
      });
    const lines = (tasks: StoppedTaskInfo[], locale: 'en' | 'ko') => stoppedTaskLines(tasks, 'eu-west-1', 'prod', locale);

    it('a failure gets one line under it, once per distinct meaning (en, ko)', () => {
      const pull = task('b', {
        stopCode: 'TaskFailedToStart',
        stoppedReason: 'CannotPullContainerError: pull image manifest has been retried 5 time(s): not found',
      });
      const en = lines([exit1('a'), exit1('c'), pull], 'en');
      expect(en).toEqual([
        expect.stringContaining('Essential container in task exited'),
        '      Container web is essential and exited with code 1: a generic application error (an unhandled exception, a failed start-up check or bad configuration), so ECS stopped the task. The last log lines usually say why.',
        expect.stringContaining('Essential container in task exited'),
        expect.stringContaining('CannotPullContainerError'),
        expect.stringMatching(/^ {6}ECS could not pull the image\. /),
      ]);
      const ko = lines([exit1('a'), exit1('c'), pull], 'ko');
      expect(ko[1]).toMatch(
        /^ {6}필수 web 컨테이너가 종료 코드 1로 종료되어 ECS가 작업을 중지했습니다\. 종료 코드의 뜻: 일반적인 애플리케이션 오류/,
      );
      expect(ko[4]).toMatch(/^ {6}ECS가 이미지를 가져오지 못했습니다\./);
      expect(ko.join('\n')).not.toMatch(/is essential|could not pull/);
    });

    it('a task that failed to start for a reason ECS names (subnet IPs) gets that line; unknown reasons and routine stops get none', () => {
      const ips = task('d', {
        stopCode: 'TaskFailedToStart',
        stoppedReason:
          "Unexpected EC2 error while attempting to Create Network Interface in subnet 'subnet-0a1b2c': InsufficientFreeAddressesInSubnet",
      });
      expect(lines([ips], 'ko')[1]).toMatch(/^ {6}작업이 네트워크 인터페이스나 IP 주소를 받지 못했습니다\./);
      const unknown = task('e', { stopCode: 'TaskFailedToStart', stoppedReason: 'Something new from ECS' });
      const routine = task('f', {
        stopCode: 'ServiceSchedulerInitiated',
        stoppedReason: 'Scaling activity initiated by (deployment ecs-svc/1)',
        containers: [{ name: 'web', exitCode: 143 }],
      });
      expect(lines([unknown, routine], 'ko')).toHaveLength(2);
      expect(lines([unknown, routine], 'en')).toHaveLength(2);
    });

    it('on the failed card, in Korean', () => {
      const text = JSON.stringify(statusCard(card({ phase: 'failed', stoppedTasks: [exit1('a')] }), 'ko').blocks);
      expect(text).toContain('*중지된 작업*');
      expect(text).toContain('필수 web 컨테이너가 종료 코드 1로 종료되어 ECS가 작업을 중지했습니다. 종료 코드의 뜻: ');
    });
  });
  it('in progress: counts, facts and the Abort button', () => {
    expect(statusCard(card())).toMatchSnapshot();
  });
  it('failed with stopped tasks: reasons, exit codes, no button', () => {
    const msg = statusCard(
      card({
        phase: 'failed',
        rolledBack: true,
        reasons: ['ECS deployment circuit breaker: tasks failed to start.'],
        stoppedTasks: stopped,
      }),
    );
    expect(msg).toMatchSnapshot();
    expect(msg.blocks.some((b) => b.type === 'actions')).toBe(false);
  });
  it('escapes text from AWS', () => {
    const msg = statusCard(card({ phase: 'failed', reasons: ['<!channel> deploy failed & <b>'] }));
    const text = JSON.stringify(msg.blocks);
    expect(text).toContain('&lt;!channel&gt; deploy failed &amp; &lt;b&gt;');
    expect(text).not.toContain('<!channel>');
  });
  it('scale shows the task count and a scale-back button', () => {
    const msg = statusCard(card({ plan: plans[2]!, registered: undefined, counts: { desired: 8, running: 5, pending: 3, failed: 0 } }));
    expect(msg.text).toBe('Scaling web in prod: in progress (5/8 running)');
    expect(JSON.stringify(msg.blocks)).toContain('Abort (scale back)');
  });
  it('a scale names the deployment it scales as unchanged, after its own start (it starts none)', () => {
    const scale = card({ plan: plans[2]!, registered: undefined, deploymentId: 'ecs-svc/111', startedAt: NOW });
    const facts = (b: ReturnType<typeof statusCard>) => JSON.stringify(b.blocks.filter((x) => x.type === 'context'));
    expect(facts(statusCard(scale))).toMatch(/started [^·]+ · Deployment `ecs-svc\/111` \(unchanged\)/);
    expect(facts(statusCard(scale, 'ko'))).toContain('배포 `ecs-svc/111` (그대로)');
    // With the kept deployment's own start (read from ECS while the scale runs), that time too.
    const since = card({
      plan: plans[2]!,
      registered: undefined,
      deploymentId: 'ecs-svc/111',
      startedAt: NOW,
      deploymentSince: NOW - 86_400_000,
    });
    const day = Math.floor((NOW - 86_400_000) / 1000);
    expect(facts(statusCard(since))).toContain(`Deployment \`ecs-svc/111\` (unchanged, since <!date^${day}^`);
    expect(facts(statusCard(since, 'ko'))).toContain(`배포 \`ecs-svc/111\` (<!date^${day}^`);
    expect(facts(statusCard(since, 'ko'))).toMatch(/>부터 그대로\)/);
    // A deploy starts the deployment it names: named first, as before.
    expect(facts(statusCard(card({ deploymentId: 'ecs-svc/222', startedAt: NOW })))).toMatch(/Deployment `ecs-svc\/222` · started/);
  });
  it('progress bar', () => {
    expect(progressBar(2, 4)).toBe('▰▰▰▰▰▱▱▱▱▱');
    expect(progressBar(9, 4)).toBe('▰▰▰▰▰▰▰▰▰▰');
    expect(progressBar(1, 0)).toBe('');
  });
  it('the abort button asks for confirmation and carries the request id', () => {
    const b = abortActions('prod.web.x', 'Roll back') as unknown as {
      elements: Array<{ action_id: string; value: string; confirm?: unknown; style: string }>;
    };
    expect(b.elements[0]).toMatchObject({ action_id: 'deploy:abort', value: 'prod.web.x', style: 'danger' });
    expect(b.elements[0]!.confirm).toBeDefined();
  });
});

describe('milestones', () => {
  it('started, completed, not started', () => {
    expect(startedMilestone(deployPlan, 'ecs-svc/2', 20 * 60_000).blocks).toMatchSnapshot();
    expect(
      finalMilestone({ ...card(), phase: 'completed', counts: { desired: 4, running: 4, pending: 0, failed: 0 } }, 6 * 60_000).blocks,
    ).toMatchSnapshot();
    expect(
      notStartedMilestone(deployPlan, 'The service changed since the request was made.', 'Request it again.', tdArn('web-prod', 43)).blocks,
    ).toMatchSnapshot();
  });

  it('failed: the real reasons, stop codes, exit codes and last log lines', () => {
    const msg = finalMilestone(
      {
        ...card(),
        phase: 'failed',
        rolledBack: true,
        reasons: ['ECS deployment circuit breaker: tasks failed to start.'],
        stoppedTasks: stopped,
      },
      4 * 60_000,
    );
    const text = JSON.stringify(msg.blocks);
    expect(text).toContain('Deploy failed');
    expect(text).toContain('the service is back on `web-prod:42`');
    expect(text).toContain('`EssentialContainerExited` Essential container in task exited');
    expect(text).toContain('`web` exit 137 (OutOfMemoryError: Container killed due to memory usage)');
    expect(text).toContain('ECONNREFUSED 10.0.1.5:5432');
    expect(msg).toMatchSnapshot();
  });

  it('given up while ECS had not finished: "not confirmed" (en and ko), never "failed", on the final reply and the card', () => {
    const given = {
      ...card(),
      phase: 'failed' as const,
      unconfirmed: true,
      reasons: ['Still not finished after 1h 5m, so I stopped tracking it.'],
    };
    const en = JSON.stringify(finalMilestone(given, 65 * 60_000, 'en', { requester: 'UDEV1' }).blocks);
    expect(en).toContain(
      ':grey_question: *Deploy not confirmed* in 1h 5m: ECS had not said it completed or failed when I stopped tracking it.',
    );
    expect(en).toContain('I could not confirm how this change ended.');
    expect(en).not.toMatch(/failed\*|this change failed/);
    const ko = JSON.stringify(finalMilestone(given, 65 * 60_000, 'ko', { requester: 'UDEV1' }).blocks);
    expect(ko).toContain('결과 확인 안 됨');
    expect(ko).not.toContain('실패*');
    expect(statusCard(given).text).toContain('not confirmed');
    expect(JSON.stringify(statusCard(given).blocks)).toContain(':grey_question:');
    expect(JSON.stringify(statusCard({ ...given, unconfirmed: false }).blocks)).toContain('*failed*');
  });

  it('tasks that crashed the same way: their last log lines shown once, then named (en, ko; final and stuck replies)', () => {
    const same = (id: string): StoppedTaskInfo => ({ ...stopped[0]!, taskId: id.padEnd(32, '0') });
    const other: StoppedTaskInfo = { ...same('c3'), logLines: ['panic: nil map', 'goroutine 1 [running]:'] };
    const tasks = [same('d62a4470'), same('b2'), other, same('e4')];
    const failed = { ...card(), phase: 'failed' as const, stoppedTasks: tasks };
    const stuck = card({ phase: 'stuck', stoppedTasks: tasks });
    for (const msg of [finalMilestone(failed, 4 * 60_000), stuckMilestone(stuck)]) {
      const text = JSON.stringify(msg.blocks);
      expect(text.split('ECONNREFUSED 10.0.1.5:5432')).toHaveLength(2);
      expect(text.split('panic: nil map')).toHaveLength(2);
      expect(text.split('      Same last log lines as `d62a4470`.')).toHaveLength(3);
      // Under the task it stands for, instead of its code block.
      const b2 = text.slice(text.indexOf('|b2000000>'), text.indexOf('|c3000000>'));
      expect(b2).toContain('Same last log lines as `d62a4470`.');
      expect(b2).not.toContain('```');
    }
    for (const msg of [finalMilestone(failed, 4 * 60_000, 'ko'), stuckMilestone(stuck, 'ko')]) {
      const text = JSON.stringify(msg.blocks);
      expect(text.split('ECONNREFUSED 10.0.1.5:5432')).toHaveLength(2);
      expect(text.split('      마지막 로그는 `d62a4470` 작업과 같습니다.')).toHaveLength(3);
      expect(text).not.toContain('Same last log lines');
    }
  });

  it('stuck: explains and offers Roll back', () => {
    const msg = stuckMilestone(card({ phase: 'stuck', reasons: ['0 of 4 new tasks running after the deadline.'] }));
    expect(msg.blocks[msg.blocks.length - 1]!.type).toBe('actions');
    expect(JSON.stringify(msg.blocks)).toContain('Roll back');
  });

  it('oversized failures (huge log lines, many tasks) still fit one Slack message, buttons kept', () => {
    const huge: StoppedTaskInfo[] = Array.from({ length: 30 }, (_, i) => ({
      ...stopped[0]!,
      taskId: `task${i}`.padEnd(32, '0'),
      stoppedReason: 'x'.repeat(2_000),
      logLines: Array.from({ length: 10 }, () => 'y'.repeat(2_000)),
    }));
    for (const msg of [
      finalMilestone({ ...card(), phase: 'failed', reasons: Array.from({ length: 50 }, () => 'r'.repeat(1_000)), stoppedTasks: huge }),
      stuckMilestone(card({ phase: 'stuck', reasons: ['z'.repeat(20_000)], stoppedTasks: huge })),
      statusCard(card({ phase: 'stuck', reasons: Array.from({ length: 50 }, () => 'r'.repeat(1_000)), stoppedTasks: huge })),
    ]) {
      const fitted = fitMessage(msg);
      expect(fitted.blocks.length).toBeLessThanOrEqual(LIMITS.blocks);
      const total = fitted.blocks.reduce((n, b) => n + blockTextLength(b), 0);
      expect(total).toBeLessThanOrEqual(LIMITS.totalText);
      for (const b of fitted.blocks) if (b.type === 'section') expect(b.text!.text.length).toBeLessThanOrEqual(LIMITS.sectionText);
      if (msg.blocks[msg.blocks.length - 1]!.type === 'actions') expect(fitted.blocks[fitted.blocks.length - 1]!.type).toBe('actions');
    }
  });
});
