/**
 * `/ecs status [service | environment] [--private]`: one service in detail, or one line per service
 * of an environment (no argument: the channel's environment). Read-only; the AWS part runs in the
 * worker (./status.run.ts).
 */
import * as z from 'zod';
import { lazySchema } from '../config/lazy-schema';
import { code } from '../slack/text';
import { defineMessages } from '../i18n/catalog';
import { parseRaw, resolveServiceOrEnvironment } from './args';
import { defineCommand } from './types';
import { VISIBILITY_FLAGS, visibilityFlags, readParsed } from './visibility';

const USAGE = '/ecs status [service | environment] [--private]';

const M = defineMessages('commands.status', {
  summary: {
    en: 'Health of a service (deployments, image, events, stopped tasks) or of every service in an environment.',
    ko: '서비스 하나(배포, 이미지, 이벤트, 중지된 작업) 또는 환경 전체 서비스의 상태를 보여 줍니다.',
  },
  ackService: { en: 'Looking up {service} in {env}…', ko: '{env}의 {service} 상태를 확인하는 중…' },
  ackEnvironment: { en: 'Looking up every service in {env}…', ko: '{env}의 모든 서비스 상태를 확인하는 중…' },
});

export interface StatusArgs {
  /** Set when the command names a service; otherwise the whole environment. */
  alias?: string;
}

const schema = lazySchema(() =>
  z.object({
    args: z.array(z.string()).max(1),
    flags: z.object({ ...visibilityFlags }).strict(),
  }),
);

export const status = defineCommand<StatusArgs>({
  verb: 'status',
  summary: M.lazy('summary'),
  usage: USAGE,
  examples: ['status web', 'status prod', 'status', 'status web --private'],
  kind: 'read',
  booleanFlags: VISIBILITY_FLAGS,
  parse(raw, ctx) {
    const { args, flags } = parseRaw({ verb: 'status', usage: USAGE }, schema, raw, VISIBILITY_FLAGS);
    const target = resolveServiceOrEnvironment(ctx, args[0], USAGE);
    return readParsed(ctx.config, target, flags, USAGE, { alias: target.service?.alias });
  },
  ackText(parsed, locale) {
    const t = M.in(locale);
    return parsed.service
      ? t('ackService', { service: code(parsed.service.alias), env: code(parsed.environment) })
      : t('ackEnvironment', { env: code(parsed.environment) });
  },
  async run(parsed, rt, inv) {
    const { runStatus } = await import('./status.run');
    await runStatus(parsed, rt, inv);
  },
});
