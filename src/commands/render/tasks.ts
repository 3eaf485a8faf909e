/**
 * `/ecs tasks`: one line per task, pure. Running tasks: short id, revision, image tag, started,
 * health, zone, private IP, CPU/memory, Fargate / Fargate Spot / EC2. Stopped tasks: stop code,
 * reason and exit codes, what a failed stop means in plain words (once per meaning), each with a
 * Logs button (`/ecs logs <service> --task <id>` as the clicker).
 */
import type { KnownBlock } from '@slack/types';
import type { Task } from '@aws-sdk/client-ecs';
import { shortDigest } from '../../deploy/refs';
import { defineMessages, type Locale } from '../../i18n';
import { actions, context, header, section, type SlackMessage } from '../../slack/blocks';
import { commandButton } from '../../slack/command-button';
import { code, escapeMrkdwn, oneLine } from '../../slack/text';
import { stoppedTaskExplanation } from '../../aws/task-stop-explain';
import { slackDate } from '../../slack/time';
import { shortTaskId } from '../../aws/arn';
import { parseImage, sectionsOf, taskDefName } from './common';

const text = defineMessages('tasks', {
  title: { en: '{alias}: {n} {state} {n|task|tasks}', ko: '{alias}: {state} 작업 {n}개' },
  running: { en: 'running', ko: '실행 중인' },
  stopped: { en: 'stopped', ko: '중지된' },
  none: { en: 'No {state} tasks of {alias} right now.', ko: '지금 {alias}의 {state} 작업이 없습니다.' },
  noneStopped: {
    en: 'No stopped tasks of {alias}: ECS keeps stopped tasks for about an hour.',
    ko: '{alias}의 중지된 작업이 없습니다. ECS는 중지된 작업을 약 1시간만 보관합니다.',
  },
  started: { en: 'started {when}', ko: '{when} 시작' },
  stoppedAt: { en: 'stopped {when}', ko: '{when} 중지' },
  exit: { en: 'exit {code}', ko: '종료 코드 {code}' },
  more: { en: '{shown} of {total} shown (`--limit` for more).', ko: '{total}개 중 {shown}개 표시(더 보려면 `--limit`).' },
  logs: { en: 'Logs {id}', ko: '로그 {id}' },
  footer: {
    en: '{cluster} in {region} · `/ecs logs {alias} --task <id>` for a task’s lines',
    ko: '{region}의 {cluster} · 작업 로그는 `/ecs logs {alias} --task <id>`',
  },
  fallback: { en: '{alias}: {n} {state} tasks', ko: '{alias}: {state} 작업 {n}개' },
});

/** Fargate, Fargate Spot, EC2 (or the capacity provider's own name). */
export function capacityOf(t: Pick<Task, 'capacityProviderName' | 'launchType'>): string {
  const cp = t.capacityProviderName;
  if (cp === 'FARGATE') return 'Fargate';
  if (cp === 'FARGATE_SPOT') return 'Fargate Spot';
  if (cp) return cp;
  return t.launchType === 'EC2' ? 'EC2' : t.launchType === 'FARGATE' ? 'Fargate' : (t.launchType ?? '?');
}

/** The task's private IPv4 address (awsvpc: the ENI attachment; else a container's network interface). */
export function privateIpOf(t: Pick<Task, 'attachments' | 'containers'>): string | undefined {
  for (const a of t.attachments ?? []) {
    const ip = a.details?.find((d) => d.name === 'privateIPv4Address')?.value;
    if (ip) return ip;
  }
  return t.containers?.flatMap((c) => c.networkInterfaces ?? []).find((n) => n.privateIpv4Address)?.privateIpv4Address;
}

function imageOf(t: Task, container: string): string {
  const c = t.containers?.find((x) => x.name === container) ?? t.containers?.[0];
  const ref = parseImage(c?.image);
  if (ref.tag) return code(ref.tag);
  if (ref.digest ?? c?.imageDigest) return code('@' + shortDigest(ref.digest ?? c?.imageDigest));
  return '`?`';
}

function size(t: Task): string {
  const cpu = t.cpu ? `${Number(t.cpu) / 1024} vCPU` : '? vCPU';
  const mem = t.memory ? `${Number(t.memory) >= 1024 ? `${Number(t.memory) / 1024} GB` : `${t.memory} MB`}` : '? GB';
  return `${cpu} / ${mem}`;
}

