/**
 * The Home tab, pure: what waits for the reader, their open requests, rollouts running now, locks
 * and freezes, open incidents and one line per service of each environment they may read. Within
 * Slack's 100 blocks however much there is: most relevant first, then "and N more". The data is
 * gathered by ./home-data.ts; the view is published by ./home-publish.ts.
 */
import type { KnownBlock } from '@slack/types';
import { aliasNote } from '../config/aliases';
import { ACTION } from '../approvals/message';
import { approveConfirm } from '../approvals/confirm';
import type { GuardInfo } from '../approvals/guards';
import type { ChangeRequest, RequestState } from '../approvals/types';
import { HEALTH_MARK, type Health } from '../commands/render/health';
import { defineMessages, type Locale } from '../i18n';
import { tokenText } from '../i18n/catalog';
import { actions, context, header, section } from '../slack/blocks';
import { code, escapeMrkdwn, LIMITS, mention, messageUrl, oneLine, plainText, truncate } from '../slack/text';
import { requestVerbTitle } from '../approvals/format';
import { slackDate } from '../slack/time';

export const text = defineMessages('home', {
  title: { en: 'ECS ChatOps', ko: 'ECS ChatOps', same: true },
  updated: { en: 'Updated {when}', ko: '{when} 기준' },
  deployButton: { en: 'Deploy…', ko: '배포…' },
  refreshButton: { en: 'Refresh', ko: '새로 고침' },
  waitingHead: { en: 'Waiting for your approval ({n})', ko: '내 승인을 기다리는 요청 ({n})' },
  waitingNone: { en: 'Nothing is waiting for your approval.', ko: '승인을 기다리는 요청이 없습니다.' },
  waitingLine: {
    en: '*{verb} {service} → {env}* · requested by {requester} {when}\n{summary}\n{reason} · {approvals} of {needed} approvals · expires {expires} · {link}',
    ko: '*{verb} {service} → {env}* · {requester} 님이 {when}에 요청\n{summary}\n{reason} · 승인 {approvals}/{needed} · {expires}에 만료 · {link}',
  },
  noReason: { en: '_no reason given_', ko: '_사유 없음_' },
  openRequest: { en: 'open the request', ko: '요청 열기' },
  approve: { en: 'Approve', ko: '승인' },
  reject: { en: 'Reject', ko: '거절' },
  moreWaiting: { en: '…and {n} more waiting: {links}', ko: '…그 밖에 {n}건이 더 기다립니다: {links}' },
  mineHead: { en: 'Your open requests ({n})', ko: '내가 연 요청 ({n})' },
  mineLine: {
    en: '{icon} *{verb} {service} → {env}*: {state} · {link}',
    ko: '{icon} *{verb} {service} → {env}*: {state} · {link}',
    same: true,
  },
  rolloutsHead: { en: 'Rollouts running now ({n})', ko: '지금 진행 중인 롤아웃 ({n})' },
  rolloutLine: {
    en: '{icon} *{verb} {service} → {env}*: {progress} · started {when} · {link}',
    ko: '{icon} *{verb} {service} → {env}*: {progress} · {when} 시작 · {link}',
  },
  progressStarting: { en: 'starting', ko: '시작하는 중' },
  progressCounts: { en: '{running}/{desired} running', ko: '{desired}개 중 {running}개 실행 중' },
  progressFailed: { en: '{n} failed', ko: '{n}개 실패' },
  progressStuck: { en: 'stuck', ko: '멈춤' },
  thread: { en: 'thread', ko: '스레드' },
  guardsHead: { en: 'Locks and freezes ({n})', ko: '잠금과 동결 ({n})' },
  freezeLine: {
    en: ':snowflake: *{env}* is frozen by {who} since {since}{why}',
    ko: ':snowflake: *{env}* 동결: {who}, {since}부터{why}',
  },
  lockLine: {
    en: ':lock: *{service}* ({env}) is locked by {who} since {since}{why}',
    ko: ':lock: *{service}* ({env}) 잠금: {who}, {since}부터{why}',
  },
  incidentsHead: { en: 'Open incidents ({n})', ko: '진행 중인 장애 ({n})' },
  incidentLine: {
    en: '{icon} *{service}* ({env}): {what} · last: {reason} · {when}{link}',
    ko: '{icon} *{service}* ({env}): {what} · 마지막: {reason} · {when}{link}',
  },
  incidentTasks: { en: '{n} {n|task|tasks} failed', ko: '작업 {n}개 실패' },
  incidentDown: { en: 'service down', ko: '서비스 중단' },
  incidentSignals: { en: '{n} {n|signal|signals} of trouble', ko: '이상 신호 {n}건' },
  alertLink: { en: 'alert', ko: '알림' },
  moreLines: { en: '…and {n} more', ko: '…그 밖에 {n}건 더' },
  envHead: { en: '{env} · {n} {n|service|services}', ko: '{env} · 서비스 {n}개' },
  envAsOf: { en: 'as of {when}', ko: '{when} 기준' },
  envNotLoaded: {
    en: 'Service health is being read from ECS; it appears here in a moment.',
    ko: 'ECS에서 서비스 상태를 읽는 중입니다. 잠시 후 여기에 표시됩니다.',
  },
  envError: { en: ':warning: Could not read ECS: {error}', ko: ':warning: ECS를 읽지 못했습니다: {error}' },
  envEmpty: { en: 'No services are configured for this environment.', ko: '이 환경에 설정된 서비스가 없습니다.' },
  envLine: {
    en: '{mark} *{service}*{aliases} {health} · {running}/{desired}{pending} · {image}',
    ko: '{mark} *{service}*{aliases} {health} · {running}/{desired}{pending} · {image}',
    same: true,
  },
  envPending: { en: ', {n} pending', ko: ', 대기 {n}' },
  imageUnknown: { en: '_image unknown_', ko: '_이미지 알 수 없음_' },
  moreServices: { en: '…and {n} more {n|service|services} (healthiest last)', ko: '…그 밖에 서비스 {n}개 (상태가 좋은 순서로 생략)' },
  moreEnvironments: { en: '…and {n} more {n|environment|environments}: {names}', ko: '…그 밖에 환경 {n}개: {names}' },
  storeUnavailable: {
    en: ':warning: The bot cannot read its store (Redis) right now, so approvals, rollouts, locks and incidents are not shown here. Read-only commands such as `/ecs status` still work; changes wait until the store is back. Press *Refresh* in a minute.',
    ko: ':warning: 지금 봇의 저장소(Redis)를 읽을 수 없어 승인 요청, 배포 진행, 잠금, 장애를 여기에 보여 줄 수 없습니다. `/ecs status` 같은 조회 명령은 계속 쓸 수 있고, 변경은 저장소가 돌아온 뒤에 할 수 있습니다. 잠시 후 *새로 고침*을 누르세요.',
  },
  nothingToRead: {
    en: 'You are not a reader of any environment in this bot’s configuration, so there is nothing to show here.',
    ko: '이 봇 설정에서 읽기 권한이 있는 환경이 없어 보여 줄 내용이 없습니다.',
  },
  state_pending: { en: 'waiting for {n} more {n|approval|approvals}', ko: '승인 {n}건 더 필요' },
  state_approved: { en: 'approved, starting', ko: '승인됨, 시작하는 중' },
  state_running: { en: 'running', ko: '진행 중' },
  /** One health's count in an environment's tally: "🟢 2 steady", in Korean "🟢 정상 2". */
  tally: { en: '{mark} {n} {health}', ko: '{mark} {health} {n}' },
  health_steady: { en: 'steady', ko: '정상' },
  health_deploying: { en: 'deploying', ko: '배포 중' },
  health_degraded: { en: 'degraded', ko: '저하' },
  health_down: { en: 'down', ko: '중단' },
  health_failed: { en: 'deployment failed', ko: '배포 실패' },
  health_idle: { en: 'scaled to 0', ko: '0으로 축소됨' },
  health_inactive: { en: 'inactive', ko: '비활성' },
  health_missing: { en: 'not found', ko: '찾을 수 없음' },
});

