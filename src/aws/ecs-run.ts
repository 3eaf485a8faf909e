/**
 * ECS adapters for one-off tasks (`/ecs run`): RunTask, StopTask, and the tasks a request started
 * (ListTasks by `startedBy`). Worker side only. RunTask and StopTask rethrow the raw SDK error: the
 * executor tells "refused" (nothing started) from "unknown outcome" (look before trying again).
 */
import {
  ListTasksCommand,
  RunTaskCommand,
  StopTaskCommand,
  type ECSClient,
  type Failure,
  type RunTaskCommandInput,
  type Task,
} from '@aws-sdk/client-ecs';
import { callAws } from './errors';
import { defineMessages } from '../i18n/catalog';

export const runActions = defineMessages('aws.ecs-run', {
  listRunTasks: { en: 'list the tasks request {id} started', ko: '요청 {id}에서 시작한 작업 목록 조회' },
  runTask: { en: 'start a task of {td}', ko: '{td} 작업 시작' },
  stopTask: { en: 'stop task {task}', ko: '작업 {task} 중지' },
});

/** RunTask of one task; the tasks it started and the failures ECS listed (capacity, placement). */
export async function runTaskRaw(ecs: ECSClient, input: RunTaskCommandInput): Promise<{ tasks: Task[]; failures: Failure[] }> {
  const res = await ecs.send(new RunTaskCommand({ ...input, count: 1 }));
  return { tasks: res.tasks ?? [], failures: res.failures ?? [] };
}

/** StopTask with the reason ECS shows on the task (at most 255 characters). */
export async function stopTaskRaw(ecs: ECSClient, cluster: string, task: string, reason: string): Promise<Task | undefined> {
  const res = await ecs.send(new StopTaskCommand({ cluster, task, reason: reason.slice(0, 255) }));
  return res.task;
}

/** The tasks `startedBy` names (running and stopped: ECS lists stopped ones for about an hour). */
export async function listTasksStartedBy(ecs: ECSClient, cluster: string, startedBy: string, requestId: string): Promise<string[]> {
  const arns: string[] = [];
  for (const desiredStatus of ['RUNNING', 'STOPPED'] as const) {
    const res = await callAws({ action: runActions.lazy('listRunTasks', { id: requestId }), permission: 'ecs:ListTasks' }, () =>
      ecs.send(new ListTasksCommand({ cluster, startedBy, desiredStatus, maxResults: 10 })),
    );
    arns.push(...(res.taskArns ?? []));
  }
  return arns;
}
