/**
 * `/ecs taskdef`: what a task definition runs, and what changes between two revisions. Pure.
 * Environment variables and secrets are shown by NAME only, never their values (nor a secret's
 * valueFrom): in a diff they are "added", "removed" or "changed"; everything else goes through the
 * change engine's diff rules (src/deploy/diff.ts: named lists keyed by name, secret-looking values hidden).
 */
import type { KnownBlock } from '@slack/types';
import type { ContainerDefinition, TaskDefinition } from '@aws-sdk/client-ecs';
import { diffObjects, renderDiff } from '../../deploy/diff';
import { registrationInput } from '../../deploy/taskdef';
import { defineMessages, type Locale } from '../../i18n';
import { context, header, section, type SlackMessage } from '../../slack/blocks';
import { code, codeBlock, escapeMrkdwn, oneLine } from '../../slack/text';
import { taskDefName } from './common';

const text = defineMessages('taskdef', {
  title: { en: '{alias}: {td}', ko: '{alias}: {td}', same: true },
  runsNow: { en: '(what the service runs now)', ko: '(서비스가 지금 실행하는 것)' },
  size: {
    en: '*Task size* {cpu} / {memory} · {network} · {compat} · {platform}',
    ko: '*작업 크기* {cpu} / {memory} · {network} · {compat} · {platform}',
  },
  roles: { en: '*Task role* {task} · *Execution role* {exec}', ko: '*작업 역할* {task} · *실행 역할* {exec}' },
  none: { en: '(none)', ko: '(없음)' },
  essential: { en: 'essential', ko: '필수' },
  optional: { en: 'not essential', ko: '필수 아님' },
  ports: { en: 'ports {ports}', ko: '포트 {ports}' },
  health: { en: 'health check {cmd}', ko: '상태 검사 {cmd}' },
  logs: { en: 'logs {driver} {where}', ko: '로그 {driver} {where}' },
  env: { en: 'env ({n}): {names}', ko: '환경 변수 ({n}): {names}' },
  secrets: { en: 'secrets ({n}): {names}', ko: '시크릿 ({n}): {names}' },
  namesOnly: {
    en: 'Environment variables and secrets are listed by name only; their values are never shown.',
    ko: '환경 변수와 시크릿은 이름만 표시하며 값은 절대 보여 주지 않습니다.',
  },
  diffTitle: { en: '{alias}: {a} → {b}', ko: '{alias}: {a} → {b}', same: true },
  noDiff: { en: 'The two revisions are the same (apart from registration details).', ko: '두 리비전은 같습니다(등록 정보 제외).' },
  added: { en: 'added', ko: '추가됨' },
  removed: { en: 'removed', ko: '삭제됨' },
  changed: { en: 'changed', ko: '변경됨' },
  fallback: { en: 'Task definition {td} of {alias}', ko: '{alias}의 작업 정의 {td}' },
  diffFallback: { en: 'Changes from {a} to {b} of {alias}', ko: '{alias}의 {a} → {b} 변경 사항' },
});

function mem(m: string | number | undefined): string {
  if (m === undefined) return '?';
  const n = Number(m);
  return n >= 1024 ? `${n / 1024} GB` : `${n} MB`;
}

function cpu(c: string | number | undefined): string {
  return c === undefined ? '?' : `${Number(c) / 1024} vCPU`;
}