type T = ReturnType<typeof text.in>;

/** Action ids of the Home tab's own buttons (./home-publish.ts and ./deploy-modal.ts handle them). */
export const HOME_ACTION = { deploy: 'home:deploy', refresh: 'home:refresh' } as const;
/** block_id of the "Updated …" line. */
export const HOME_UPDATED_BLOCK = 'home-updated';

/** A rollout running now and its progress as the tracker last saw it (src/deploy/tracker.ts). */
export interface HomeRollout {
  request: ChangeRequest;
  progress?: { phase: string; desired: number; running: number; pending: number; failed: number };
}

export interface HomeGuard {
  environment: string;
  /** Absent for a freeze of the whole environment. */
  service?: string;
  guard: GuardInfo;
}

export interface HomeIncident {
  environment: string;
  service: string;
  /** Tasks that failed. */
  tasks: number;
  /** Signals of every kind (failed tasks, failed deployments, service actions). */
  signals: number;
  down: boolean;
  /** The last signal's stored label: a catalog token (shown in the reader's language) or an error name. */
  lastReason: string;
  lastAt: number;
  channel?: string;
  ts?: string;
}

/** One service as `/ecs status <environment>` sees it (cached by the worker). */
export interface StatusRow {
  alias: string;
  /** The service's aliases in chatops.yml, shown after its name (not cached: read from the configuration). */
  aliases?: readonly string[] | undefined;
  health: Health;
  running: number;
  desired: number;
  pending: number;
  /** Tag, or `@` + short digest. */
  image?: string;
}

