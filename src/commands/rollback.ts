/**
 * `/ecs rollback <service> [--to <revision>] [--reason "…"] [--dry-run]`: return a service to the
 * task definition that ran before its last deploy (from ECS's deployment history, not "revision
 * minus one"), or to a named revision of its family. Same approval, lock and reporting as deploy.
 */
import { code } from '../slack/text';
import { defineMessages } from '../i18n/catalog';
import { changeBase, changeTarget, parseChange, parsedFor, parseRevision, type ChangeArgsBase } from './change-args';
import * as z from 'zod';
import { defineCommand } from './types';

const USAGE = '/ecs rollback <service> [--to <revision>] [--reason "…"] [--at <time> | next-window] [--break-glass "…"] [--dry-run]';
const SPEC = { verb: 'rollback', usage: USAGE };

const M = defineMessages('commands.rollback', {
  summary: {
    en: 'Return a service to the task definition it ran before its last deploy (or --to a revision).',
    ko: '서비스를 마지막 배포 전에 실행하던 작업 정의(또는 --to로 지정한 리비전)로 되돌립니다.',
  },
  ackDryRun: {
    en: 'Planning (dry run) the rollback of {service} to {target} in {env}…',
    ko: '{env}에서 {service} 서비스를 {target}(으)로 되돌리는 계획을 세우는 중 (드라이 런)…',
  },
  ack: {
    en: 'Preparing the rollback of {service} to {target} in {env}…',
    ko: '{env}에서 {service} 서비스를 {target}(으)로 되돌릴 준비 중…',
  },
  revision: { en: 'revision {n}', ko: '리비전 {n}' },
  previous: { en: 'the previous task definition', ko: '이전 작업 정의' },
});

export interface RollbackArgs extends ChangeArgsBase {
  alias: string;
  /** A revision of the service's task definition family; absent = what ran before the last deploy. */
  to?: number;
}

export const rollback = defineCommand<RollbackArgs>({
  verb: 'rollback',
  summary: M.lazy('summary'),
  usage: USAGE,
  examples: ['rollback web --reason "5xx after v1.2.3"', 'rollback web --to 41', 'rollback web --dry-run'],
  kind: 'change',
  booleanFlags: ['dry-run'],
  parse(raw, ctx) {
    const { args, flags } = parseChange(SPEC, raw, [{ what: 'theService', example: 'rollback web' }], {
      to: z.union([z.string(), z.literal(true)]).optional(),
    });
    const svc = changeTarget(ctx, args[0]!, SPEC);
    const to = parseRevision(flags.to, USAGE, svc.alias);
    return parsedFor(svc, { alias: svc.alias, to, ...changeBase(flags, ctx, SPEC) });
  },
  ackText(parsed, locale) {
    const t = M.in(locale);
    const target = parsed.args.to ? t('revision', { n: parsed.args.to }) : t('previous');
    return t(parsed.args.dryRun ? 'ackDryRun' : 'ack', { service: code(parsed.args.alias), target, env: code(parsed.environment) });
  },
  async run(parsed, rt, inv) {
    const { runRollback } = await import('./rollback.run');
    await runRollback(parsed, rt, inv);
  },
});
