/**
 * `/ecs restart <service> [--reason "…"] [--dry-run]`: force a new deployment of the task
 * definition the service runs (every task replaced, rolling). Same path as deploy.
 */
import { code } from '../slack/text';
import { defineMessages } from '../i18n/catalog';
import { changeBase, changeTarget, parseChange, parsedFor, type ChangeArgsBase } from './change-args';
import { defineCommand } from './types';

const USAGE = '/ecs restart <service> [--reason "…"] [--at <time> | next-window] [--break-glass "…"] [--dry-run]';
const SPEC = { verb: 'restart', usage: USAGE };

const M = defineMessages('commands.restart', {
  summary: {
    en: 'Replace every task of a service with new ones of the same task definition.',
    ko: '서비스의 모든 작업을 같은 작업 정의의 새 작업으로 교체합니다.',
  },
  ackDryRun: {
    en: 'Planning (dry run) the restart of {service} in {env}…',
    ko: '{env}에서 {service} 서비스를 재시작하는 계획을 세우는 중 (드라이 런)…',
  },
  ack: { en: 'Preparing the restart of {service} in {env}…', ko: '{env}에서 {service} 서비스 재시작을 준비하는 중…' },
});

export interface RestartArgs extends ChangeArgsBase {
  alias: string;
}

export const restart = defineCommand<RestartArgs>({
  verb: 'restart',
  summary: M.lazy('summary'),
  usage: USAGE,
  examples: ['restart web --reason "stuck connections"', 'restart worker', 'restart web --dry-run'],
  kind: 'change',
  booleanFlags: ['dry-run'],
  parse(raw, ctx) {
    const { args, flags } = parseChange(SPEC, raw, [{ what: 'theService', example: 'restart web' }], {});
    const svc = changeTarget(ctx, args[0]!, SPEC);
    return parsedFor(svc, { alias: svc.alias, ...changeBase(flags, ctx, SPEC) });
  },
  ackText(parsed, locale) {
    return M.in(locale)(parsed.args.dryRun ? 'ackDryRun' : 'ack', { service: code(parsed.args.alias), env: code(parsed.environment) });
  },
  async run(parsed, rt, inv) {
    const { runRestart } = await import('./restart.run');
    await runRestart(parsed, rt, inv);
  },
});