export interface HomeEnvironment {
  name: string;
  serviceCount: number;
  status?: { at: number; rows: StatusRow[]; error?: string };
}

export interface HomeInput {
  user: string;
  locale: Locale;
  now: number;
  /** Whether the reader approves in any environment (else the approvals section is left out). */
  approver: boolean;
  /** Whether the reader may request deploys somewhere (the Deploy… button). */
  canDeploy: boolean;
  waiting: ChangeRequest[];
  mine: ChangeRequest[];
  rollouts: HomeRollout[];
  guards: HomeGuard[];
  incidents: HomeIncident[];
  environments: HomeEnvironment[];
}

export const HOME_LIMITS = {
  blocks: 100,
  /** Waiting requests shown with their own Approve / Reject buttons (2 blocks each). */
  waitingWithButtons: 5,
  /** Lines of the list sections (my requests, rollouts, locks, incidents). */
  listLines: 10,
  /** Links in the "and N more waiting" line. */
  moreLinks: 8,
  /** Characters of the text of one section (Slack allows 3,000). */
  sectionText: 2900,
} as const;

const HEALTH_ORDER: Health[] = ['down', 'failed', 'degraded', 'deploying', 'missing', 'inactive', 'idle', 'steady'];

const STATE_ICON: Partial<Record<RequestState, string>> = {
  pending: ':hourglass_flowing_sand:',
  approved: ':+1:',
  running: ':arrows_counterclockwise:',
};

function requestLinkText(req: Pick<ChangeRequest, 'channel' | 'messageTs' | 'id'>, label: string): string {
  return req.channel && req.messageTs ? `<${messageUrl(req.channel, req.messageTs)}|${escapeMrkdwn(label)}>` : code(req.id);
}

/** Lines grouped into sections of at most `max` characters each. */
function chunkLines(lines: readonly string[], max: number = HOME_LIMITS.sectionText): string[] {
  const out: string[] = [];
  let cur = '';
  for (const raw of lines) {
    const line = truncate(raw, max);
    if (cur && cur.length + 1 + line.length > max) {
      out.push(cur);
      cur = line;
    } else cur = cur ? `${cur}\n${line}` : line;
  }
  if (cur) out.push(cur);
  return out;
}

