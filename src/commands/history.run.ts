/**
 * The worker part of `/ecs history`: read the service's audit stream and the requests still on
 * record (Redis), ECS's service deployments and their revisions (task definition, image), merge
 * them (src/approvals/history.ts) and answer. Either source may fail: the answer then says what
 * is missing instead of failing as a whole.
 */
import type { ServiceDeploymentBrief, ServiceRevision } from '@aws-sdk/client-ecs';
import { readAudit } from '../approvals/audit';
import { historyMessage, mergeHistory, runsFromAudit, type BotRun, type EcsDeploymentRow } from '../approvals/history';
import { keys } from '../redis/keys';
import { getRequests } from '../approvals/workflow';
import { describeServiceRevisions, listServiceDeployments } from '../aws/ecs-write';
import { splitImage } from '../deploy/refs';
import { isBotError } from '../errors';
import { awsActions, awsError, isUnavailableApi } from '../aws/errors';
import type { Runtime } from '../runtime';
import type { HistoryArgs } from './history';
import { pipelineBySlot } from '../redis/slots';
import { answer, audienceOf } from './readers.run';
import { defineMessages } from '../i18n/catalog';
import type { Locale } from '../i18n/locale';

const M = defineMessages('commands.history.run', {
  noAudit: {
    en: "The bot's audit trail could not be read (Redis is unreachable), so who asked and who approved is missing and no deployment can be attributed to the bot.",
    ko: '봇의 감사 기록을 읽지 못해(Redis에 연결할 수 없음) 요청자와 승인자가 빠졌고, 어느 배포가 봇의 것인지 알 수 없습니다.',
  },
  noRevisions: {
    en: "ECS did not describe the deployments' revisions, so their task definitions and images are missing: {why}",
    ko: 'ECS가 배포의 리비전을 알려 주지 않아 작업 정의와 이미지가 빠졌습니다: {why}',
  },
  noEcsListDenied: {
    en: "ECS's own deployment list is not available to the bot here (AWS denied `ecs:ListServiceDeployments` to the bot's role), so this shows the bot's own changes only.",
    ko: '이 환경에서는 봇이 ECS의 배포 목록을 볼 수 없어(AWS가 봇 역할에 `ecs:ListServiceDeployments`를 거부함) 봇이 한 변경만 보여 줍니다.',
  },
  noEcsListApi: {
    en: "ECS's own deployment list is not available to the bot here (`ListServiceDeployments`), so this shows the bot's own changes only.",
    ko: '이 환경에서는 봇이 ECS의 배포 목록(`ListServiceDeployments`)을 쓸 수 없어 봇이 한 변경만 보여 줍니다.',
  },
  noEcsList: {
    en: "ECS's own deployment list could not be read, so deployments made outside the bot are not shown: {why}",
    ko: 'ECS의 배포 목록을 읽지 못해 봇 밖에서 한 배포는 보여 주지 못합니다: {why}',
  },
});
import type { Parsed } from './types';
import type { Invocation } from '../slack/invocation';

/** Audit entries read per requested row (a request writes about 4–8 entries). */
const ENTRIES_PER_ROW = 12;

/** Why a read failed, for a note: the classified answer (src/aws/errors.ts), never the SDK's own text. */
function reasonOf(err: unknown, locale: Locale): string {
  return isBotError(err)
    ? err.userMessageIn(locale)
    : awsError(err, { action: awsActions.lazy('readDeploymentHistory') }).userMessageIn(locale);
}

/** ECS ids the bot marked as its own (one GET each: the keys live in different slots). */
async function botMarks(rt: Runtime, ids: readonly string[]): Promise<Map<string, string>> {
  const marks = new Map<string, string>();
  if (!ids.length) return marks;
  const res = await pipelineBySlot(rt.redis, ids, keys.botDeployment, (pipe, id) => pipe.get(keys.botDeployment(id)));
  ids.forEach((id, i) => {
    const [err, val] = res[i] ?? [];
    if (!err && typeof val === 'string' && val) marks.set(id, val);
  });
  return marks;
}

