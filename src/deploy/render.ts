/**
 * What the change verbs say in Slack before a change runs, as pure builders: the change line and
 * the checks of the request message (one line each, the full plan behind its Details button), the
 * dry-run and "requested" answers. The status card and the milestones of a running change, which
 * only the worker side posts, are ./card.ts (kept out of the Slack function's bundle). All text
 * from AWS or people is escaped. Each builder takes the language it writes in: the workspace's for
 * what goes to the channel, the reader's for what only they see.
 */
import type { KnownBlock } from '@slack/types';
import { context, section, type SlackMessage } from '../slack/blocks';
import { code, codeBlock, link, notificationText, truncate, verbTitle } from '../slack/text';
import { formatDuration } from '../i18n';
import { defineMessages, tokenText } from '../i18n/catalog';
import type { Locale } from '../i18n/locale';
import { countsText, type ChangePlan, type PlanChecks } from './plan';
import { shortDigest, shortImage, splitImage, withoutRegistry } from './refs';
import { arnTail } from '../aws/arn';
import { imageCheckLine, sameImagesLine } from './rollback-policy';

/** submitRequest's limit for the summary. */
export const SUMMARY_MAX = 2500;

export const ABORT_ACTION_ID = 'deploy:abort';

export const renderText = defineMessages('deploy.render', {
  // The change line and the checks of the request message.
  scaleChange: { en: '{service}: {from} → {to} {to|task|tasks}', ko: '{service}: 작업 {from}개 → {to}개' },
  restartChange: { en: '{service}: all {n} {n|task|tasks} replaced ({td})', ko: '{service}: 작업 {n}개 모두 교체 ({td})' },
  sourceHistory: { en: 'what ran before the last deploy', ko: '마지막 배포 전에 실행하던 버전' },
  sourceExplicit: { en: 'asked for with --to', ko: '--to로 지정' },
  sourceInProgress: { en: 'what ran before the rollout in progress', ko: '진행 중인 롤아웃 전에 실행하던 버전' },
  scanClean: {
    en: ':white_check_mark: Scan: no critical or high findings{rest}',
    ko: ':white_check_mark: 스캔: 심각·높음 등급 없음{rest}',
  },
  scanFindings: { en: ':warning: Scan: {findings}', ko: ':warning: 스캔: {findings}' },
  scanNone: { en: ':grey_question: Scan: not scanned', ko: ':grey_question: 스캔: 스캔 안 됨' },
  scanRunning: { en: ':hourglass: Scan: in progress', ko: ':hourglass: 스캔: 진행 중' },
  scanOther: { en: ':grey_question: Scan: {status}', ko: ':grey_question: 스캔: {status}' },
  rolesListed: { en: ':white_check_mark: Roles: {roles}, in `taskRoles`', ko: ':white_check_mark: 역할: {roles}, `taskRoles`에 있음' },
  rolesUnchanged: { en: ':white_check_mark: Roles: unchanged', ko: ':white_check_mark: 역할: 변경 없음' },
  rolesChanged: { en: ':warning: Roles: change to {roles}', ko: ':warning: 역할이 바뀜: {roles}' },
  rolesUnlisted: {
    en: ':warning: Roles: {roles} not in `taskRoles` (registering may be refused)',
    ko: ':warning: `taskRoles`에 없는 역할: {roles} (등록이 거절될 수 있음)',
  },
  rolesNone: { en: ':white_check_mark: Roles: none', ko: ':white_check_mark: 역할: 없음' },
  tasksRolling: {
    en: ':white_check_mark: Tasks: {n} desired, replaced by a rolling deployment',
    ko: ':white_check_mark: 작업: 원하는 수 {n}개, 롤링 배포로 교체',
  },
  tasksBounds: {
    en: ':white_check_mark: Tasks: {to} is within {min}–{max}',
    ko: ':white_check_mark: 작업: {to}개, 허용 범위 {min}–{max} 안',
  },
  tasksZero: {
    en: ':warning: Tasks: 0 stops every task, the service serves nothing',
    ko: ':warning: 작업: 0개면 모든 작업이 멈춰 서비스가 응답하지 않습니다',
  },
  commits: { en: ':memo: Commits: {commits}{link}', ko: ':memo: 커밋: {commits}{link}' },
  sameCommit: { en: ':memo: Commit: {sha}, the same as now', ko: ':memo: 커밋: {sha}, 지금과 같은 커밋' },
  compare: { en: 'compare', ko: '비교' },
  backTo: { en: 'back to {sha}', ko: '{sha}(으)로 되돌림' },
  undone: { en: 'what it undoes', ko: '되돌릴 커밋' },
  moreCommits: { en: '…and {n} more', ko: '…외 {n}개 더' },
  commitNow: {
    en: ":memo: Commit now: {sha} (the target's commit is unknown)",
    ko: ':memo: 지금 커밋: {sha} (되돌아갈 커밋은 알 수 없음)',
  },
  warning: { en: ':warning: {text}', ko: ':warning: {text}', same: true },
  // Details (the Details button, the dry run).
  detailsTitle: { en: '*{verb}* {service} (service {name} in {env})', ko: '*{verb}* {service} ({env}의 서비스 {name})' },
  detailImage: { en: '• Image: {image}', ko: '• 이미지: {image}' },
  detailPinned: { en: '• Pinned to {digest}{pushed}', ko: '• 고정 다이제스트: {digest}{pushed}' },
  pushedAgo: { en: ', pushed {duration} ago', ko: ', {duration} 전 푸시' },
  detailContainer: { en: '• Container {container}: {from} → {to}', ko: '• 컨테이너 {container}: {from} → {to}' },
  detailNewRevision: {
    en: '• Task definition: a new revision of {family} copied from {td} (what runs now), only the image changed',
    ko: '• 작업 정의: 지금 실행 중인 작업 정의({td})를 복사한 {family}의 새 리비전, 이미지만 바뀜',
  },
  detailTaskDefinition: { en: '• Task definition: {from} (now) → {to} ({source})', ko: '• 작업 정의: {from}(현재) → {to} ({source})' },
  detailUnchanged: { en: '• Task definition unchanged: {td}', ko: '• 작업 정의 변경 없음: {td}' },
  detailDesired: { en: '• Desired tasks: {from} → {to}{bounds}', ko: '• 원하는 작업 수: {from} → {to}{bounds}' },
  allowed: { en: ' (allowed {min}–{max})', ko: ' (허용 {min}–{max})' },
  detailRestart: {
    en: '• A new deployment of the same task definition {td}: all {n} {n|task|tasks} replaced, rolling',
    ko: '• 같은 작업 정의 {td}(으)로 새 배포: 작업 {n}개 모두 롤링 교체',
  },
  detailSize: { en: '• Task size: {from} → {to}', ko: '• 작업 크기: {from} → {to}' },
  detailSizeRevision: {
    en: '• Task definition: a new revision of {family} copied from {td} (what runs now), only the task CPU and memory changed',
    ko: '• 작업 정의: 지금 실행 중인 작업 정의({td})를 복사한 {family}의 새 리비전, 작업 CPU와 메모리만 바뀜',
  },
  detailTasks: { en: '• Tasks: {n} desired, replaced by a rolling deployment', ko: '• 작업: 원하는 수 {n}개, 롤링 배포로 교체' },
  detailCluster: { en: '• Cluster {cluster} in {region}', ko: '• 클러스터 {cluster} ({region})' },
  diffTitle: { en: '*Task definition changes*', ko: '*작업 정의 변경 사항*' },
  detailsFallback: { en: 'Details of {title}', ko: '{title} 상세' },
  noImage: { en: '(none)', ko: '(없음)' },
  // Dry run and "request posted".
  dryRun: { en: ':mag: *Dry run* — nothing was changed.', ko: ':mag: *드라이 런* — 아무것도 바꾸지 않았습니다.' },
  dryRunFooter: {
    en: 'Run it without `--dry-run` to request the change in {env}.',
    ko: '`--dry-run` 없이 실행하면 {env}에 변경을 요청합니다.',
  },
  dryRunFallback: { en: 'Dry run: {verb} {service} in {env} (nothing changed)', ko: '드라이 런: {env}의 {service} {verb} (바뀐 것 없음)' },
  requested: {
    en: ':ballot_box_with_check: Request {id} to {verb} {service} is posted in {channel} and needs {n} {n|approval|approvals}. Progress will be reported in its thread.',
    ko: ':ballot_box_with_check: {channel}에 {service} {verb} 요청을 올렸습니다 ({id}). 승인 {n}개가 필요하며, 진행 상황은 그 스레드에 올라옵니다.',
  },
  requestedNow: {
    en: ':rocket: {verbing} {service} in {env} now (request {id}). Follow the thread in {channel}.',
    ko: ':rocket: 지금 {env}의 {service} {verbing}입니다 (요청 {id}). {channel}의 스레드에서 진행 상황을 볼 수 있습니다.',
  },
  deploying: { en: 'Deploying', ko: '배포 중' },
  rollingBack: { en: 'Rolling back', ko: '롤백 중' },
  scaling: { en: 'Scaling', ko: '스케일 중' },
  restarting: { en: 'Restarting', ko: '재시작 중' },
  resizing: { en: 'Resizing', ko: '크기 조정 중' },
  pending: { en: ', {n} pending', ko: ', 대기 {n}개' },
});
const M = renderText;