/** A titled list: at most `HOME_LIMITS.listLines` lines in one section, then "and N more". */
function listSection(title: string, lines: readonly string[], t: T): KnownBlock[] {
  const shown = lines.slice(0, HOME_LIMITS.listLines);
  const rest = lines.length - shown.length;
  const body = [`*${escapeMrkdwn(title)}*`, ...shown, ...(rest > 0 ? [t('moreLines', { n: rest })] : [])];
  return [section(chunkLines(body)[0]!)];
}

function waitingBlocks(input: HomeInput, t: T): KnownBlock[] {
  if (!input.approver && !input.waiting.length) return [];
  const reqs = [...input.waiting].sort((a, b) => a.expiresAt - b.expiresAt || a.createdAt - b.createdAt);
  const head = t('waitingHead', { n: reqs.length });
  if (!reqs.length) return [section(`*${escapeMrkdwn(head)}*\n${t('waitingNone')}`)];
  const blocks: KnownBlock[] = [header(head)];
  for (const req of reqs.slice(0, HOME_LIMITS.waitingWithButtons)) {
    const summary = oneLine(plainText(req.summary.split('\n')[0] ?? ''), 300) || code(req.id);
    blocks.push(
      section(
        t('waitingLine', {
          verb: requestVerbTitle(req, input.locale),
          service: escapeMrkdwn(req.service),
          env: escapeMrkdwn(req.environment),
          requester: mention(req.requester),
          when: slackDate(req.createdAt),
          summary,
          reason: req.reason?.trim() ? `“${oneLine(req.reason, 300)}”` : t('noReason'),
          approvals: req.approvals.length,
          needed: req.approvalsNeeded,
          expires: slackDate(req.expiresAt, '{time}'),
          link: requestLinkText(req, t('openRequest')),
        }),
      ),
    );
    blocks.push(
      actions(undefined, [
        { text: t('approve'), actionId: ACTION.approve, value: req.id, style: 'primary', confirm: approveConfirm(req, input.locale) },
        { text: t('reject'), actionId: ACTION.reject, value: req.id, style: 'danger' },
      ]),
    );
  }
  const rest = reqs.slice(HOME_LIMITS.waitingWithButtons);
  if (rest.length) {
    const links = rest
      .slice(0, HOME_LIMITS.moreLinks)
      .map((r) => requestLinkText(r, `${r.service} → ${r.environment}`))
      .join(', ');
    blocks.push(context(truncate(t('moreWaiting', { n: rest.length, links }), 2900)));
  }
  return blocks;
}

function mineBlocks(input: HomeInput, t: T): KnownBlock[] {
  if (!input.mine.length) return [];
  const rank: Partial<Record<RequestState, number>> = { pending: 0, approved: 1, running: 2 };
  const reqs = [...input.mine].sort((a, b) => (rank[a.state] ?? 9) - (rank[b.state] ?? 9) || b.createdAt - a.createdAt);
  const lines = reqs.map((r) => {
    const state =
      r.state === 'pending'
        ? t('state_pending', { n: Math.max(1, r.approvalsNeeded - r.approvals.length) })
        : r.state === 'approved'
          ? t('state_approved')
          : t('state_running');
    return t('mineLine', {
      icon: STATE_ICON[r.state] ?? ':grey_question:',
      verb: requestVerbTitle(r, input.locale),
      service: escapeMrkdwn(r.service),
      env: escapeMrkdwn(r.environment),
      state,
      link: requestLinkText(r, t('openRequest')),
    });
  });
  return listSection(t('mineHead', { n: reqs.length }), lines, t);
}

function progressText(r: HomeRollout, t: T): string {
  const p = r.progress;
  if (!p) return t('progressStarting');
  const parts = [t('progressCounts', { running: p.running, desired: p.desired })];
  if (p.failed > 0) parts.push(t('progressFailed', { n: p.failed }));
  if (p.phase === 'stuck') parts.push(`*${t('progressStuck')}*`);
  return parts.join(', ');
}

