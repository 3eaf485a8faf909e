/**
 * Everything the change verbs say in Slack, as pure builders: the change line and the checks of
 * the request message (one line each, the full plan behind its Details button), the dry-run
 * answer, the status card in the request's thread and the milestone replies under it. All text
 * from AWS or people is escaped. Each builder takes the language it writes in: the workspace's for
 * what goes to the channel, the reader's for what only they see.
 */
import type { KnownBlock } from '@slack/types';
import { context, section, type SlackMessage } from '../slack/blocks';
import { code, codeBlock, escapeMrkdwn, link, mention, notificationText, oneLine, truncate, verbTitle } from '../slack/text';
import { formatDuration } from '../i18n';
import { defineMessages, tokenText } from '../i18n/catalog';
import type { Locale } from '../i18n/locale';
import { serviceUrl, taskUrl } from '../aws/console';
import { countsText, registersTaskDefinition, type ChangePlan, type PlanChecks } from './plan';
import type { Counts, Phase, StoppedTaskInfo } from './progress';
import { shortDigest, splitImage } from './refs';
import { arnTail } from '../aws/arn';
import { slackDate } from '../slack/time';
import type { PauseState } from './traffic-model';
import { trafficText } from './traffic-text';
import { autoLockBlocks } from './autolock';
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
    ko: '• 같은 작업 정의 {td}로 새 배포: 작업 {n}개 모두 롤링 교체',
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
  // The status card.
  ofService: { en: '{verb} of {service}', ko: '{service} {verb}' },
  ingService: { en: '{verbing} {service}', ko: '{service} {verbing}' },
  cardTitle: { en: '{icon} *{what}* {target} in {env} — *{phase}*', ko: '{icon} *{what}* {target} ({env}) — *{phase}*' },
  targetDeploy: { en: '→ {ref}{digest}{as}', ko: '→ {ref}{digest}{as}', same: true },
  asTd: { en: ' as {td}', ko: ', 작업 정의 {td}' },
  targetRollback: { en: 'to {td}', ko: '→ {td}' },
  targetScale: { en: '{from} → {to} {to|task|tasks}', ko: '작업 {from}개 → {to}개' },
  targetRestart: { en: '(new tasks of {td})', ko: '({td}의 새 작업)' },
  starting: { en: 'starting', ko: '시작 중' },
  in_progress: { en: 'in progress', ko: '진행 중' },
  completed: { en: 'completed', ko: '완료' },
  failed: { en: 'failed', ko: '실패' },
  unconfirmed: { en: 'not confirmed', ko: '결과 확인 안 됨' },
  stuck: { en: 'stuck', ko: '멈춤' },
  aborting: { en: 'aborting', ko: '중단 중' },
  countsNew: { en: '{bar} {running}/{desired} new tasks running{rest}', ko: '{bar} 새 작업 {running}/{desired}개 실행 중{rest}' },
  countsAll: { en: '{bar} {running}/{desired} tasks running{rest}', ko: '{bar} 작업 {running}/{desired}개 실행 중{rest}' },
  countsBack: {
    en: '{bar} {running}/{desired} tasks back on {td}{rest}',
    ko: '{bar} 이전 버전({td})으로 돌아간 작업 {running}/{desired}개{rest}',
  },
  pending: { en: ', {n} pending', ko: ', 대기 {n}개' },
  failedTasks: { en: ', {n} failed', ko: ', 실패 {n}개' },
  tdFact: { en: 'Task definition {td}', ko: '작업 정의 {td}' },
  tdNotYet: { en: 'Task definition not registered yet', ko: '작업 정의 아직 등록 전' },
  deploymentFact: { en: 'Deployment {id}', ko: '배포 {id}' },
  startedFact: { en: 'started {at}', ko: '{at} 시작' },
  console: { en: 'ECS console', ko: 'ECS 콘솔' },
  abortedBy: { en: ':octagonal_sign: Aborted by {user}{back}.', ko: ':octagonal_sign: {user} 님이 중단했습니다{back}.' },
  ecsRollingBack: { en: '; ECS is rolling back', ko: '. ECS가 롤백하는 중입니다' },
  stoppedTasks: { en: '*Stopped tasks*', ko: '*중지된 작업*' },
  whyStopped: { en: '*Why tasks stopped*', ko: '*작업이 중지된 이유*' },
  task: { en: '• Task {link}: {why}{containers}', ko: '• 작업 {link}: {why}{containers}' },
  stopped: { en: 'stopped', ko: '중지됨' },
  exit: { en: 'exit {code}', ko: '종료 코드 {code}' },
  abortScale: { en: 'Abort (scale back)', ko: '중단 (작업 수 되돌리기)' },
  abortRollBack: { en: 'Abort and roll back', ko: '중단하고 롤백' },
  cardFallback: { en: '{verbing} {service} in {env}: {phase}{counts}', ko: '{env}의 {service} {verbing}: {phase}{counts}' },
  cardCounts: { en: ' ({running}/{desired} running)', ko: ' ({running}/{desired} 실행 중)' },
  // The abort button's confirmation.
  stopTitle: { en: 'Stop this change?', ko: '이 변경을 멈출까요?' },
  stopText: {
    en: 'ECS stops the rollout and returns the service to what it ran before.',
    ko: 'ECS가 롤아웃을 멈추고 서비스를 이전 상태로 되돌립니다.',
  },
  keepGoing: { en: 'Keep going', ko: '계속 진행' },
  // Milestones.
  reused: {
    en: ':package: Reusing task definition {td}, registered by an earlier attempt of this request.',
    ko: ':package: 이 요청의 이전 시도에서 등록한 작업 정의를 다시 씁니다: {td}.',
  },
  registered: { en: ':package: Task definition registered: {td}.', ko: ':package: 작업 정의를 등록했습니다: {td}.' },
  desiredSet: { en: 'Desired count set to {n}', ko: '원하는 작업 수를 {n}개로 설정했습니다' },
  deploymentStarted: { en: 'Deployment started{id}', ko: '배포를 시작했습니다{id}' },
  started: {
    en: ":rocket: {what}. I'll report here when it completes or fails, and call it stuck after {deadline}.",
    ko: ':rocket: {what}. 완료되거나 실패하면 여기에 알리고, {deadline} 안에 끝나지 않으면 멈춘 것으로 봅니다.',
  },
  took: { en: ' in {duration}', ko: ' ({duration} 걸림)' },
  completedTasks: { en: '{service} runs {n} {n|task|tasks}', ko: '{service}: 작업 {n}개 실행 중' },
  completedTd: { en: '{service} runs {td}{on}', ko: '{service}: {td} 실행 중{on}' },
  onTasks: { en: ' on {n} {n|task|tasks}', ko: ' (작업 {n}개)' },
  completedLine: { en: ':white_check_mark: *{verb} completed*{took}: {what}.', ko: ':white_check_mark: *{verb} 완료*{took}: {what}.' },
  failedLine: { en: ':x: *{verb} failed*{took}{back}{aborted}.', ko: ':x: *{verb} 실패*{took}{back}{aborted}.' },
  unconfirmedLine: {
    en: ':grey_question: *{verb} not confirmed*{took}: ECS had not said it completed or failed when I stopped tracking it{aborted}.',
    ko: ':grey_question: *{verb} 결과 확인 안 됨*{took}: 추적을 멈출 때까지 ECS가 완료나 실패를 알리지 않았습니다{aborted}.',
  },
  backOn: { en: ' — the service is back on {td}', ko: ' — 서비스가 이전 작업 정의({td})로 돌아갔습니다' },
  abortedParen: { en: ' (aborted by {user})', ko: ' ({user} 님이 중단)' },
  unusedTd: { en: 'Task definition {td} stays registered but unused.', ko: '작업 정의 {td}: 등록된 채 쓰이지 않습니다.' },
  notifyDone: { en: '{people}: this change is done.', ko: '{people} 님, 이 변경이 끝났습니다.' },
  notifyFailed: { en: '{people}: this change failed.', ko: '{people} 님, 이 변경이 실패했습니다.' },
  notifyUnconfirmed: {
    en: '{people}: I could not confirm how this change ended.',
    ko: '{people} 님, 이 변경이 어떻게 끝났는지 확인하지 못했습니다.',
  },
  stuckLine: {
    en: ':warning: *Still not done after {deadline}* — the rollout looks stuck.',
    ko: ':warning: *{deadline} 동안 끝나지 않았습니다* — 롤아웃이 멈춘 것 같습니다.',
  },
  stuckHelp: {
    en: 'Roll back stops the deployment and returns the service to what it ran before. I keep watching either way.',
    ko: '롤백하면 배포를 멈추고 서비스를 이전 상태로 되돌립니다. 어느 쪽이든 계속 지켜봅니다.',
  },
  scaleBack: { en: 'Scale back', ko: '작업 수 되돌리기' },
  rollBack: { en: 'Roll back', ko: '롤백' },
  stuckFallback: { en: '{verb} of {service} looks stuck', ko: '{service} {verb} 작업이 멈춘 것 같습니다' },
  didNotRun: { en: ':x: *{verb} did not run.* {message}', ko: ':x: *{verb} 작업을 실행하지 않았습니다.* {message}' },
  registeredUnused: {
    en: 'Task definition {td} was registered but is not used by the service.',
    ko: '작업 정의 {td}: 등록되었지만 서비스에서 쓰지 않습니다.',
  },
  didNotRunFallback: { en: '{verb} of {service} did not run', ko: '{service} {verb} 작업을 실행하지 않았습니다' },
  abortStop: {
    en: ':octagonal_sign: {user} aborted the rollout: ECS stops deployment and rolls back to what ran before.',
    ko: ':octagonal_sign: {user} 님이 롤아웃을 중단했습니다. ECS가 배포를 멈추고 이전 상태로 롤백합니다.',
  },
  abortScaleBack: {
    en: ':octagonal_sign: {user} aborted: desired count set back to {n}.',
    ko: ':octagonal_sign: {user} 님이 중단했습니다. 원하는 작업 수를 {n}개로 되돌렸습니다.',
  },
  abortUpdate: {
    en: ':octagonal_sign: {user} aborted: the service is updated back to {td}.',
    ko: ':octagonal_sign: {user} 님이 중단했습니다. 서비스를 이전 작업 정의({td})로 되돌렸습니다.',
  },
});
const M = renderText;