const VERB_ING = { deploy: 'deploying', rollback: 'rollingBack', scale: 'scaling', restart: 'restarting', resize: 'resizing' } as const;

/** "Deploying" / "배포 중". */
export function verbing(verb: ChangePlan['verb'], locale: Locale): string {
  return M.in(locale)(VERB_ING[verb]);
}

/** Short digest for one-line texts, as everywhere else: `sha256:3f1c7e5a9b2d`. */
const digest12 = (digest: string | undefined): string => `sha256:${shortDigest(digest)}`;

/** "`0.5 vCPU / 1 GB`" */
/** "0.25 vCPU / 1 GB" (a button's label); sizeText is it as code. */
export function sizeLabel(s: { cpu: number; memory: number }): string {
  return `${s.cpu / 1024} vCPU / ${s.memory >= 1024 ? `${s.memory / 1024} GB` : `${s.memory} MB`}`;
}

export function sizeText(s: { cpu: number; memory: number }): string {
  return code(sizeLabel(s));
}

/** "`shop/web:v1.2.3`" or "`shop/web@sha256:3f1c…`" without the registry host. */
function imageLabel(image: string | undefined, locale: Locale): string {
  if (!image) return code(M.in(locale)('noImage'));
  return code(shortImage(image));
}

/** The version of an image within its repository: its tag, else its short digest. */
function versionOf(image: string | undefined): string {
  const { tag, digest } = splitImage(image);
  return tag ?? (digest ? digest12(digest) : '?');
}