function rolloutBlocks(input: HomeInput, t: T): KnownBlock[] {
  if (!input.rollouts.length) return [];
  const startOf = (r: HomeRollout) => r.request.startedAt ?? r.request.updatedAt;
  const rank = (r: HomeRollout) => (r.progress?.phase === 'stuck' ? 0 : r.progress?.failed ? 1 : 2);
  const rollouts = [...input.rollouts].sort((a, b) => rank(a) - rank(b) || startOf(b) - startOf(a));
  const lines = rollouts.map((r) =>
    t('rolloutLine', {
      icon: r.progress?.phase === 'stuck' ? ':warning:' : ':arrows_counterclockwise:',
      verb: requestVerbTitle(r.request, input.locale),
      service: escapeMrkdwn(r.request.service),
      env: escapeMrkdwn(r.request.environment),
      progress: progressText(r, t),
      when: slackDate(startOf(r), '{time}'),
      link: requestLinkText(r.request, t('thread')),
    }),
  );
  return listSection(t('rolloutsHead', { n: rollouts.length }), lines, t);
}

function guardBlocks(input: HomeInput, t: T): KnownBlock[] {
  // Locks a running change holds are the rollouts above.
  const guards = input.guards
    .filter((g) => g.guard.kind !== 'change')
    .sort((a, b) => Number(!!a.service) - Number(!!b.service) || b.guard.since - a.guard.since);
  if (!guards.length) return [];
  const lines = guards.map((g) => {
    const common = {
      who: mention(g.guard.by),
      since: slackDate(g.guard.since),
      why: g.guard.reason ? `: “${oneLine(g.guard.reason, 200)}”` : '',
      env: escapeMrkdwn(g.environment),
    };
    return g.service ? t('lockLine', { ...common, service: escapeMrkdwn(g.service) }) : t('freezeLine', common);
  });
  return listSection(t('guardsHead', { n: guards.length }), lines, t);
}

function incidentBlocks(input: HomeInput, t: T): KnownBlock[] {
  if (!input.incidents.length) return [];
  const incidents = [...input.incidents].sort((a, b) => Number(b.down) - Number(a.down) || b.lastAt - a.lastAt);
  const lines = incidents.map((i) =>
    t('incidentLine', {
      icon: i.down ? ':red_circle:' : ':fire:',
      service: escapeMrkdwn(i.service),
      env: escapeMrkdwn(i.environment),
      what: i.down ? t('incidentDown') : i.tasks > 0 ? t('incidentTasks', { n: i.tasks }) : t('incidentSignals', { n: i.signals }),
      reason: oneLine(tokenText(i.lastReason, input.locale), 120),
      when: slackDate(i.lastAt),
      link: i.channel && i.ts ? ` · <${messageUrl(i.channel, i.ts)}|${t('alertLink')}>` : '',
    }),
  );
  return listSection(t('incidentsHead', { n: incidents.length }), lines, t);
}

function envLine(row: StatusRow, t: T): string {
  return t('envLine', {
    mark: HEALTH_MARK[row.health] ?? ':grey_question:',
    service: escapeMrkdwn(row.alias),
    aliases: escapeMrkdwn(aliasNote(row.aliases)),
    health: t(`health_${row.health}`),
    running: row.running,
    desired: row.desired,
    pending: row.pending ? t('envPending', { n: row.pending }) : '',
    image: row.image ? code(row.image) : t('imageUnknown'),
  });
}

