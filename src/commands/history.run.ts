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
import { isBotError } from '../errors';
import { awsError, isUnavailableApi } from '../aws/errors';
import type { Runtime } from '../runtime';
import type { HistoryArgs } from './history';
import { pipelineBySlot } from '../redis/slots';
import { answer } from './readers.run';
import type { Parsed } from './types';
import type { Invocation } from '../slack/invocation';

/** Audit entries read per requested row (a request writes about 4–8 entries). */
const ENTRIES_PER_ROW = 12;

/** Why a read failed, for a note: the classified answer (src/aws/errors.ts), never the SDK's own text. */
function reasonOf(err: unknown): string {
  return isBotError(err) ? err.userMessage : awsError(err, { action: 'read the deployment history' }).userMessage;
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
  const image =
    img?.imageDigest && img.image && !img.image.includes('@') ? `${img.image.replace(/:[^/:]+$/, '')}@${img.imageDigest}` : img?.image;
  return {
    id: b.serviceDeploymentArn ?? '',
    ...(b.createdAt ? { createdAt: b.createdAt.getTime() } : b.startedAt ? { createdAt: b.startedAt.getTime() } : {}),
    ...(b.finishedAt ? { finishedAt: b.finishedAt.getTime() } : {}),
    status: b.status ?? 'UNKNOWN',
    ...(b.statusReason ? { statusReason: b.statusReason } : {}),
    ...(rev?.taskDefinition ? { taskDefinition: rev.taskDefinition } : {}),
    ...(image ? { image } : {}),
  };
}

export async function runHistory(parsed: Parsed<HistoryArgs>, rt: Runtime, inv: Invocation): Promise<void> {
  const svc = parsed.service!;
  const { alias, limit } = parsed.args;
  const log = rt.log.child({ invocation: inv.id, verb: 'history', service: alias });
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
      notes.push(
        "The bot's audit trail could not be read (Redis is unreachable), so who asked and who approved is missing and no deployment can be attributed to the bot.",
      );
      return false;
    }
  })();

  let deployments: EcsDeploymentRow[] = [];
  try {
    const ecs = rt.aws.ecs(svc.env.region);
    const briefs = await listServiceDeployments(ecs, svc.env.cluster, svc.service, Math.min(100, limit + 10));
    const revArns = [...new Set(briefs.map((b) => b.targetServiceRevisionArn).filter((a): a is string => Boolean(a)))];
    const revisions = new Map<string, ServiceRevision>();
    try {
      for (const r of await describeServiceRevisions(ecs, revArns)) if (r.serviceRevisionArn) revisions.set(r.serviceRevisionArn, r);
    } catch (err) {
      log.warn('history: service revisions unreadable', { err });
      notes.push(`ECS did not describe the deployments' revisions, so their task definitions and images are missing: ${reasonOf(err)}`);
    }
    deployments = briefs.map((b) => toDeploymentRow(b, revisions, svc.container)).filter((d) => d.id);
  } catch (err) {
    log.warn('history: ECS deployment list unreadable', { err });
    notes.push(
      isBotError(err) && err.code === 'AWS_ACCESS_DENIED'
        ? "ECS's own deployment list is not available to the bot here (AWS denied `ecs:ListServiceDeployments` to the bot's role), so this shows the bot's own changes only."
        : isUnavailableApi(err)
          ? "ECS's own deployment list is not available to the bot here (`ListServiceDeployments`), so this shows the bot's own changes only."
          : `ECS's own deployment list could not be read, so deployments made outside the bot are not shown: ${reasonOf(err)}`,
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
    historyMessage({
      service: alias,
      environment: parsed.environment,
      rows,
      limit,
      notes,
      now: rt.now(),
      auditAvailable: redisAvailable,
      locale: rt.config.slack.language,
    }),
  );
}
