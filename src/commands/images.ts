/**
 * `/ecs images <service> [--limit N]`: the newest tags of the service's ECR repository, with
 * digest, push time, size, scan findings, and which one runs now. AWS part: ./images.run.ts.
 */
import { z } from 'zod';
import { code } from '../slack/text';
import { badInput } from '../errors';
import { parseRaw, resolveService, wholeNumber } from './args';
import { knownServices } from './logs';
import { defineCommand } from './types';

const IMAGES_USAGE = '/ecs images <service> [--limit N]';
const DEFAULT_IMAGES = 10;
const MAX_IMAGES = 30;

export interface ImagesArgs {
  alias: string;
  limit: number;
}

const schema = z.object({
  args: z.array(z.string()).max(1),
  flags: z
    .object({
      limit: z
        .string({ error: 'needs a number, e.g. `--limit 20`' })
        .pipe(wholeNumber('the image count', 1, MAX_IMAGES))
        .optional(),
    })
    .strict(),
});

export const images = defineCommand<ImagesArgs>({
  verb: 'images',
  summary: 'Recent images of a service in ECR: tag, digest, pushed, size, scan findings, and which one runs now.',
  usage: IMAGES_USAGE,
  examples: ['images web', 'images worker --limit 20'],
  kind: 'read',
  parse(raw, ctx) {
    const { args, flags } = parseRaw({ verb: 'images', usage: IMAGES_USAGE }, schema, raw, ['limit']);
    if (!args[0])
      throw badInput('Name the service whose images you want, e.g. `/ecs images web`.', IMAGES_USAGE, knownServices(ctx.config));
    const service = resolveService(ctx.config, args[0], IMAGES_USAGE);
    return { args: { alias: service.alias, limit: flags.limit ?? DEFAULT_IMAGES }, environment: service.environment, service };
  },
  ackText(parsed) {
    return `Looking up images of ${code(parsed.args.alias)} in ${code(parsed.environment)}…`;
  },
  async run(parsed, rt, inv) {
    const { runImages } = await import('./images.run');
    await runImages(parsed, rt, inv);
  },
});
