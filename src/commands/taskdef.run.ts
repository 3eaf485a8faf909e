/**
 * The worker part of `/ecs taskdef`: the service says which family and revision run now;
 * DescribeTaskDefinition reads the asked revisions of that family (an unknown one is answered
 * with the revision that runs).
 */
import type { ECSClient, TaskDefinition } from '@aws-sdk/client-ecs';
import { describeTaskDefinition } from '../aws/ecs';
import { BotError } from '../errors';
import { familyRevision, revisionArn } from '../deploy/taskdef';
import { defineMessages } from '../i18n';
import type { Runtime } from '../runtime';
import type { Invocation } from '../slack/invocation';
import { code } from '../slack/text';
import { answer, audienceOf, describeConfiguredService } from './readers.run';
import { taskdefDiffMessage, taskdefMessage } from './render/taskdef';
import { TASKDEF_USAGE, type TaskdefArgs } from './taskdef';
import type { Parsed } from './types';

const text = defineMessages('taskdef-run', {
  noRevision: {
    en: 'Task definition {td} does not exist (the service runs {current}).',
    ko: '작업 정의 {td}이(가) 없습니다(서비스는 {current}을(를) 실행 중입니다).',
  },
  hint: {
    en: 'Revisions of a family are numbered from 1; `/ecs taskdef {alias}` shows the one that runs.',
    ko: '패밀리의 리비전은 1부터 번호가 매겨집니다. `/ecs taskdef {alias}` 명령은 실행 중인 리비전을 보여 줍니다.',
  },
});

async function revisionOf(ecs: ECSClient, current: string, rev: number | undefined, alias: string): Promise<TaskDefinition> {
  const arn = rev === undefined ? current : revisionArn(current, rev);
  try {
    return (await describeTaskDefinition(ecs, arn)).taskDefinition;
  } catch (err) {
    const cause = (err as { cause?: { name?: string } }).cause;
    if ((err instanceof BotError && err.code === 'NOT_FOUND') || cause?.name === 'ClientException') {
      // An error is the reader's alone: written in their language where it becomes a reply.
      const t = text.lazy;
      const { family } = familyRevision(current);
      throw new BotError('NOT_FOUND', `task definition ${arn} not found`, {
        userMessage: t('noRevision', {
          td: code(`${family}:${rev}`),
          current: code(familyRevision(current).family + ':' + familyRevision(current).revision),
        }),
        hint: t('hint', { alias }),
        usage: TASKDEF_USAGE,
        cause: err,
      });
    }
    throw err;
  }
}

export async function runTaskdef(parsed: Parsed<TaskdefArgs>, rt: Runtime, inv: Invocation): Promise<void> {
  const audience = await audienceOf(rt, inv, parsed);
  const svc = parsed.service!;
  const locale = audience.locale;
  const ecs = rt.aws.ecs(svc.env.region, svc.env);
  const service = await describeConfiguredService(rt, svc);
  const current = service.taskDefinition!;
  const a = parsed.args;
  const first = await revisionOf(ecs, current, a.revision, svc.alias);
  if (a.diff === undefined) {
    await answer(rt, inv, taskdefMessage({ alias: svc.alias, td: first, current: first.taskDefinitionArn === current, locale }), audience);
    return;
  }
  const other = await revisionOf(ecs, current, a.diff, svc.alias);
  await answer(rt, inv, taskdefDiffMessage(svc.alias, first, other, locale), audience);
}
