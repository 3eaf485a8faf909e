/**
 * `/ecs deploy <service> <tag | sha256:digest> [--reason "…"] [--dry-run]`: deploy an ECR image to a
 * service. The tag is validated here, before any AWS call; the worker part (./deploy.run.ts)
 * resolves it to a digest, makes the plan and either shows it (--dry-run) or requests approval.
 */
import { code } from '../slack/text';
import { badInput } from '../errors';
import { defineMessages } from '../i18n/catalog';
import { parsedFor, parseServiceAndValue, type ChangeArgsBase } from './change-args';
import { parseImageSelector, shortDigest, type ImageSelector } from '../deploy/refs';
import { defineCommand } from './types';

const USAGE = '/ecs deploy <service> <tag | sha256:digest> [--reason "…"] [--at <time> | next-window] [--break-glass "…"] [--dry-run]';
const SPEC = { verb: 'deploy', usage: USAGE };

const M = defineMessages('commands.deploy', {
  summary: {
    en: 'Deploy an image (tag or digest) from the service’s ECR repository; approval per environment.',
    ko: '서비스의 ECR 리포지토리에 있는 이미지(태그나 다이제스트)를 배포합니다. 환경별로 승인을 받습니다.',
  },
  selectorHint: {
    en: 'Tags look like `v1.2.3` or `main-4f2a9c1`; digests like `sha256:` + 64 hex characters.',
    ko: '태그는 `v1.2.3`, `main-4f2a9c1` 같은 형태이고, 다이제스트는 `sha256:` 뒤에 16진수 64자입니다.',
  },
  noRepository: {
    en: "{service} has no ECR repository configured, so I don't know where to find {ref}.",
    ko: '{service}에 ECR 리포지토리가 설정되어 있지 않아 {ref} 이미지를 어디서 찾을지 모릅니다.',
  },
  noRepositoryHint: {
    en: 'Set `services.{service}.repository` in chatops.yml (the repository name, e.g. `team/web`).',
    ko: 'chatops.yml에 `services.{service}.repository`를 설정하세요 (리포지토리 이름, 예: `team/web`).',
  },
  ackDryRun: {
    en: 'Planning (dry run) the deploy of {service} to {ref} in {env}…',
    ko: '{env}에서 {service} 서비스를 {ref} 이미지로 배포하는 계획을 세우는 중 (드라이 런)…',
  },
  ack: { en: 'Preparing the deploy of {service} to {ref} in {env}…', ko: '{env}에서 {service} 서비스를 {ref} 이미지로 배포할 준비 중…' },
});

export interface DeployArgs extends ChangeArgsBase {
  alias: string;
  image: ImageSelector;
}

export const deploy = defineCommand<DeployArgs>({
  verb: 'deploy',
  summary: M.lazy('summary'),
  usage: USAGE,
  examples: ['deploy web v1.2.3 --reason "checkout fix"', 'deploy web-staging main-4f2a9c1', 'deploy web v1.2.3 --dry-run'],
  kind: 'change',
  booleanFlags: ['dry-run'],
  parse(raw, ctx) {
    const { svc, value, base } = parseServiceAndValue(SPEC, raw, ctx, { what: 'theImage', sample: 'v1.2.3' }, (text, target) => {
      const sel = parseImageSelector(text);
      if (!sel.ok) throw badInput(sel.message, USAGE, M.lazy('selectorHint'));
      if (!target.repository) {
        throw badInput(
          M.lazy('noRepository', { service: code(target.alias), ref: code(text) }),
          USAGE,
          M.lazy('noRepositoryHint', { service: target.alias }),
        );
      }
      return sel.value;
    });
    return parsedFor(svc, { alias: svc.alias, image: value, ...base });
  },
  ackText(parsed, locale) {
    const ref = parsed.args.image.tag ?? `sha256:${shortDigest(parsed.args.image.digest)}`;
    return M.in(locale)(parsed.args.dryRun ? 'ackDryRun' : 'ack', {
      service: code(parsed.args.alias),
      ref: code(ref),
      env: code(parsed.environment),
    });
  },
  async run(parsed, rt, inv) {
    const { runDeploy } = await import('./deploy.run');
    await runDeploy(parsed, rt, inv);
  },
});
