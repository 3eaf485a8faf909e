/**
 * `/ecs status <environment>`: one line per configured service, worst first, pure (the
 * single-service answer and the health rules are in ./status.ts).
 */
import type { KnownBlock } from '@slack/types';
import type { Failure, Service, TaskDefinition } from '@aws-sdk/client-ecs';
import type { GuardInfo } from '../../approvals/guards';
import { serviceUrl } from '../../aws/console';
import { shortDigest } from '../../deploy/refs';
import { context, header, section, type SlackMessage } from '../../slack/blocks';
import { code, escapeMrkdwn, link, plural } from '../../slack/text';
import { parseImage, sectionsOf, taskDefName, utcTime } from './common';
import { containerImage, guardLines, HEALTH_MARK, HEALTH_WORD, healthOf, type Health } from './status';

export interface EnvironmentRow {
  alias: string;
  serviceName: string;
  container: string;
  service?: Service;
  failure?: Failure;
  taskDefinition?: TaskDefinition;
  lock?: GuardInfo;
}

interface EnvironmentStatusInput {
  environment: string;
  cluster: string;
  region: string;
  rows: readonly EnvironmentRow[];
  frozen?: GuardInfo;
  guardsUnavailable?: boolean;
  now: number;
}

function environmentRowHealth(row: EnvironmentRow): Health {
  if (!row.service) return 'missing';
  return healthOf(row.service);
}

/** Above this many services the per-line console links (~120 characters each) are left out so more lines fit. */
const LINKS_UP_TO = 30;

function environmentLine(row: EnvironmentRow, region: string, cluster: string, withLink: boolean): string {
  const health = environmentRowHealth(row);
  const nameLink = withLink ? link(serviceUrl(region, cluster, row.serviceName), row.alias) : escapeMrkdwn(row.alias);
  if (!row.service) {
    const reason = row.failure?.reason ?? 'MISSING';
    return `${HEALTH_MARK[health]} *${nameLink}* — not found in cluster ${code(cluster)} (${escapeMrkdwn(reason)}): check \`services.${escapeMrkdwn(row.alias)}.service\``;
  }
  const s = row.service;
  const img = parseImage(containerImage(row.taskDefinition, row.container));
  const imgText = img.tag ? code(img.tag) : img.digest ? code('@' + shortDigest(img.digest)) : '_image unknown_';
  const pending = s.pendingCount ? `, ${s.pendingCount} pending` : '';
  const lock = row.lock ? ' :lock:' : '';
  return `${HEALTH_MARK[health]} *${nameLink}* ${HEALTH_WORD[health]} · ${s.runningCount ?? 0}/${s.desiredCount ?? 0} running${pending} · ${imgText} · ${code(taskDefName(s.taskDefinition))}${lock}`;
}

export function environmentStatusMessage(input: EnvironmentStatusInput): SlackMessage {
  const { now } = input;
  const blocks: KnownBlock[] = [header(`${input.environment}: ${plural(input.rows.length, 'service')}`)];
  const counts = new Map<Health, number>();
  for (const r of input.rows) counts.set(environmentRowHealth(r), (counts.get(environmentRowHealth(r)) ?? 0) + 1);
  const order: Health[] = ['down', 'failed', 'degraded', 'deploying', 'missing', 'inactive', 'idle', 'steady'];
  const tally = order.filter((h) => counts.get(h)).map((h) => `${HEALTH_MARK[h]} ${counts.get(h)} ${HEALTH_WORD[h]}`);
  const top: string[] = [];
  if (input.frozen) top.push(...guardLines({ frozen: input.frozen }, input.environment, now));
  if (tally.length) top.push(tally.join('   '));
  if (top.length) blocks.push(section(top.join('\n')));

  if (input.rows.length === 0) {
    blocks.push(section(`No services are configured for ${code(input.environment)}. Add them under \`services:\` in chatops.yml.`));
  } else {
    // Worst first, then by name, so trouble is at the top of a long list.
    const rank = new Map(order.map((h, i) => [h, i]));
    const rows = [...input.rows].sort(
      (a, b) => rank.get(environmentRowHealth(a))! - rank.get(environmentRowHealth(b))! || a.alias.localeCompare(b.alias),
    );
    blocks.push(...sectionsOf(rows.map((r) => environmentLine(r, input.region, input.cluster, rows.length <= LINKS_UP_TO))));
  }
  const ctx = [
    `cluster ${code(input.cluster)} in ${code(input.region)} · as of ${utcTime(now)} UTC · \`/ecs status &lt;service&gt;\` for details`,
  ];
  if (input.guardsUnavailable) ctx.push(':warning: Lock and freeze state unavailable (the bot cannot reach Redis).');
  blocks.push(context(...ctx));
  const bad = input.rows.filter((r) => ['down', 'failed', 'degraded', 'missing'].includes(environmentRowHealth(r))).length;
  return { text: `${input.environment}: ${input.rows.length} services${bad ? `, ${bad} need attention` : ', all healthy'}`, blocks };
}