/** `shop/web v1.2.2 → v1.2.3` for two images of one repository; each in full when the repositories differ. */
function imageChange(from: string | undefined, to: string | undefined, toSuffix = ''): string {
  const a = splitImage(from);
  const b = splitImage(to);
  const ra = withoutRegistry(a.repository);
  const rb = withoutRegistry(b.repository);
  if (ra && ra === rb) return `${rb} ${versionOf(from)} → ${versionOf(to)}${toSuffix}`;
  const full = (image: string | undefined, repo: string) => (image ? `${repo}:${versionOf(image)}` : '?');
  return `${full(from, ra)} → ${full(to, rb)}${toSuffix}`;
}

/**
 * What the change does, in one line: `shop/web v1.2.2 → v1.2.3 (sha256:3f1c7e5a)` for a deploy,
 * the images and task definitions of a rollback, `web: 4 → 8 tasks`, `web: all 4 tasks replaced`.
 */
export function changeLine(plan: ChangePlan, locale: Locale): string {
  const t = M.in(locale);
  switch (plan.verb) {
    case 'deploy': {
      const to = plan.tag ?? digest12(plan.digest);
      const prev = splitImage(plan.previousImage);
      const sameRepo = withoutRegistry(prev.repository) === plan.repository;
      const from = sameRepo
        ? versionOf(plan.previousImage)
        : plan.previousImage
          ? `${withoutRegistry(prev.repository)}:${versionOf(plan.previousImage)}`
          : '?';
      return code(`${plan.repository} ${from} → ${to}${plan.tag ? ` (${digest12(plan.digest)})` : ''}`);
    }
    case 'rollback': {
      const tds = code(`${arnTail(plan.currentTaskDefinition)} → ${arnTail(plan.targetTaskDefinition)}`);
      return plan.previousImage || plan.targetImage ? `${code(imageChange(plan.previousImage, plan.targetImage))} · ${tds}` : tds;
    }
    case 'scale':
      return t('scaleChange', { service: code(plan.alias), from: plan.from, to: plan.to });
    case 'restart':
      return t('restartChange', { service: code(plan.alias), n: plan.desiredCount, td: code(arnTail(plan.currentTaskDefinition)) });
    case 'resize':
      return `${sizeText(plan.from)} → ${sizeText(plan.to)}`;
  }
}

