/**
 * `/ecs resize <service> --cpu <units> --memory <MiB> [--reason "…"] [--dry-run]`: a new revision of the
 * task definition that runs now with only the task CPU and memory changed, rolled out like a deploy and
 * approved like one (a deploy request). `/ecs rightsize` offers it as a button with the recommended size.
 */
import * as z from 'zod';
import { badInput } from '../errors';
import { defineMessages, type Locale } from '../i18n';
import { code } from '../slack/text';
import { changeTarget, parseChange, parsedFor, type ChangeArgsBase } from './change-args';
import { argsText, wholeNumber } from './args';
import { defineCommand } from './types';

const USAGE = '/ecs resize <service> --cpu <units> --memory <MiB> [--reason "…"] [--dry-run]';
const SPEC = { verb: 'resize', usage: USAGE };

const text = defineMessages('resize-verb', {
  cpuWord: { en: 'the CPU', ko: 'CPU' },
  memoryWord: { en: 'the memory', ko: '메모리' },
  summary: {
    en: 'Change the task CPU and memory of a service (a new task definition revision, approved and rolled out like a deploy).',
    ko: '서비스 작업의 CPU와 메모리를 바꿉니다(새 작업 정의 리비전, 배포처럼 승인되고 롤아웃됨).',
  },
  ack: {
    en: '{what} the resize of {alias} to {cpu} CPU units / {memory} MiB in {env}…',
    ko: '{env}의 {alias} 크기를 CPU {cpu} 단위 / {memory} MiB로 바꾸는 {what} 중…',
  },
  planning: { en: 'Planning (dry run):', ko: '계획(드라이 런)' },
  preparing: { en: 'Preparing', ko: '준비' },
  needBoth: {
    en: 'Give both `--cpu` (units, 1024 = 1 vCPU) and `--memory` (MiB), e.g. `/ecs resize web --cpu 512 --memory 1024`.',
    ko: '`--cpu`(단위, 1024 = 1 vCPU)와 `--memory`(MiB)를 모두 지정하세요. 예: `/ecs resize web --cpu 512 --memory 1024`.',
  },
});

export interface ResizeArgs extends ChangeArgsBase {
  alias: string;
  cpu: number;
  memory: number;
  locale: Locale;
}

export const resize = defineCommand<ResizeArgs>({
  verb: 'resize',
  summary: text.lazy('summary'),
  usage: USAGE,
  examples: ['resize web --cpu 512 --memory 1024', 'resize worker --cpu 1024 --memory 3072 --dry-run'],
  kind: 'change',
  booleanFlags: ['dry-run'],
  parse(raw, ctx) {
    const { args, flags } = parseChange(SPEC, raw, [{ what: 'theService', example: 'resize web --cpu 512 --memory 1024' }], {
      cpu: z
        .string({ error: argsText.token('missingExample', { what: text.token('cpuWord'), example: '`--cpu 512`' }) })
        .pipe(wholeNumber(text.token('cpuWord'), 128, 16384, '512 (0.5 vCPU)'))
        .optional(),
      memory: z
        .string({ error: argsText.token('missingExample', { what: text.token('memoryWord'), example: '`--memory 1024`' }) })
        .pipe(wholeNumber(text.token('memoryWord'), 512, 122880, '1024 (1 GB)'))
        .optional(),
    });
    const svc = changeTarget(ctx, args[0]!, SPEC);
    if (flags.cpu === undefined || flags.memory === undefined) {
      throw badInput(text.lazy('needBoth'), USAGE);
    }
    return parsedFor(svc, {
      alias: svc.alias,
      cpu: flags.cpu,
      memory: flags.memory,
      reason: flags.reason,
      dryRun: flags['dry-run'] === true,
      locale: ctx.config.slack.language,
    });
  },
  ackText(parsed, locale) {
    const t = text.in(locale);
    return t('ack', {
      what: t(parsed.args.dryRun ? 'planning' : 'preparing'),
      alias: code(parsed.args.alias),
      cpu: parsed.args.cpu,
      memory: parsed.args.memory,
      env: code(parsed.environment),
    });
  },
  async run(parsed, rt, inv) {
    const { runResize } = await import('./resize.run');
    await runResize(parsed, rt, inv);
  },
});
