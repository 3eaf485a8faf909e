/**
 * `/ecs promote <service> [--from <environment>] [--reason "…"] [--at …] [--break-glass "…"] [--dry-run]`:
 * deploy to a service the image digest that last completed a healthy deployment upstream (promotion
 * order, release gate 1). The upstream is `--from`, else the environment's `gates.promotion.from`;
 * the upstream service is `services.<alias>.promoteFrom`, else the one there with the same ECR
 * repository. The record of healthy completions is the bot's own (src/deploy/promotion.ts). The
 * worker part (./promote.run.ts) reads it and makes the same plan and request as `/ecs deploy`.
 */
import * as z from 'zod';
import { badInput } from '../errors';
import { defineMessages } from '../i18n';
import { code, escapeMrkdwn } from '../slack/text';
import { closest } from './suggest';
import { changeBase, changeTarget, parseChange, parsedFor, type ChangeArgsBase } from './change-args';
import { defineCommand } from './types';

const USAGE = '/ecs promote <service> [--from <environment>] [--reason "…"] [--at <time> | next-window] [--break-glass "…"] [--dry-run]';
const SPEC = { verb: 'promote', usage: USAGE };

const text = defineMessages('commands.promote', {
  summary: {
    en: 'Deploy the image digest that last completed healthy upstream (e.g. staging → prod), through the same gates and approval as a deploy.',
    ko: '상위 환경(예: staging → prod)에서 마지막으로 정상 완료된 이미지 다이제스트를 배포와 같은 게이트와 승인을 거쳐 배포합니다.',
  },
  ack: {
    en: '{what} the image that completed healthy in `{from}` to {service} in `{env}`…',
    ko: '`{from}`에서 정상 완료된 이미지를 `{env}`의 {service} 서비스로 {what}…',
  },
  planning: { en: 'Planning (dry run) the promotion of', ko: '승격하는 계획을 세우는 중 (드라이 런)' },
  preparing: { en: 'Preparing the promotion of', ko: '승격할 준비 중' },
  noFrom: {
    en: 'Where from? `{env}` has no promotion gate, so say which environment the image comes from, e.g. `/ecs promote {service} --from {example}`.',
    ko: '어디에서 가져올까요? `{env}`에는 승격 게이트가 없으니 이미지를 가져올 환경을 지정하세요. 예: `/ecs promote {service} --from {example}`.',
  },
  noFromHint: {
    en: 'Or set `environments.{env}.gates.promotion.from` in chatops.yml.',
    ko: '또는 chatops.yml에 `environments.{env}.gates.promotion.from`을 설정하세요.',
  },
  fromMissing: {
    en: '`--from` needs the environment the image comes from, e.g. `/ecs promote {service} --from {example}`.',
    ko: '`--from`에는 이미지를 가져올 환경이 필요합니다. 예: `/ecs promote {service} --from {example}`.',
  },
  envList: { en: 'Environments: {list}.', ko: '환경 목록: {list}.' },
  didYouMean: { en: 'Did you mean {near}?', ko: '혹시 {near}인가요?' },
  unknownEnv: { en: '`{from}` is not an environment. Environments: {list}.', ko: '그런 환경이 없습니다: `{from}`. 환경 목록: {list}.' },
  sameEnv: {
    en: '{service} is in `{env}` itself; promote from another environment.',
    ko: '{service} 서비스는 이미 `{env}` 환경에 있습니다. 다른 환경에서 승격하세요.',
  },
  noRepository: {
    en: '{service} has no ECR repository configured, so there is no image to promote.',
    ko: '{service}에 ECR 저장소가 설정되어 있지 않아 승격할 이미지가 없습니다.',
  },
});

export interface PromoteArgs extends ChangeArgsBase {
  alias: string;
  from: string;
}

export const promote = defineCommand<PromoteArgs>({
  verb: 'promote',
  summary: text.lazy('summary'),
  usage: USAGE,
  examples: ['promote web', 'promote web --from staging --reason "release 1.2.3"', 'promote web --at next-window'],
  kind: 'change',
  booleanFlags: ['dry-run'],
  parse(raw, ctx) {
    const { args, flags } = parseChange(SPEC, raw, [{ what: 'theService', example: 'promote web' }], {
      from: z.union([z.string(), z.literal(true)]).optional(),
    });
    const svc = changeTarget(ctx, args[0]!, SPEC);
    const t = text.lazy;
    const envs = Object.keys(ctx.config.environments);
    const exampleFrom = envs.find((e) => e !== svc.environment) ?? 'staging';
    if (flags.from === true || flags.from?.trim() === '')
      throw badInput(
        t('fromMissing', { service: svc.alias, example: exampleFrom }),
        USAGE,
        t('envList', { list: envs.map((e) => code(e)).join(', ') }),
      );
    const from = flags.from?.trim().toLowerCase() ?? svc.env.gates.promotion?.from;
    if (!from) {
      throw badInput(
        t('noFrom', { env: svc.environment, service: svc.alias, example: exampleFrom }),
        USAGE,
        t('noFromHint', { env: svc.environment }),
      );
    }
    if (!ctx.config.environments[from]) {
      const near = closest(from, envs);
      throw badInput(
        t('unknownEnv', { from: escapeMrkdwn(from), list: envs.map((e) => code(e)).join(', ') }),
        USAGE,
        near.length ? t('didYouMean', { near: near.map((e) => `\`--from ${e}\``).join(', ') }) : undefined,
      );
    }
    if (from === svc.environment) throw badInput(t('sameEnv', { service: code(svc.alias), env: from }), USAGE);
    if (!svc.repository) throw badInput(t('noRepository', { service: code(svc.alias) }), USAGE);
    return parsedFor(svc, { alias: svc.alias, from, ...changeBase(flags, ctx, SPEC) });
  },
  // In the reader's language (the ack is theirs alone).
  ackText({ args: a, environment: env }, locale) {
    const t = text.in(locale);
    return t('ack', { what: t(a.dryRun ? 'planning' : 'preparing'), from: a.from, service: code(a.alias), env });
  },
  async run(parsed, rt, inv) {
    const { runPromote } = await import('./promote.run');
    await runPromote(parsed, rt, inv);
  },
});