const VERB_ING = { deploy: 'deploying', rollback: 'rollingBack', scale: 'scaling', restart: 'restarting', resize: 'resizing' } as const;

/** "Deploying" / "배포 중". */
function verbing(verb: ChangePlan['verb'], locale: Locale): string {
  return M.in(locale)(VERB_ING[verb]);
}

/** `shop/web` from `<registry>/shop/web` (Docker's rule: a first segment with a dot or a port, or localhost, is a host). */
function withoutRegistry(repository: string): string {
  const first = repository.split('/')[0] ?? '';
  return repository.includes('/') && (/[.:]/.test(first) || first === 'localhost') ? repository.slice(first.length + 1) : repository;
}

/** Short digest for one-line texts: `sha256:3f1c7e5a`. */
const digest8 = (digest: string | undefined): string => `sha256:${(digest ?? '').replace(/^sha256:/, '').slice(0, 8)}`;

/** "`0.5 vCPU / 1 GB`" */
export function sizeText(s: { cpu: number; memory: number }): string {
  return code(`${s.cpu / 1024} vCPU / ${s.memory >= 1024 ? `${s.memory / 1024} GB` : `${s.memory} MB`}`);
}

/** "`shop/web:v1.2.3`" or "`shop/web@sha256:3f1c…`" without the registry host. */
function imageLabel(image: string | undefined, locale: Locale): string {
  if (!image) return code(M.in(locale)('noImage'));
  const { repository, tag, digest } = splitImage(image);
  return code(`${withoutRegistry(repository)}${tag ? `:${tag}` : ''}${digest ? `@sha256:${shortDigest(digest)}` : ''}`);
}