/** An environment in at most `budget` blocks (at least 3): its header, a context line and its services, worst first. */
function environmentBlocks(env: HomeEnvironment, budget: number, t: T): KnownBlock[] {
  const head = header(t('envHead', { env: env.name, n: env.serviceCount }));
  const status = env.status;
  if (!status) return [head, context(t('envNotLoaded'))];
  const when = t('envAsOf', { when: slackDate(status.at, '{time}') });
  if (status.error) return [head, context(`${t('envError', { error: oneLine(status.error, 300) })} · ${when}`)];
  if (!status.rows.length) return [head, context(t('envEmpty'))];
  const rank = new Map(HEALTH_ORDER.map((h, i) => [h, i]));
  const rows = [...status.rows].sort((a, b) => (rank.get(a.health) ?? 9) - (rank.get(b.health) ?? 9) || a.alias.localeCompare(b.alias));
  const tally = HEALTH_ORDER.map((h) => [h, rows.filter((r) => r.health === h).length] as const)
    .filter(([, n]) => n > 0)
    .map(([h, n]) => t('tally', { mark: HEALTH_MARK[h], n, health: t(`health_${h}`) }))
    .join('   ');
  const lines = rows.map((r) => envLine(r, t));
  const sectionsAllowed = Math.max(1, budget - 2);
  let shown = lines.length;
  let chunks = chunkLines(lines);
  // Too many lines for the blocks left: keep the worst ones and say how many healthy ones are left out.
  while (chunks.length > sectionsAllowed && shown > 1) {
    shown = Math.max(1, Math.floor((shown * sectionsAllowed) / chunks.length) - 1);
    chunks = chunkLines([...lines.slice(0, shown), t('moreServices', { n: lines.length - shown })]);
  }
  return [head, context(`${tally} · ${when}`), ...chunks.map((c) => section(c))];
}

/** The Home tab view for one reader. */
/** The title, the "Updated" line and the buttons every Home view starts with. */
function homeTop(t: T, now: number, canDeploy: boolean): KnownBlock[] {
  return [
    header(t('title')),
    // Left out of the "did it change" hash (./home-publish.ts): only this block changes with the clock.
    { type: 'context', block_id: HOME_UPDATED_BLOCK, elements: [{ type: 'mrkdwn', text: t('updated', { when: slackDate(now) }) }] },
    actions('home-actions', [
      ...(canDeploy ? [{ text: t('deployButton'), actionId: HOME_ACTION.deploy, value: 'deploy', style: 'primary' as const }] : []),
      { text: t('refreshButton'), actionId: HOME_ACTION.refresh, value: 'refresh' },
    ]),
  ];
}

/**
 * The Home tab when the store did not answer in time (./home-publish.ts): says so instead of
 * leaving an older view that looks current. No Deploy button: a change needs the store.
 */
export function homeUnavailableView(locale: Locale, now: number): { type: 'home'; blocks: KnownBlock[] } {
  const t = text.in(locale);
  return { type: 'home', blocks: [...homeTop(t, now, false), section(t('storeUnavailable'))] };
}

export function homeView(input: HomeInput): { type: 'home'; blocks: KnownBlock[] } {
  const t = text.in(input.locale);
  const top = homeTop(t, input.now, input.canDeploy);
  const parts = [waitingBlocks(input, t), mineBlocks(input, t), rolloutBlocks(input, t), guardBlocks(input, t), incidentBlocks(input, t)];
  const blocks: KnownBlock[] = [...top, ...parts.flat()];
  if (!input.environments.length) {
    if (!input.waiting.length && !input.mine.length) blocks.push(section(t('nothingToRead')));
    return { type: 'home', blocks };
  }
  // The environments get what is left, one block kept for "and N more environments".
  let left = HOME_LIMITS.blocks - blocks.length - 1;
  const envs = input.environments;
  let i = 0;
  for (; i < envs.length; i++) {
    // Each environment needs 3 blocks at least (header, summary, one section): keep them for the ones after.
    const later = envs.length - i - 1;
    if (left < 3) break;
    const envBlocks = environmentBlocks(envs[i]!, Math.min(left, Math.max(3, left - 3 * later)), t);
    blocks.push(...envBlocks);
    left -= envBlocks.length;
  }
  if (i < envs.length) {
    const names = envs
      .slice(i)
      .map((e) => code(e.name))
      .join(', ');
    blocks.push(context(truncate(t('moreEnvironments', { n: envs.length - i, names }), LIMITS.sectionText)));
  }
  return { type: 'home', blocks: blocks.slice(0, HOME_LIMITS.blocks) };
}
