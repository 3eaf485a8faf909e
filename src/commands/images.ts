/**
 * `/ecs images <service> [--limit N] [--private]`: the newest tags of the service's ECR repository,
 * with digest, push time, size, scan findings, and which one runs now. AWS part: ./images.run.ts.
 */
import * as z from 'zod';
import { lazySchema } from '../config/lazy-schema';
import { code } from '../slack/text';
import { defineMessages } from '../i18n/catalog';
import { missingService, parseRaw, resolveService, wholeNumber } from './args';
import { defineCommand } from './types';
import { VISIBILITY_FLAGS, visibilityFlags, readParsed } from './visibility';

const IMAGES_USAGE = '/ecs images <service> [--limit N] [--private]';
const DEFAULT_IMAGES = 10;
const MAX_IMAGES = 30;

const M = defineMessages('commands.images', {
  summary: {
    en: 'Recent images of a service in ECR: tag, digest, pushed, size, scan findings, and which one runs now.',
    ko: 'ECR에 있는 서비스의 최근 이미지: 태그, 다이제스트, 푸시 시각, 크기, 스캔 결과, 지금 실행 중인 이미지를 보여 줍니다.',
  },
  ack: { en: 'Looking up images of {service} in {env}…', ko: '{env}의 {service} 이미지를 찾는 중…' },
  needsNumber: { en: 'needs a number, e.g. `--limit 20`', ko: '숫자가 필요합니다. 예: `--limit 20`' },
  imageCount: { en: 'the image count', ko: '이미지 수' },
});

export interface ImagesArgs {
  alias: string;
  limit: number;
}

const schema = lazySchema(() =>
  z.object({
    args: z.array(z.string()).max(1),
    flags: z
      .object({
        limit: z
          .string({ error: M.token('needsNumber') })
          .pipe(wholeNumber(M.token('imageCount'), 1, MAX_IMAGES))
          .optional(),
        ...visibilityFlags,
      })
      .strict(),
  }),
);

export const images = defineCommand<ImagesArgs>({
  verb: 'images',
  summary: M.lazy('summary'),
  usage: IMAGES_USAGE,
  examples: ['images web', 'images worker --limit 20'],
  kind: 'read',
  booleanFlags: VISIBILITY_FLAGS,
  parse(raw, ctx) {
    const { args, flags } = parseRaw({ verb: 'images', usage: IMAGES_USAGE }, schema, raw, ['limit', ...VISIBILITY_FLAGS]);
    if (!args[0]) throw missingService(ctx.config, 'images web', IMAGES_USAGE);
    const service = resolveService(ctx.config, args[0], IMAGES_USAGE, ctx.channelId);
    return readParsed(ctx.config, { environment: service.environment, service }, flags, IMAGES_USAGE, {
      alias: service.alias,
      limit: flags.limit ?? DEFAULT_IMAGES,
    });
  },
  ackText(parsed, locale) {
    return M.in(locale)('ack', { service: code(parsed.args.alias), env: code(parsed.environment) });
  },
  async run(parsed, rt, inv) {
    const { runImages } = await import('./images.run');
    await runImages(parsed, rt, inv);
  },
});