function scanLine(scan: NonNullable<PlanChecks['scan']>, locale: Locale): string {
  const t = M.in(locale);
  const status = scan.status;
  if (status === undefined) return t('scanNone');
  if (status === 'IN_PROGRESS' || status === 'PENDING') return t('scanRunning');
  if (status !== 'COMPLETE' && status !== 'ACTIVE') return t('scanOther', { status: code(status) });
  const critical = scan.counts.CRITICAL ?? 0;
  const high = scan.counts.HIGH ?? 0;
  if (critical || high) return t('scanFindings', { findings: countsText(scan.counts, locale) });
  const rest = countsText(scan.counts, locale);
  return t('scanClean', { rest: Object.values(scan.counts).some((n) => n > 0) ? ` (${rest})` : '' });
}

function rolesLine(roles: NonNullable<PlanChecks['roles']>, locale: Locale): string {
  const t = M.in(locale);
  const names = [roles.task, roles.execution].filter((r): r is string => Boolean(r)).map((r) => code(arnTail(r)));
  if (roles.unlisted.length) return t('rolesUnlisted', { roles: roles.unlisted.map((r) => code(arnTail(r))).join(', ') });
  if (roles.changed) return t('rolesChanged', { roles: names.join(', ') || code('-') });
  if (roles.scoped) return names.length ? t('rolesListed', { roles: names.join(', ') }) : t('rolesNone');
  return t('rolesUnchanged');
}

/**
 * `1a2b3c4` → `9f8e7d6` (compare): the commits of a deploy, 7 hex each; a rollback's (`back`): `9f8e7d6` → back to
 * `1a2b3c4` (what it undoes), or only the commit now when the target's is unknown. Under it, when the Git host was
 * asked, the commits between (stored escaped, newest first) one "• " line each, and how many more the link has.
 */
