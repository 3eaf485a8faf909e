/**
 * `/ecs deploy <service> <tag | sha256:digest> [--reason "…"] [--dry-run]`: deploy an ECR image to a
 * service. The tag is validated here, before any AWS call; the worker part (./deploy.run.ts)
 * resolves it to a digest, makes the plan and either shows it (--dry-run) or requests approval.
 */
import { code } from '../slack/text';
import { badInput } from '../errors';
import { changeBase, changeTarget, parseChange, parsedFor, type ChangeArgsBase } from './change-args';
import { parseImageSelector, shortDigest, type ImageSelector } from '../deploy/refs';
import { defineCommand } from './types';

const USAGE = '/ecs deploy <service> <tag | sha256:digest> [--reason "…"] [--at <time> | next-window] [--break-glass "…"] [--dry-run]';
const SPEC = { verb: 'deploy', usage: USAGE };

export interface DeployArgs extends ChangeArgsBase {
  alias: string;
  image: ImageSelector;
}

export const deploy = defineCommand<DeployArgs>({
  verb: 'deploy',
  summary: 'Deploy an image (tag or digest) from the service’s ECR repository; approval per environment.',
  usage: USAGE,
  examples: ['deploy web v1.2.3 --reason "checkout fix"', 'deploy web-staging main-4f2a9c1', 'deploy web v1.2.3 --dry-run'],
  kind: 'change',
  booleanFlags: ['dry-run'],
  parse(raw, ctx) {
    const { args, flags } = parseChange(
      SPEC,
      raw,
      [
        { what: 'the service', example: 'deploy web v1.2.3' },
        { what: 'the image tag or digest', example: `deploy ${raw.positionals[0] ?? 'web'} v1.2.3` },
      ],
      {},
    );
    const svc = changeTarget(ctx, args[0]!, SPEC);
    const sel = parseImageSelector(args[1]!);
    if (!sel.ok)
      throw badInput(sel.message, USAGE, 'Tags look like `v1.2.3` or `main-4f2a9c1`; digests like `sha256:` + 64 hex characters.');
    if (!svc.repository) {
      throw badInput(
        `${code(svc.alias)} has no ECR repository configured, so I don't know where to find ${code(args[1]!)}.`,
        USAGE,
        `Set \`services.${svc.alias}.repository\` in chatops.yml (the repository name, e.g. \`team/web\`).`,
      );
    }
    return parsedFor(svc, { alias: svc.alias, image: sel.value, ...changeBase(flags, ctx, SPEC) });
  },
  ackText(parsed) {
    const ref = parsed.args.image.tag ?? `sha256:${shortDigest(parsed.args.image.digest)}`;
    const what = parsed.args.dryRun ? 'Planning (dry run)' : 'Preparing';
    return `${what} the deploy of ${code(parsed.args.alias)} to ${code(ref)} in ${code(parsed.environment)}…`;
  },
  async run(parsed, rt, inv) {
    const { runDeploy } = await import('./deploy.run');
    await runDeploy(parsed, rt, inv);
  },
});