export interface TasksView {
  alias: string;
  serviceName: string;
  container: string;
  cluster: string;
  region: string;
  stopped: boolean;
  tasks: Task[];
  /** How many tasks ECS listed (before --limit). */
  total: number;
  locale: Locale;
  now: number;
}

function runningLine(t: Task, v: TasksView): string {
  const tt = text.in(v.locale);
  const health = t.healthStatus && t.healthStatus !== 'UNKNOWN' ? t.healthStatus.toLowerCase() : t.lastStatus?.toLowerCase();
  const parts = [
    `*${code(shortTaskId(t.taskArn))}*`,
    code(taskDefName(t.taskDefinitionArn).split(':').pop() ? `rev ${taskDefName(t.taskDefinitionArn).split(':').pop()}` : '?'),
    imageOf(t, v.container),
    t.startedAt ? tt('started', { when: slackDate(t.startedAt.getTime()) }) : (t.lastStatus?.toLowerCase() ?? ''),
    health ?? '',
    t.availabilityZone ?? '',
    privateIpOf(t) ? code(privateIpOf(t)!) : '',
    size(t),
    capacityOf(t),
  ];
  return '• ' + parts.filter(Boolean).join(' · ');
}

/**
 * A stopped task: ECS's words, then what the stop means in plain words as alerts say it
 * (stoppedTaskExplanation) when not said for an earlier task of the list (`said`); routine stops get none.
 */
function stoppedLine(t: Task, v: TasksView, said: Set<string>): string {
  const tt = text.in(v.locale);
  const exits = (t.containers ?? [])
    .filter((c) => c.exitCode !== undefined && c.exitCode !== null)
    .map((c) => `${c.name}: ${tt('exit', { code: String(c.exitCode) })}${c.reason ? ` (${oneLine(c.reason, 120)})` : ''}`);
  const parts = [
    `*${code(shortTaskId(t.taskArn))}*`,
    code(`rev ${taskDefName(t.taskDefinitionArn).split(':').pop() ?? '?'}`),
    imageOf(t, v.container),
    t.stoppedAt ? tt('stoppedAt', { when: slackDate(t.stoppedAt.getTime()) }) : '',
    t.stopCode ? code(t.stopCode) : '',
    t.stoppedReason ? oneLine(t.stoppedReason, 200) : '',
    exits.join(', '),
  ];
  const means = stoppedTaskExplanation(t, v.locale, v.alias);
  const meansLine = means && !said.has(means) ? `\n      ${escapeMrkdwn(means)}` : '';
  if (means) said.add(means);
  return '• ' + parts.filter(Boolean).join(' · ') + meansLine;
}

export function tasksMessage(v: TasksView): SlackMessage {
  const tt = text.in(v.locale);
  const state = tt(v.stopped ? 'stopped' : 'running');
  const blocks: KnownBlock[] = [header(tt('title', { alias: v.alias, n: v.total, state }))];
  if (!v.tasks.length) {
    blocks.push(section(v.stopped ? tt('noneStopped', { alias: code(v.alias) }) : tt('none', { state, alias: code(v.alias) })));
  } else {
    const said = new Set<string>();
    const lines = v.tasks.map((t) => (v.stopped ? stoppedLine(t, v, said) : runningLine(t, v)));
    blocks.push(...sectionsOf(lines));
    if (v.stopped) {
      // One Logs button per stopped task (at most 5 per actions block, 25 per message by Slack's rules).
      const buttons = v.tasks.slice(0, 20).map((t) =>
        commandButton(tt('logs', { id: shortTaskId(t.taskArn) }), `logs ${v.alias} --task ${shortTaskId(t.taskArn)}`, {
          key: shortTaskId(t.taskArn),
        }),
      );
      for (let i = 0; i < buttons.length; i += 5) blocks.push(actions(`tasks:logs:${i}`, buttons.slice(i, i + 5)));
    }
  }
  const ctx = [tt('footer', { cluster: code(v.cluster), region: code(v.region), alias: v.alias })];
  if (v.total > v.tasks.length) ctx.unshift(tt('more', { shown: v.tasks.length, total: v.total }));
  blocks.push(context(...ctx));
  return { text: tt('fallback', { alias: v.alias, n: v.total, state }), blocks };
}
