/** `/ecs tasks --stopped`: pure rendering of DescribeTasks' stopped tasks. No mocks. */
import type { Task } from '@aws-sdk/client-ecs';
import { tasksMessage, type TasksView } from '../../src/commands/render/tasks';
import { fitMessage } from '../../src/slack/blocks';
import { expectWithinSlackLimits, NOW, task, taskIdOf, tdArn } from '../helpers/aws-fixtures';

const OOM = 'OutOfMemoryError: Container killed due to memory usage';
const stop = (n: number, stopCode: string, reason: string, exitCode?: number, containerReason?: string): Task =>
  task({ id: taskIdOf(n), td: tdArn('web-prod', 43), stopped: { minutesAgo: n, stopCode, reason, exitCode, containerReason } });

const view = (tasks: Task[], locale: 'en' | 'ko'): TasksView => ({
  alias: 'web',
  serviceName: 'web-prod',
  container: 'web',
  cluster: 'prod',
  region: 'eu-west-1',
  stopped: true,
  tasks,
  total: tasks.length,
  locale,
  now: NOW,
});

/** Each stopped task's text (its line and what follows it), in order. */
const linesOf = (tasks: Task[], locale: 'en' | 'ko'): string[] =>
  tasksMessage(view(tasks, locale))
    .blocks.filter((b) => b.type === 'section')
    .map((b) => (b.type === 'section' ? b.text!.text : ''))
    .join('\n')
    .split(/^• /m)
    .slice(1);

describe("/ecs tasks --stopped: ECS's words, then what the stop means as alerts say it, once per meaning", () => {
  const tasks = () => [
    stop(1, 'EssentialContainerExited', 'Essential container in task exited', 137, OOM),
    stop(2, 'EssentialContainerExited', 'Essential container in task exited', 137, OOM),
    stop(3, 'ServiceSchedulerInitiated', 'Scaling activity initiated by (deployment ecs-svc/1111111111111111111)', 143),
    stop(4, 'UserInitiated', 'Task stopped by user', 143),
    stop(5, 'TaskFailedToStart', 'CannotPullContainerError: pull image manifest has been retried 5 time(s): not found'),
  ];

  it('en: the first OOM task says it, the second does not; scaling and a user stop say nothing', () => {
    const [oom, oom2, scale, user, pull] = linesOf(tasks(), 'en');
    expect(oom).toMatch(
      /web: exit 137 \(OutOfMemoryError: Container killed due to memory usage\)\n {6}Container web ran out of memory and was killed \(exit 137\)\. Raise its memory/,
    );
    expect(oom).toContain('`/ecs rightsize web` shows its memory use over the last 14 days.');
    for (const quiet of [oom2, scale, user]) expect(quiet!.trim()).not.toContain('\n');
    expect(pull).toMatch(/\n {6}ECS could not pull the image\. /);
  });

  it('ko: the same lines in Korean, no English explanation', () => {
    const [oom, oom2, scale, user, pull] = linesOf(tasks(), 'ko');
    expect(oom).toMatch(/\n {6}web 컨테이너의 메모리가 부족해 강제 종료되었습니다 \(종료 코드 137\)\. 작업 정의에서/);
    expect(oom).toContain('최근 14일 메모리 사용량: `/ecs rightsize web`');
    for (const quiet of [oom2, scale, user]) expect(quiet!.trim()).not.toContain('\n');
    expect(pull).toMatch(/\n {6}ECS가 이미지를 가져오지 못했습니다\./);
    expect(JSON.stringify(tasksMessage(view(tasks(), 'ko')).blocks)).not.toMatch(/ran out of memory|could not pull/);
  });

  it('stays within Slack limits with 50 stopped tasks of long reasons and many meanings (en, ko)', () => {
    const long = 'x'.repeat(900);
    const codes = [1, 2, 126, 127, 134, 137, 139, 3, 4, 5];
    const many = Array.from({ length: 50 }, (_, i) =>
      stop(i + 1, 'EssentialContainerExited', long, codes[i % codes.length], i % codes.length === 5 ? `${OOM} ${long}` : long),
    );
    for (const locale of ['en', 'ko'] as const) {
      const msg = tasksMessage(view(many, locale));
      for (const b of msg.blocks) if (b.type === 'section') expect(b.text!.text.length).toBeLessThanOrEqual(3000);
      expectWithinSlackLimits(fitMessage(msg));
      // One line per distinct meaning (10), not per task.
      expect(JSON.stringify(msg.blocks).match(/\\n {6}\S/g)).toHaveLength(10);
    }
  });
});