function toDeploymentRow(b: ServiceDeploymentBrief, revisions: ReadonlyMap<string, ServiceRevision>, container: string): EcsDeploymentRow {
  const rev = b.targetServiceRevisionArn ? revisions.get(b.targetServiceRevisionArn) : undefined;
  const img = rev?.containerImages?.find((c) => c.containerName === container) ?? rev?.containerImages?.[0];
  // The task definition's image names a tag, the revision records the digest it named then: both are shown.
  const { repository, tag, digest } = splitImage(img?.image);
  const image = img?.imageDigest && img.image && !digest ? `${repository}@${img.imageDigest}` : img?.image;
  return {
    id: b.serviceDeploymentArn ?? '',
    ...(b.createdAt ? { createdAt: b.createdAt.getTime() } : b.startedAt ? { createdAt: b.startedAt.getTime() } : {}),
    ...(b.finishedAt ? { finishedAt: b.finishedAt.getTime() } : {}),
    status: b.status ?? 'UNKNOWN',
    ...(b.statusReason ? { statusReason: b.statusReason } : {}),
    ...(rev?.taskDefinition ? { taskDefinition: rev.taskDefinition } : {}),
    ...(image ? { image } : {}),
    ...(tag ? { tag } : {}),
  };
}

export async function runHistory(parsed: Parsed<HistoryArgs>, rt: Runtime, inv: Invocation): Promise<void> {
  const svc = parsed.service!;
  const { alias, limit } = parsed.args;
  const log = rt.log.child({ invocation: inv.id, verb: 'history', service: alias });
  const audience = await audienceOf(rt, inv, parsed);
  const t = M.in(audience.locale);
  const notes: string[] = [];

  let runs: BotRun[] = [];
  const redisAvailable = await (async () => {
    try {
      const entries = await readAudit(rt.redis, parsed.environment, { service: alias, limit: Math.min(1000, limit * ENTRIES_PER_ROW) });
      const ids = [...new Set(entries.map((e) => e.requestId).filter(Boolean))];
      runs = runsFromAudit(entries, await getRequests(rt.redis, ids));
      return true;
    } catch (err) {
      log.warn('history: audit trail unreadable', { err });
      notes.push(t('noAudit'));
      return false;
    }
  })();

  let deployments: EcsDeploymentRow[] = [];
  try {
    const ecs = rt.aws.ecs(svc.env.region, svc.env);
    const briefs = await listServiceDeployments(ecs, svc.env.cluster, svc.service, Math.min(100, limit + 10));
    const revArns = [...new Set(briefs.map((b) => b.targetServiceRevisionArn).filter((a): a is string => Boolean(a)))];
    const revisions = new Map<string, ServiceRevision>();
    try {
      for (const r of await describeServiceRevisions(ecs, revArns)) if (r.serviceRevisionArn) revisions.set(r.serviceRevisionArn, r);
    } catch (err) {
      log.warn('history: service revisions unreadable', { err });
      notes.push(t('noRevisions', { why: reasonOf(err, audience.locale) }));
    }
    deployments = briefs.map((b) => toDeploymentRow(b, revisions, svc.container)).filter((d) => d.id);
  } catch (err) {
    log.warn('history: ECS deployment list unreadable', { err });
    notes.push(
      isBotError(err) && err.code === 'AWS_ACCESS_DENIED'
        ? t('noEcsListDenied')
        : isUnavailableApi(err)
          ? t('noEcsListApi')
          : t('noEcsList', { why: reasonOf(err, audience.locale) }),
    );
  }

  let marks = new Map<string, string>();
  if (redisAvailable && deployments.length) {
    marks = await botMarks(
      rt,
      deployments.map((d) => d.id),
    ).catch(() => new Map<string, string>());
  }
  const rows = mergeHistory(runs, deployments, marks, rt.now(), limit);
  await answer(
    rt,
    inv,
    historyMessage(
      { service: alias, environment: parsed.environment, rows, limit, notes, now: rt.now(), auditAvailable: redisAvailable },
      audience.locale,
    ),
    audience,
  );
}