function commitsLine(c: NonNullable<PlanChecks['commits']>, locale: Locale): string | undefined {
  const t = M.in(locale);
  const sha = (s: string) => code(s.slice(0, 7));
  if (!c.to) return c.from && t('commitNow', { sha: sha(c.from) });
  if (c.from === c.to) return t('sameCommit', { sha: sha(c.to) });
  const to = c.back ? t('backTo', { sha: sha(c.to) }) : sha(c.to);
  const more = c.url ? ` (${link(c.url, t(c.back ? 'undone' : 'compare'))})` : '';
  const list = (c.list ?? []).map((l) => `\n• ${l}`).join('');
  const rest = c.list && (c.total ?? 0) > c.list.length ? `\n${t('moreCommits', { n: c.total! - c.list.length })}` : '';
  return t('commits', { commits: (c.from ? `${sha(c.from)} → ` : '') + to, link: more }) + list + rest;
}

/**
 * The checks made when the request was made, one line each: commits, scan, roles, task count, warnings.
 * `beside`: shown under planDetails (Details, the dry run), whose "• Tasks:" line already says what the rolling one would.
 */
export function checkLines(plan: ChangePlan, locale: Locale, beside = false): string[] {
  const t = M.in(locale);
  const c = plan.checks;
  const lines: string[] = [];
  const commits = c?.commits && commitsLine(c.commits, locale);
  if (commits) lines.push(commits);
  if (c?.scan) lines.push(scanLine(c.scan, locale));
  if (c?.roles) lines.push(rolesLine(c.roles, locale));
  if (c?.images) lines.push(...(c.images.length ? c.images.map((i) => imageCheckLine(i, locale)) : [sameImagesLine(locale)]));
  if (plan.verb === 'scale') {
    if (plan.to === 0) lines.push(t('tasksZero'));
    else if (c?.bounds) lines.push(t('tasksBounds', { to: plan.to, min: c.bounds.min, max: c.bounds.max }));
  } else if (plan.verb !== 'restart' && !beside) {
    lines.push(t('tasksRolling', { n: plan.desiredCount }));
  }
  // A warning is a writtenToken (src/i18n/catalog.ts); one stored before, whose catalog this bundle lacks, reads '' and is left out.
  for (const text of (c?.warnings ?? []).map((w) => tokenText(w, locale))) if (text) lines.push(t('warning', { text }));
  return lines;
}

/** The request's summary as kept in the audit trail and shown by /ecs history: the verb and the change line. */
export function planSummary(plan: ChangePlan, locale: Locale): string {
  // The change line of a scale or restart already names the service.
  const service = plan.verb === 'scale' || plan.verb === 'restart' ? '' : `${code(plan.alias)} `;
  return truncate(`*${verbTitle(plan.verb, locale)}* ${service}${changeLine(plan, locale)}`, SUMMARY_MAX);
}

function sourceWords(plan: Extract<ChangePlan, { verb: 'rollback' }>, locale: Locale): string {
  const t = M.in(locale);
  return plan.source === 'explicit' ? t('sourceExplicit') : plan.source === 'in-progress' ? t('sourceInProgress') : t('sourceHistory');
}

