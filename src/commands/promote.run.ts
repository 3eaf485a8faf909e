/**
 * `/ecs promote`, worker part: the upstream service's last healthy completion (the bot's record,
 * src/deploy/promotion.ts) names the digest; from there it is a deploy of exactly that digest, with
 * the same plan, gates and approval.
 */
import type { Runtime } from '../runtime';
import type { Invocation } from '../slack/invocation';
import { BotError } from '../errors';
import { defineMessages } from '../i18n';
import { code } from '../slack/text';
import { slackDate } from '../slack/time';
import { planDeploy } from '../deploy/planner';
import { shortDigest } from '../deploy/refs';
import { lastHealthy } from '../deploy/promotion';
import { lastHealthyInEcs } from '../deploy/promotion.run';
import { submitPrepared } from './change.run';
import type { PromoteArgs } from './promote';
import type { Parsed } from './types';

const text = defineMessages('commands.promote.run', {
  noUpstream: {
    en: 'I do not know which service in `{from}` {service} is promoted from: no service there uses ECR repository `{repository}`.',
    ko: '{service} 서비스가 `{from}`의 어떤 서비스에서 승격되는지 알 수 없습니다: 그곳에 `{repository}` ECR 저장소를 쓰는 서비스가 없습니다.',
  },
  manyUpstream: {
    en: 'Several services in `{from}` use ECR repository `{repository}` ({list}), so I do not know which one {service} is promoted from.',
    ko: '`{from}`에서 여러 서비스가 `{repository}` ECR 저장소를 사용합니다 ({list}). {service} 서비스가 어느 서비스에서 승격되는지 알 수 없습니다.',
  },
  upstreamHint: {
    en: 'Name it with `services.{service}.promoteFrom` in chatops.yml.',
    ko: 'chatops.yml의 `services.{service}.promoteFrom`으로 지정하세요.',
  },
  noRecord: {
    en: '{upstream} in `{from}` has no completed deployment, neither in the bot’s record nor in ECS’s deployment history, so there is nothing to promote.',
    ko: '`{from}`의 {upstream}에는 봇의 기록에도 ECS 배포 기록에도 완료된 배포가 없어 승격할 것이 없습니다.',
  },
  noRecordHint: {
    en: 'Deploy it there first: `/ecs deploy {upstream} <tag>`.',
    ko: '먼저 그곳에 배포하세요: `/ecs deploy {upstream} <tag>`.',
  },
  notThere: {
    en: 'The image that completed healthy in `{from}` ({digest}) is not in `{repository}` in `{region}`, where `{env}` takes its images from.',
    ko: '`{from}`에서 정상 완료된 이미지({digest})가 `{env}` 환경이 이미지를 가져오는 `{region}`의 `{repository}`에 없습니다.',
  },
  notThereHint: {
    en: 'Copy it there (ECR replication) or push it, then promote again; `/ecs images {service}` shows what is there.',
    ko: 'ECR 복제나 푸시로 그곳에 올린 뒤 다시 승격하세요. 그곳에 있는 이미지는 `/ecs images {service}` 명령으로 볼 수 있습니다.',
  },
  otherRepository: {
    en: '{upstream} in `{from}` last completed with an image of `{got}`, not of {service}’s repository `{repository}`.',
    ko: '`{from}`의 {upstream} 서비스는 마지막으로 `{got}` 이미지로 완료되었으며, {service}의 저장소 `{repository}`의 이미지가 아닙니다.',
  },
  source: {
    en: 'Promoting the digest that {upstream} in `{from}` completed with ({at}).',
    ko: '`{from}`의 {upstream} 서비스가 {at}에 완료한 다이제스트를 승격합니다.',
  },
});

export async function runPromote(parsed: Parsed<PromoteArgs>, rt: Runtime, inv: Invocation): Promise<void> {
  const svc = parsed.service!;
  const { from } = parsed.args;
  // Refusals are the requester's alone (written in their language where they become a reply); the note is on the card.
  const t = text.lazy;
  const repository = svc.repository!;
  let upstream = svc.promoteFrom && rt.config.services[svc.promoteFrom]?.environment === from ? svc.promoteFrom : undefined;
  if (!upstream) {
    const candidates = Object.entries(rt.config.services)
      .filter(([, s]) => s.environment === from && s.repository === repository)
      .map(([alias]) => alias);
    const hint = t('upstreamHint', { service: svc.alias });
    if (!candidates.length) {
      throw new BotError('REFUSED', 'no upstream service', {
        userMessage: t('noUpstream', { from, service: code(svc.alias), repository }),
        hint,
      });
    }
    if (candidates.length > 1) {
      throw new BotError('REFUSED', 'several upstream services', {
        userMessage: t('manyUpstream', { from, repository, list: candidates.map((c) => code(c)).join(', '), service: code(svc.alias) }),
        hint,
      });
    }
    upstream = candidates[0]!;
  }
  // The bot's record and ECS's own history (deployments made by CI or in the console count too): the newer.
  const [bot, ecs] = await Promise.all([lastHealthy(rt, from, upstream), lastHealthyInEcs(rt, from, upstream)]);
  const record = !bot ? ecs : !ecs ? bot : ecs.digest !== bot.digest && ecs.at > bot.at ? ecs : bot;
  if (!record) {
    throw new BotError('NOT_FOUND', `no healthy record for ${from}/${upstream}`, {
      userMessage: t('noRecord', { upstream: code(upstream), from }),
      hint: t('noRecordHint', { upstream }),
    });
  }
  if (record.repository && record.repository !== repository) {
    throw new BotError('REFUSED', 'repository mismatch', {
      userMessage: t('otherRepository', { upstream: code(upstream), from, got: record.repository, service: code(svc.alias), repository }),
    });
  }
  // An upstream in another region or registry: say where the image is missing (not just a list of tags there).
  const prepared = await planDeploy(rt, svc, { digest: record.digest }).catch((err: unknown) => {
    if (!(err instanceof BotError && err.code === 'NOT_FOUND' && err.message.startsWith('image '))) throw err;
    throw new BotError('NOT_FOUND', `promoted digest not in ${repository} (${svc.env.region})`, {
      userMessage: t('notThere', {
        from,
        digest: code('sha256:' + shortDigest(record.digest)),
        repository,
        region: svc.env.region,
        env: svc.environment,
      }),
      hint: t('notThereHint', { service: svc.alias }),
      cause: err,
    });
  });
  prepared.notes.push(text.in(rt.config.slack.language)('source', { upstream: code(upstream), from, at: slackDate(record.at) }));
  await submitPrepared(rt, inv, prepared, { ...parsed.args, promoteFrom: from, promotedTag: record.tag });
}