function containerLines(c: ContainerDefinition, locale: Locale): string {
  const t = text.in(locale);
  const head = `*${escapeMrkdwn(c.name ?? '?')}* ${code(c.image ?? '?')} · ${t(c.essential === false ? 'optional' : 'essential')}${
    c.cpu || c.memory || c.memoryReservation
      ? ` · ${c.cpu ? cpu(c.cpu) : ''}${c.memory ? ` ${mem(c.memory)}` : c.memoryReservation ? ` ${mem(c.memoryReservation)}` : ''}`
      : ''
  }`;
  const lines = [head];
  const ports = (c.portMappings ?? []).map((p) => `${p.containerPort}${p.protocol ? `/${p.protocol}` : ''}${p.name ? ` (${p.name})` : ''}`);
  if (ports.length) lines.push(`   ${t('ports', { ports: code(ports.join(', ')) })}`);
  if (c.healthCheck?.command?.length) lines.push(`   ${t('health', { cmd: code(oneLine(c.healthCheck.command.join(' '), 200)) })}`);
  if (c.logConfiguration?.logDriver) {
    const o = c.logConfiguration.options ?? {};
    const where = o['awslogs-group']
      ? code(`${o['awslogs-group']}${o['awslogs-stream-prefix'] ? ` · ${o['awslogs-stream-prefix']}/…` : ''}`)
      : '';
    lines.push(`   ${t('logs', { driver: code(c.logConfiguration.logDriver), where })}`);
  }
  const env = (c.environment ?? []).map((e) => e.name ?? '?').sort();
  if (env.length) lines.push(`   ${t('env', { n: env.length, names: env.map((n) => code(n)).join(' ') })}`);
  const secrets = (c.secrets ?? []).map((e) => e.name ?? '?').sort();
  if (secrets.length) lines.push(`   ${t('secrets', { n: secrets.length, names: secrets.map((n) => code(n)).join(' ') })}`);
  return lines.join('\n');
}

export interface TaskdefView {
  alias: string;
  td: TaskDefinition;
  /** True when this is the revision the service runs. */
  current: boolean;
  locale: Locale;
}

export function taskdefMessage(v: TaskdefView): SlackMessage {
  const t = text.in(v.locale);
  const name = taskDefName(v.td.taskDefinitionArn);
  const td = v.td;
  const blocks: KnownBlock[] = [header(t('title', { alias: v.alias, td: name }))];
  const lines = [
    `${v.current ? `${t('runsNow')}\n` : ''}${t('size', {
      cpu: code(cpu(td.cpu)),
      memory: code(mem(td.memory)),
      network: code(td.networkMode ?? 'bridge'),
      compat: code((td.requiresCompatibilities ?? td.compatibilities ?? []).join(', ') || '?'),
      platform: code(`${td.runtimePlatform?.operatingSystemFamily ?? 'LINUX'}/${td.runtimePlatform?.cpuArchitecture ?? 'X86_64'}`),
    })}`,
    t('roles', {
      task: td.taskRoleArn ? code(td.taskRoleArn) : t('none'),
      exec: td.executionRoleArn ? code(td.executionRoleArn) : t('none'),
    }),
  ];
  blocks.push(section(lines.join('\n')));
  for (const c of td.containerDefinitions ?? []) blocks.push(section(containerLines(c, v.locale)));
  blocks.push(context(t('namesOnly')));
  return { text: t('fallback', { td: name, alias: v.alias }), blocks };
}

/** `…containerDefinitions[web].environment.NAME` or `.secrets.NAME`: a variable or secret, named. */
const NAMED_VALUE = /(?:^|\.|\])\.?(environment|secrets)\./;

/**
 * The lines of a diff between two task definitions: variables and secrets by name ("added",
 * "removed", "changed", never a value), every other field through src/deploy/diff.ts.
 */
export function taskdefDiffLines(a: TaskDefinition, b: TaskDefinition, locale: Locale): string {
  const t = text.in(locale);
  const entries = diffObjects(registrationInput(a), registrationInput(b));
  const named = entries.filter((e) => NAMED_VALUE.test(e.path));
  const other = entries.filter((e) => !NAMED_VALUE.test(e.path));
  const lines: string[] = [];
  if (other.length) lines.push(renderDiff(other));
  for (const e of named) {
    const what = e.before === undefined ? t('added') : e.after === undefined ? t('removed') : t('changed');
    lines.push(`${e.before === undefined ? '+' : e.after === undefined ? '-' : '~'} ${e.path} (${what})`);
  }
  return lines.join('\n');
}

export function taskdefDiffMessage(alias: string, a: TaskDefinition, b: TaskDefinition, locale: Locale): SlackMessage {
  const t = text.in(locale);
  const an = taskDefName(a.taskDefinitionArn);
  const bn = taskDefName(b.taskDefinitionArn);
  const diff = taskdefDiffLines(a, b, locale);
  const blocks: KnownBlock[] = [header(t('diffTitle', { alias, a: an, b: bn }))];
  blocks.push(section(diff ? codeBlock(diff, 2900) : t('noDiff')));
  blocks.push(context(t('namesOnly')));
  return { text: t('diffFallback', { a: an, b: bn, alias }), blocks };
}