/** The version of an image within its repository: its tag, else its short digest. */
function versionOf(image: string | undefined): string {
  const { tag, digest } = splitImage(image);
  return tag ?? (digest ? digest8(digest) : '?');
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
      const to = plan.tag ?? digest8(plan.digest);
      const prev = splitImage(plan.previousImage);
      const sameRepo = withoutRegistry(prev.repository) === plan.repository;
      const from = sameRepo
        ? versionOf(plan.previousImage)
        : plan.previousImage
          ? `${withoutRegistry(prev.repository)}:${versionOf(plan.previousImage)}`
          : '?';
      return code(`${plan.repository} ${from} → ${to}${plan.tag ? ` (${digest8(plan.digest)})` : ''}`);
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

/** The checks made when the request was made, one line each: scan, roles, task count, warnings. */
export function checkLines(plan: ChangePlan, locale: Locale): string[] {
  const t = M.in(locale);
  const c = plan.checks;
  const lines: string[] = [];
  if (c?.scan) lines.push(scanLine(c.scan, locale));
  if (c?.roles) lines.push(rolesLine(c.roles, locale));
  if (c?.images) lines.push(...(c.images.length ? c.images.map((i) => imageCheckLine(i, locale)) : [sameImagesLine(locale)]));
  if (plan.verb === 'scale') {
    if (plan.to === 0) lines.push(t('tasksZero'));
    else if (c?.bounds) lines.push(t('tasksBounds', { to: plan.to, min: c.bounds.min, max: c.bounds.max }));
  } else if (plan.verb !== 'restart') {
    lines.push(t('tasksRolling', { n: plan.desiredCount }));
  }
  for (const w of c?.warnings ?? []) lines.push(t('warning', { text: tokenText(w, locale) }));
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
  const checks = checkLines(plan, locale);
  if (checks.length) blocks.push(section(checks.join('\n')));
  if (details) blocks.push(section(`${t('diffTitle')}\n${codeBlock(details, 2900, locale)}`));
  return { text: t('detailsFallback', { title }), blocks, locale };
}

/** The dry-run answer (for the requester, in their language): the plan, the checks, the diff, and nothing changed. */
export function dryRunMessage(plan: ChangePlan, details: string | undefined, notes: string[], locale: Locale, now: number): SlackMessage {
  const t = M.in(locale);
  const blocks: KnownBlock[] = [section(`${t('dryRun')}\n${planDetails(plan, locale, now)}`)];
  const checks = checkLines(plan, locale);
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

export type CardPhase = Phase | 'starting' | 'aborting';

export interface CardView {
  requestId: string;
  plan: ChangePlan;
  phase: CardPhase;
  /** The task definition registered by a deploy. */
  registered?: string;
  deploymentId?: string;
  counts?: Counts;
  startedAt?: number;
  deadlineMs: number;
  reasons: string[];
  stoppedTasks: StoppedTaskInfo[];
  rolledBack?: boolean;
  abortedBy?: string;
  /** A short note under the title, e.g. why the change could not start. */
  note?: string;
  /** The deployment waits at a PAUSE lifecycle hook (the traffic-shift gate). */
  pause?: PauseState;
  /** The service was locked after this rollback (gates.autoLock): the final message carries the acknowledge button. */
  autoLocked?: boolean;
  /**
   * A 'failed' change that ECS never said failed: the tracking was given up (still not finished, or
   * the service unreadable, past the give-up time). Said as "not confirmed", never as "failed".
   */
  unconfirmed?: boolean;
  /** The workspace's language (the release-gate lines). */
  locale?: Locale;
}

const PHASE_ICON: Record<CardPhase, string> = {
  starting: ':hourglass_flowing_sand:',
  in_progress: ':arrows_counterclockwise:',
  completed: ':white_check_mark:',
  failed: ':x:',
  stuck: ':warning:',
  aborting: ':octagonal_sign:',
};

/** ▰▰▰▱▱ running of desired. */
export function progressBar(running: number, desired: number, width = 10): string {
  if (desired <= 0) return '';
  const filled = Math.max(0, Math.min(width, Math.round((running / desired) * width)));
  return '▰'.repeat(filled) + '▱'.repeat(width - filled);
}

/** The progress line; nothing when there is nothing to count (a failed deployment's 0 of 0). */
function countsLine(c: Counts, verb: ChangePlan['verb'], locale: Locale): string | undefined {
  if (c.desired <= 0 && c.running <= 0) return undefined;
  const t = M.in(locale);
  const rest = `${c.pending ? t('pending', { n: c.pending }) : ''}${c.failed ? t('failedTasks', { n: c.failed }) : ''}`;
  const bar = progressBar(c.running, c.desired);
  if (c.back) return t('countsBack', { bar, running: c.running, desired: c.desired, td: code(arnTail(c.back)), rest });
  return t(verb === 'scale' ? 'countsAll' : 'countsNew', { bar, running: c.running, desired: c.desired, rest });
}

/** Slack's date token (each reader's time zone) with a UTC fallback. */
function when(t: number): string {
  const iso = new Date(t).toISOString().replace('T', ' ').slice(0, 16) + ' UTC';
  return `<!date^${Math.floor(t / 1000)}^{time}|${iso}>`;
}

export function stoppedTaskLines(
  tasks: readonly StoppedTaskInfo[],
  region: string,
  cluster: string,
  locale: Locale,
  maxLogChars = 1200,
): string[] {
  const t = M.in(locale);
  const out: string[] = [];
  for (const task of tasks) {
    const containers = task.containers
      .filter((c) => c.exitCode !== undefined || c.reason)
      .map((c) =>
        `${code(c.name)} ${c.exitCode !== undefined ? t('exit', { code: c.exitCode }) : ''}${c.reason ? ` (${oneLine(c.reason, 200)})` : ''}`.trim(),
      )
      .join('; ');
    out.push(
      t('task', {
        link: link(taskUrl(region, cluster, task.taskId), task.taskId.slice(0, 8)),
        why: `${task.stopCode ? `${code(task.stopCode)} ` : ''}${oneLine(task.stoppedReason, 300) || t('stopped')}`,
        containers: containers ? ` — ${containers}` : '',
      }),
    );
    if (task.logLines?.length) out.push(codeBlock(task.logLines.join('\n'), maxLogChars, locale));
  }
  return out;
}

function cardTarget(p: ChangePlan, registered: string | undefined, locale: Locale): string {
  const t = M.in(locale);
  switch (p.verb) {
    case 'deploy':
      return t('targetDeploy', {
        ref: code(p.tag ?? `sha256:${shortDigest(p.digest)}`),
        digest: p.tag ? ` (${code('sha256:' + shortDigest(p.digest))})` : '',
        as: registered ? t('asTd', { td: code(arnTail(registered)) }) : '',
      });
    case 'rollback':
      return t('targetRollback', { td: code(arnTail(p.targetTaskDefinition)) });
    case 'scale':
      return t('targetScale', { from: p.from, to: p.to });
    case 'restart':
      return t('targetRestart', { td: code(arnTail(p.currentTaskDefinition)) });
    case 'resize':
      return `${sizeText(p.from)} → ${sizeText(p.to)}${registered ? t('asTd', { td: code(arnTail(registered)) }) : ''}`;
  }
}

/** The word for a card's phase: a change whose end ECS never told is "not confirmed", not "failed". */
function phaseWord(v: Pick<CardView, 'phase' | 'unconfirmed'>): CardPhase | 'unconfirmed' {
  return v.unconfirmed && v.phase === 'failed' ? 'unconfirmed' : v.phase;
}

/** The status card (a channel message, in the workspace's language): one message in the thread, updated in place until the change is final. */
export function statusCard(v: CardView, locale: Locale = 'en'): SlackMessage {
  const t = M.in(locale);
  const tt = trafficText.in(locale);
  const p = v.plan;
  const done = v.phase === 'completed' || v.phase === 'failed';
  const service = code(p.alias);
  const what = done
    ? t('ofService', { verb: verbTitle(p.verb, locale), service })
    : t('ingService', { verbing: verbing(p.verb, locale), service });
  const title = t('cardTitle', {
    icon: v.pause ? ':double_vertical_bar:' : v.unconfirmed ? ':grey_question:' : PHASE_ICON[v.phase],
    what,
    target: cardTarget(p, v.registered, locale),
    env: code(p.environment),
    phase: v.pause ? tt('cardPhase') : t(phaseWord(v)),
  });
  const blocks: KnownBlock[] = [section(v.note ? `${title}\n${v.note}` : title)];
  if (v.pause) {
    const expiry =
      v.pause.expiresAt !== undefined
        ? tt('cardExpiry', { action: code(v.pause.timeoutAction ?? 'ROLLBACK'), at: slackDate(v.pause.expiresAt) })
        : '';
    blocks.push(section(tt('cardPaused', { stage: code(v.pause.stage), button: v.pause.button, expiry })));
  }
  const facts: string[] = [];
  if (registersTaskDefinition(p)) facts.push(v.registered ? t('tdFact', { td: code(arnTail(v.registered)) }) : t('tdNotYet'));
  else if (p.verb === 'rollback') facts.push(t('tdFact', { td: code(arnTail(p.targetTaskDefinition)) }));
  if (v.deploymentId) facts.push(t('deploymentFact', { id: code(v.deploymentId) }));
  if (v.startedAt) facts.push(t('startedFact', { at: when(v.startedAt) }));
  const counts = v.counts ? countsLine(v.counts, p.verb, locale) : undefined;
  if (counts) blocks.push(section(counts));
  if (facts.length) blocks.push(context(facts.join(' · '), link(serviceUrl(p.region, p.cluster, p.serviceName), t('console'))));
  if (v.abortedBy) blocks.push(section(t('abortedBy', { user: `<@${v.abortedBy}>`, back: v.rolledBack ? t('ecsRollingBack') : '' })));
  if (v.reasons.length) blocks.push(section(v.reasons.map((r) => `• ${oneLine(r, 500)}`).join('\n')));
  if (v.stoppedTasks.length)
    blocks.push(section([t('stoppedTasks'), ...stoppedTaskLines(v.stoppedTasks, p.region, p.cluster, locale, 600)].join('\n')));
  if (v.phase === 'in_progress' || v.phase === 'stuck' || v.phase === 'starting') {
    if (v.deploymentId || p.verb === 'scale')
      blocks.push(abortActions(v.requestId, t(p.verb === 'scale' ? 'abortScale' : 'abortRollBack'), locale));
  }
  const text = t('cardFallback', {
    verbing: verbing(p.verb, locale),
    service: p.alias,
    env: p.environment,
    phase: t(phaseWord(v)),
    counts: v.counts && counts ? t('cardCounts', { running: v.counts.running, desired: v.counts.desired }) : '',
  });
  return { text, blocks, locale };
}

/** The Abort / Roll back button, with a confirmation dialog. */
export function abortActions(requestId: string, label: string, locale: Locale = 'en'): KnownBlock {
  const t = M.in(locale);
  return {
    type: 'actions',
    block_id: `deploy-abort:${requestId}`.slice(0, 255),
    elements: [
      {
        type: 'button',
        action_id: ABORT_ACTION_ID,
        value: requestId,
        style: 'danger',
        text: { type: 'plain_text', text: label, emoji: true },
        confirm: {
          title: { type: 'plain_text', text: t('stopTitle') },
          text: { type: 'mrkdwn', text: t('stopText') },
          confirm: { type: 'plain_text', text: label },
          deny: { type: 'plain_text', text: t('keepGoing') },
          style: 'danger',
        },
      },
    ],
  };
}

export function registeredMilestone(arn: string, reused: boolean, locale: Locale = 'en'): SlackMessage {
  const text = M.in(locale)(reused ? 'reused' : 'registered', { td: code(arnTail(arn)) });
  return { text: notificationText(text), blocks: [section(text)], locale };
}

export function startedMilestone(
  plan: ChangePlan,
  deploymentId: string | undefined,
  deadlineMs: number,
  locale: Locale = 'en',
): SlackMessage {
  const t = M.in(locale);
  const what =
    plan.verb === 'scale' ? t('desiredSet', { n: plan.to }) : t('deploymentStarted', { id: deploymentId ? `: ${code(deploymentId)}` : '' });
  const text = t('started', { what, deadline: formatDuration(deadlineMs, locale) });
  return { text: notificationText(text), blocks: [section(text)], locale };
}

/** Who the end of a change is for: the requester and the approvers, mentioned once each. */
export interface Audience {
  requester?: string;
  approvers?: readonly string[];
}

function peopleOf(a: Audience | undefined, locale: Locale): string | undefined {
  const ids = [...new Set([a?.requester, ...(a?.approvers ?? [])].filter((u): u is string => Boolean(u) && u !== 'bot'))];
  return ids.length ? ids.map((u) => mention(u, locale)).join(' ') : undefined;
}

/**
 * The final reply in the thread: completed or failed, with why (reasons, stopped tasks, last log
 * lines: said once, here, not on the card) and a mention of the requester and the approvers.
 * A failure is also broadcast to the channel by the tracker.
 */
export function finalMilestone(
  v: CardView & { phase: 'completed' | 'failed' },
  durationMs?: number,
  locale: Locale = 'en',
  audience?: Audience,
): SlackMessage {
  const t = M.in(locale);
  const p = v.plan;
  const verb = verbTitle(p.verb, locale);
  const took = durationMs !== undefined ? t('took', { duration: formatDuration(durationMs, locale) }) : '';
  const people = peopleOf(audience, locale);
  if (v.phase === 'completed') {
    const what =
      p.verb === 'scale'
        ? t('completedTasks', { service: code(p.alias), n: p.to })
        : t('completedTd', {
            service: code(p.alias),
            td: code(
              arnTail(registersTaskDefinition(p) ? v.registered : p.verb === 'rollback' ? p.targetTaskDefinition : p.currentTaskDefinition),
            ),
            on: v.counts ? t('onTasks', { n: v.counts.running }) : '',
          });
    const text = t('completedLine', { verb, took, what });
    const blocks: KnownBlock[] = [section(text)];
    if (v.autoLocked) blocks.push(...autoLockBlocks(p, locale));
    if (people) blocks.push(context(t('notifyDone', { people })));
    return { text: notificationText(`${text}${people ? ` ${people}` : ''}`), blocks, locale };
  }
  const aborted = v.abortedBy ? t('abortedParen', { user: `<@${v.abortedBy}>` }) : '';
  const head = v.unconfirmed
    ? t('unconfirmedLine', { verb, took, aborted })
    : t('failedLine', { verb, took, back: v.rolledBack ? t('backOn', { td: code(arnTail(p.currentTaskDefinition)) }) : '', aborted });
  const blocks: KnownBlock[] = [section(head)];
  if (v.reasons.length) blocks.push(section(v.reasons.map((r) => `• ${oneLine(r, 600)}`).join('\n')));
  if (v.stoppedTasks.length) {
    blocks.push(section([t('whyStopped'), ...stoppedTaskLines(v.stoppedTasks, p.region, p.cluster, locale, 1400)].join('\n')));
  }
  // "Unused" only when it is known: ECS rolled back, or the service was never updated to it. A change
  // given up (stuck, or its service unreadable) may still run some tasks on it.
  if (v.registered && registersTaskDefinition(p) && (v.rolledBack || !v.deploymentId))
    blocks.push(context(t('unusedTd', { td: code(arnTail(v.registered)) })));
  if (v.autoLocked) blocks.push(...autoLockBlocks(p, locale));
  if (people) blocks.push(context(t(v.unconfirmed ? 'notifyUnconfirmed' : 'notifyFailed', { people })));
  return { text: notificationText(`${head}${people ? ` ${people}` : ''}`), blocks, locale };
}

export function stuckMilestone(v: CardView, locale: Locale = 'en'): SlackMessage {
  const t = M.in(locale);
  const blocks: KnownBlock[] = [section(t('stuckLine', { deadline: formatDuration(v.deadlineMs, locale) }))];
  if (v.reasons.length) blocks.push(section(v.reasons.map((r) => `• ${oneLine(r, 500)}`).join('\n')));
  if (v.stoppedTasks.length)
    blocks.push(section([t('stoppedTasks'), ...stoppedTaskLines(v.stoppedTasks, v.plan.region, v.plan.cluster, locale, 1400)].join('\n')));
  blocks.push(context(t('stuckHelp')));
  blocks.push(abortActions(v.requestId, t(v.plan.verb === 'scale' ? 'scaleBack' : 'rollBack'), locale));
  return { text: t('stuckFallback', { verb: verbTitle(v.plan.verb, locale), service: v.plan.alias }), blocks, locale };
}

/** A failure before the service was touched (changed since the request, PassRole, UpdateService refused…). */
export function notStartedMilestone(
  plan: ChangePlan,
  message: string,
  hint?: string,
  registered?: string,
  locale: Locale = 'en',
  audience?: Audience,
): SlackMessage {
  const t = M.in(locale);
  const verb = verbTitle(plan.verb, locale);
  const blocks: KnownBlock[] = [section(t('didNotRun', { verb, message }))];
  if (hint) blocks.push(context(hint));
  if (registered) blocks.push(context(t('registeredUnused', { td: code(arnTail(registered)) })));
  const people = peopleOf(audience, locale);
  if (people) blocks.push(context(t('notifyFailed', { people })));
  return { text: `${t('didNotRunFallback', { verb, service: plan.alias })}${people ? ` ${people}` : ''}`, blocks, locale };
}

export function abortMilestone(plan: ChangePlan, by: string, how: 'stop' | 'update', target: string, locale: Locale = 'en'): SlackMessage {
  const t = M.in(locale);
  const user = `<@${by}>`;
  const text =
    how === 'stop'
      ? t('abortStop', { user })
      : plan.verb === 'scale'
        ? t('abortScaleBack', { user, n: escapeMrkdwn(target) })
        : t('abortUpdate', { user, td: code(arnTail(target)) });
  return { text: notificationText(text), blocks: [section(text)], locale };
}
