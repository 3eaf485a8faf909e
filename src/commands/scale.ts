/**
 * `/ecs scale <service> <count> [--reason "…"] [--dry-run]`: set a service's desired task count,
 * a whole number within `services.<alias>.scale` in chatops.yml. Approval per environment;
 * progress is reported like a deploy (tasks reaching the new count).
 */
import { code } from '../slack/text';
import { defineMessages } from '../i18n/catalog';
import { parseCount, parsedFor, parseServiceAndValue, type ChangeArgsBase } from './change-args';
import { defineCommand } from './types';

const USAGE = '/ecs scale <service> <count> [--reason "…"] [--at <time> | next-window] [--break-glass "…"] [--dry-run]';
const SPEC = { verb: 'scale', usage: USAGE };

const M = defineMessages('commands.scale', {
  summary: {
    en: 'Set the number of tasks of a service (within its configured bounds).',
    ko: '서비스의 작업 수를 (설정된 범위 안에서) 정합니다.',
  },
  ackDryRun: {
    en: 'Planning (dry run) scaling {service} to {n} {n|task|tasks} in {env}…',
    ko: '{env}에서 {service} 작업 수를 {n}개로 바꾸는 계획을 세우는 중 (드라이 런)…',
  },
  ack: { en: 'Preparing scaling {service} to {n} {n|task|tasks} in {env}…', ko: '{env}에서 {service} 작업 수를 {n}개로 바꿀 준비 중…' },
});

export interface ScaleArgs extends ChangeArgsBase {
  alias: string;
  count: number;
}

export const scale = defineCommand<ScaleArgs>({
  verb: 'scale',
  summary: M.lazy('summary'),
  usage: USAGE,
  examples: ['scale web 8 --reason "campaign traffic"', 'scale web 12 --at 02:00', 'scale worker 2 --dry-run'],
  kind: 'change',
  booleanFlags: ['dry-run'],
  parse(raw, ctx) {
    const { svc, value, base } = parseServiceAndValue(SPEC, raw, ctx, { what: 'theCount', sample: '8' }, (text, target) =>
      parseCount(text, target, USAGE),
    );
    return parsedFor(svc, { alias: svc.alias, count: value, ...base });
  },
  ackText(parsed, locale) {
    return M.in(locale)(parsed.args.dryRun ? 'ackDryRun' : 'ack', {
      service: code(parsed.args.alias),
      n: parsed.args.count,
      env: code(parsed.environment),
    });
  },
  async run(parsed, rt, inv) {
    const { runScale } = await import('./scale.run');
    await runScale(parsed, rt, inv);
  },
});