/** Every fact of the plan (the Details button, the dry run): what the one-line summary leaves out. */
export function planDetails(plan: ChangePlan, locale: Locale, now: number): string {
  const t = M.in(locale);
  const lines = [
    t('detailsTitle', {
      verb: verbTitle(plan.verb, locale),
      service: code(plan.alias),
      name: code(plan.serviceName),
      env: code(plan.environment),
    }),
  ];
  const td = code(arnTail(plan.currentTaskDefinition));
  switch (plan.verb) {
    case 'deploy':
      lines.push(
        t('detailImage', { image: code(plan.image) }),
        t('detailPinned', {
          digest: code(plan.digest),
          pushed: plan.imagePushedAt ? t('pushedAgo', { duration: formatDuration(now - plan.imagePushedAt, locale) }) : '',
        }),
        t('detailContainer', {
          container: code(plan.container),
          from: imageLabel(plan.previousImage, locale),
          to: imageLabel(plan.image, locale),
        }),
        t('detailNewRevision', { family: code(arnTail(plan.currentTaskDefinition).split(':')[0] ?? ''), td }),
        t('detailTasks', { n: plan.desiredCount }),
      );
      break;
    case 'rollback':
      lines.push(
        t('detailTaskDefinition', { from: td, to: code(arnTail(plan.targetTaskDefinition)), source: sourceWords(plan, locale) }),
        t('detailContainer', {
          container: code(plan.container),
          from: imageLabel(plan.previousImage, locale),
          to: imageLabel(plan.targetImage, locale),
        }),
        t('detailTasks', { n: plan.desiredCount }),
      );
      break;
    case 'scale': {
      const b = plan.checks?.bounds;
      lines.push(
        t('detailDesired', { from: plan.from, to: plan.to, bounds: b ? t('allowed', { min: b.min, max: b.max }) : '' }),
        t('detailUnchanged', { td }),
      );
      break;
    }
    case 'restart':
      lines.push(t('detailRestart', { td, n: plan.desiredCount }));
      break;
    case 'resize':
      lines.push(
        t('detailSize', { from: sizeText(plan.from), to: sizeText(plan.to) }),
        t('detailSizeRevision', {
          family: code(arnTail(plan.currentTaskDefinition).split(':')[0] ?? ''),
          td: code(arnTail(plan.currentTaskDefinition)),
        }),
        t('detailTasks', { n: plan.desiredCount }),
      );
      break;
  }
  lines.push(t('detailCluster', { cluster: code(plan.cluster), region: code(plan.region) }));
  return lines.join('\n');
}

/** The full plan for one reader: the facts, the checks and the task definition diff. */
export function detailsMessage(plan: ChangePlan, details: string | undefined, locale: Locale, now: number, title: string): SlackMessage {
  const t = M.in(locale);
  const blocks: KnownBlock[] = [section(planDetails(plan, locale, now))];
  const checks = checkLines(plan, locale, true);
  if (checks.length) blocks.push(section(checks.join('\n')));
  if (details) blocks.push(section(`${t('diffTitle')}\n${codeBlock(details, 2900, locale)}`));
  return { text: t('detailsFallback', { title }), blocks, locale };
}

/** The dry-run answer (for the requester, in their language): the plan, the checks, the diff, and nothing changed. */
export function dryRunMessage(plan: ChangePlan, details: string | undefined, notes: string[], locale: Locale, now: number): SlackMessage {
  const t = M.in(locale);
  const blocks: KnownBlock[] = [section(`${t('dryRun')}\n${planDetails(plan, locale, now)}`)];
  const checks = checkLines(plan, locale, true);
  if (checks.length) blocks.push(section(checks.join('\n')));
  if (details) blocks.push(section(`${t('diffTitle')}\n${codeBlock(details, 2900, locale)}`));
  for (const n of notes) blocks.push(context(n));
  blocks.push(context(t('dryRunFooter', { env: code(plan.environment) })));
  return {
    text: t('dryRunFallback', { verb: verbTitle(plan.verb, locale), service: plan.alias, env: plan.environment }),
    blocks,
    locale,
  };
}

/** What the requester sees once the request is posted (in their language). */
export function requestedMessage(
  plan: ChangePlan,
  r: { id: string; channel: string; approvalsNeeded: number; state: string },
  locale: Locale = 'en',
): SlackMessage {
  const t = M.in(locale);
  const params = {
    id: code(r.id),
    service: code(plan.alias),
    env: code(plan.environment),
    channel: `<#${r.channel}>`,
    verb: verbTitle(plan.verb, locale).toLowerCase(),
    verbing: verbing(plan.verb, locale),
  };
  const text =
    r.approvalsNeeded > 0 && r.state === 'pending' ? t('requested', { ...params, n: r.approvalsNeeded }) : t('requestedNow', params);
  return { text: notificationText(text), blocks: [section(text)], locale };
}

// ---------------------------------------------------------------------------------------------
// The status card and milestones
// ---------------------------------------------------------------------------------------------
