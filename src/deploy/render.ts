/**
 * Everything the change verbs say in Slack, as pure builders: the request summary and diff
 * (shown in the approval message), the dry-run answer, the status card in the request's
 * thread and the milestone replies under it. All text from AWS or people is escaped.
 */
import type { KnownBlock } from '@slack/types';
import { context, section, type SlackMessage } from '../slack/blocks';
import { code, codeBlock, escapeMrkdwn, link, notificationText, oneLine, plural, truncate, verbTitle } from '../slack/text';
import { formatDuration } from '../i18n';
import { serviceUrl, taskUrl } from '../aws/console';
import { registersTaskDefinition, type ChangePlan } from './plan';
import type { Counts, Phase, StoppedTaskInfo } from './progress';
import { shortDigest, splitImage } from './refs';
import { arnTail } from '../aws/arn';
import type { Locale } from '../i18n';
import { slackDate } from '../slack/time';
import type { PauseState } from './traffic-model';
import { trafficText } from './traffic-text';
import { autoLockBlocks } from './autolock';

/** submitRequest's limit for the summary. */
export const SUMMARY_MAX = 2500;

export const ABORT_ACTION_ID = 'deploy:abort';

const VERB_ING: Record<ChangePlan['verb'], string> = {
  deploy: 'Deploying',
  rollback: 'Rolling back',
  scale: 'Scaling',
  restart: 'Restarting',
  resize: 'Resizing',
};

/** "`0.5 vCPU / 1 GB`" */
export function sizeText(s: { cpu: number; memory: number }): string {
  return code(`${s.cpu / 1024} vCPU / ${s.memory >= 1024 ? `${s.memory / 1024} GB` : `${s.memory} MB`}`);
}

/** "`shop/web:v1.2.3`" or "`shop/web@sha256:3f1c…`" without the registry host. */
function imageLabel(image: string | undefined): string {
  if (!image) return '`(none)`';
  const { repository, tag, digest } = splitImage(image);
  // Docker's rule: the first path segment is a registry host when it has a dot or a port, or is localhost.
  const first = repository.split('/')[0] ?? '';
  const repo = repository.includes('/') && (/[.:]/.test(first) || first === 'localhost') ? repository.slice(first.length + 1) : repository;
  return code(`${repo}${tag ? `:${tag}` : ''}${digest ? `@sha256:${shortDigest(digest)}` : ''}`);
}

/** What the change is about, in a few words: "`v1.2.3`", "to `web-prod:41`", "4 → 8 tasks". */
function changeTarget(plan: ChangePlan, registered?: string): string {
  switch (plan.verb) {
    case 'deploy':
      return `→ ${code(plan.tag ?? `sha256:${shortDigest(plan.digest)}`)}${plan.tag ? ` (${code('sha256:' + shortDigest(plan.digest))})` : ''}${registered ? ` as ${code(arnTail(registered))}` : ''}`;
    case 'rollback':
      return `to ${code(arnTail(plan.targetTaskDefinition))}`;
    case 'scale':
      return `${plan.from} → ${plural(plan.to, 'task')}`;
    case 'restart':
      return `(new tasks of ${code(arnTail(plan.currentTaskDefinition))})`;
    case 'resize':
      return `${sizeText(plan.from)} → ${sizeText(plan.to)}${registered ? ` as ${code(arnTail(registered))}` : ''}`;
  }
}

interface SummaryExtras {
  /** Shown as warnings in the request (e.g. autoscaling range, a rollout of another change). */
  warnings?: string[];
  /** Scan result line for deploys. */
  scan?: string;
  /** Scale bounds from chatops.yml. */
  bounds?: { min: number; max: number };
  /** The policy checks the change passed (roles, images), one line each. */
  checks?: string[];
  now: number;
}

/** The request summary (mrkdwn, ≤ 2,500 characters): what will change, exactly. */
export function planSummary(plan: ChangePlan, x: SummaryExtras): string {
  const head = `*${verbTitle(plan.verb)}* ${code(plan.alias)} (service ${code(plan.serviceName)} in ${code(plan.environment)})`;
  const lines: string[] = [head];
  switch (plan.verb) {
    case 'deploy':
      lines.push(
        `• Image: ${code(`${plan.repository}:${plan.tag ?? '(digest)'}`)} pinned to ${code(plan.digest)}${plan.imagePushedAt ? `, pushed ${formatDuration(x.now - plan.imagePushedAt)} ago` : ''}`,
        `• Container ${code(plan.container)}: ${imageLabel(plan.previousImage)} → ${imageLabel(plan.image)}`,
        `• Task definition: a new revision of ${code(arnTail(plan.currentTaskDefinition).split(':')[0] ?? '')} copied from ${code(arnTail(plan.currentTaskDefinition))} (what runs now), only the image changed`,
        `• Tasks: ${plan.desiredCount} desired, replaced by a rolling deployment`,
      );
      if (x.scan) lines.push(`• Scan: ${x.scan}`);
      break;
    case 'rollback':
      lines.push(
        `• Task definition: ${code(arnTail(plan.currentTaskDefinition))} (now) → ${code(arnTail(plan.targetTaskDefinition))} (${plan.source === 'explicit' ? 'asked for with --to' : plan.source === 'in-progress' ? 'what ran before the rollout in progress' : 'what ran before the last deploy'})`,
        `• Container ${code(plan.container)}: ${imageLabel(plan.previousImage)} → ${imageLabel(plan.targetImage)}`,
        `• Tasks: ${plan.desiredCount} desired, replaced by a rolling deployment`,
      );
      break;
    case 'scale':
      lines.push(
        `• Desired tasks: ${plan.from} → ${plan.to}${x.bounds ? ` (allowed ${x.bounds.min}–${x.bounds.max})` : ''}`,
        `• Task definition unchanged: ${code(arnTail(plan.currentTaskDefinition))}`,
      );
      break;
    case 'restart':
      lines.push(
        `• A new deployment of the same task definition ${code(arnTail(plan.currentTaskDefinition))}: all ${plural(plan.desiredCount, 'task')} replaced, rolling`,
      );
      break;
    case 'resize':
      lines.push(
        `• Task size: ${sizeText(plan.from)} → ${sizeText(plan.to)}`,
        `• Task definition: a new revision of ${code(arnTail(plan.currentTaskDefinition).split(':')[0] ?? '')} copied from ${code(arnTail(plan.currentTaskDefinition))} (what runs now), only the task CPU and memory changed`,
        `• Tasks: ${plan.desiredCount} desired, replaced by a rolling deployment`,
      );
      break;
  }
  if (x.checks?.length) lines.push('*Checks*', ...x.checks.map((c) => `:white_check_mark: ${c}`));
  for (const w of x.warnings ?? []) lines.push(`:warning: ${w}`);
  return truncate(lines.join('\n'), SUMMARY_MAX);
}

/** The dry-run answer: the plan, the diff, and nothing changed. */
export function dryRunMessage(plan: ChangePlan, summary: string, details: string | undefined, notes: string[] = []): SlackMessage {
  const blocks: KnownBlock[] = [section(`:mag: *Dry run* — nothing was changed.\n${summary}`)];
  if (details) blocks.push(section(`*Task definition changes*\n${codeBlock(details, 2900)}`));
  for (const n of notes) blocks.push(context(n));
  blocks.push(context(`Run it without \`--dry-run\` to request the change${plan.environment ? ` in ${code(plan.environment)}` : ''}.`));
  return { text: `Dry run: ${verbTitle(plan.verb)} ${plan.alias} in ${plan.environment} (nothing changed)`, blocks };
}

/** What the requester sees once the request is posted. */
export function requestedMessage(
  plan: ChangePlan,
  r: { id: string; channel: string; approvalsNeeded: number; state: string },
): SlackMessage {
  const text =
    r.approvalsNeeded > 0 && r.state === 'pending'
      ? `:ballot_box_with_check: Request ${code(r.id)} to ${verbTitle(plan.verb).toLowerCase()} ${code(plan.alias)} is posted in <#${r.channel}> and needs ${plural(r.approvalsNeeded, 'approval')}. Progress will be reported in its thread.`
      : `:rocket: ${VERB_ING[plan.verb]} ${code(plan.alias)} in ${code(plan.environment)} now (request ${code(r.id)}). Follow the thread in <#${r.channel}>.`;
  return { text: notificationText(text), blocks: [section(text)] };
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

const PHASE_WORD: Record<CardPhase, string> = {
  starting: 'starting',
  in_progress: 'in progress',
  completed: 'completed',
  failed: 'failed',
  stuck: 'stuck',
  aborting: 'aborting',
};

/** ▰▰▰▱▱ running of desired. */
export function progressBar(running: number, desired: number, width = 10): string {
  if (desired <= 0) return '';
  const filled = Math.max(0, Math.min(width, Math.round((running / desired) * width)));
  return '▰'.repeat(filled) + '▱'.repeat(width - filled);
}

function countsLine(c: Counts, verb: ChangePlan['verb']): string {
  const what = verb === 'scale' ? 'tasks' : 'new tasks';
  return `${progressBar(c.running, c.desired)} ${c.running}/${c.desired} ${what} running${c.pending ? `, ${c.pending} pending` : ''}${c.failed ? `, ${c.failed} failed` : ''}`;
}

/** Slack's date token (each reader's time zone) with a UTC fallback. */
function when(t: number): string {
  const iso = new Date(t).toISOString().replace('T', ' ').slice(0, 16) + ' UTC';
  return `<!date^${Math.floor(t / 1000)}^{time}|${iso}>`;
}

export function stoppedTaskLines(tasks: readonly StoppedTaskInfo[], region: string, cluster: string, maxLogChars = 1200): string[] {
  const out: string[] = [];
  for (const t of tasks) {
    const containers = t.containers
      .filter((c) => c.exitCode !== undefined || c.reason)
      .map((c) =>
        `${code(c.name)} ${c.exitCode !== undefined ? `exit ${c.exitCode}` : ''}${c.reason ? ` (${oneLine(c.reason, 200)})` : ''}`.trim(),
      )
      .join('; ');
    out.push(
      `• Task ${link(taskUrl(region, cluster, t.taskId), t.taskId.slice(0, 8))}: ${t.stopCode ? `${code(t.stopCode)} ` : ''}${oneLine(t.stoppedReason, 300) || 'stopped'}${containers ? ` — ${containers}` : ''}`,
    );
    if (t.logLines?.length) out.push(codeBlock(t.logLines.join('\n'), maxLogChars));
  }
  return out;
}

/** The status card: one message in the thread, updated in place until the change is final. */
export function statusCard(v: CardView): SlackMessage {
  const p = v.plan;
  const done = v.phase === 'completed' || v.phase === 'failed';
  const what = done ? `${verbTitle(p.verb)} of ${code(p.alias)}` : `${VERB_ING[p.verb]} ${code(p.alias)}`;
  const tt = trafficText.in(v.locale ?? 'en');
  const word = v.pause ? tt('cardPhase') : PHASE_WORD[v.phase];
  const icon = v.pause ? ':double_vertical_bar:' : PHASE_ICON[v.phase];
  const title = `${icon} *${what}* ${changeTarget(p, v.registered)} in ${code(p.environment)} — *${word}*`;
  const blocks: KnownBlock[] = [section(v.note ? `${title}\n${v.note}` : title)];
  if (v.pause) {
    const expiry =
      v.pause.expiresAt !== undefined
        ? tt('cardExpiry', { action: code(v.pause.timeoutAction ?? 'ROLLBACK'), at: slackDate(v.pause.expiresAt) })
        : '';
    blocks.push(section(tt('cardPaused', { stage: code(v.pause.stage), button: v.pause.button, expiry })));
  }
  const facts: string[] = [];
  if (registersTaskDefinition(p))
    facts.push(v.registered ? `Task definition ${code(arnTail(v.registered))}` : 'Task definition not registered yet');
  else if (p.verb === 'rollback') facts.push(`Task definition ${code(arnTail(p.targetTaskDefinition))}`);
  if (v.deploymentId) facts.push(`Deployment ${code(v.deploymentId)}`);
  if (v.startedAt) facts.push(`started ${when(v.startedAt)}`);
  if (v.counts) blocks.push(section(countsLine(v.counts, p.verb)));
  if (facts.length) blocks.push(context(facts.join(' · '), link(serviceUrl(p.region, p.cluster, p.serviceName), 'ECS console')));
  if (v.abortedBy) blocks.push(section(`:octagonal_sign: Aborted by <@${v.abortedBy}>${v.rolledBack ? '; ECS is rolling back' : ''}.`));
  if (v.reasons.length) blocks.push(section(v.reasons.map((r) => `• ${oneLine(r, 500)}`).join('\n')));
  if (v.stoppedTasks.length)
    blocks.push(section(['*Stopped tasks*', ...stoppedTaskLines(v.stoppedTasks, p.region, p.cluster, 600)].join('\n')));
  if (v.phase === 'in_progress' || v.phase === 'stuck' || v.phase === 'starting') {
    if (v.deploymentId || p.verb === 'scale')
      blocks.push(abortActions(v.requestId, p.verb === 'scale' ? 'Abort (scale back)' : 'Abort and roll back'));
  }
  const text = `${VERB_ING[p.verb]} ${p.alias} in ${p.environment}: ${PHASE_WORD[v.phase]}${v.counts ? ` (${v.counts.running}/${v.counts.desired} running)` : ''}`;
  return { text, blocks };
}

/** The Abort / Roll back button, with a confirmation dialog. */
export function abortActions(requestId: string, label: string): KnownBlock {
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
          title: { type: 'plain_text', text: 'Stop this change?' },
          text: { type: 'mrkdwn', text: 'ECS stops the rollout and returns the service to what it ran before.' },
          confirm: { type: 'plain_text', text: label },
          deny: { type: 'plain_text', text: 'Keep going' },
          style: 'danger',
        },
      },
    ],
  };
}

export function registeredMilestone(arn: string, reused: boolean): SlackMessage {
  const text = reused
    ? `:package: Reusing task definition ${code(arnTail(arn))}, registered by an earlier attempt of this request.`
    : `:package: Task definition registered: ${code(arnTail(arn))}.`;
  return { text: notificationText(text), blocks: [section(text)] };
}

export function startedMilestone(plan: ChangePlan, deploymentId: string | undefined, deadlineMs: number): SlackMessage {
  const what =
    plan.verb === 'scale' ? `Desired count set to ${plan.to}` : `Deployment started${deploymentId ? `: ${code(deploymentId)}` : ''}`;
  const text = `:rocket: ${what}. I'll report here when it completes or fails, and call it stuck after ${formatDuration(deadlineMs)}.`;
  return { text: notificationText(text), blocks: [section(text)] };
}

export function finalMilestone(v: CardView & { phase: 'completed' | 'failed' }, durationMs?: number): SlackMessage {
  const p = v.plan;
  const took = durationMs !== undefined ? ` in ${formatDuration(durationMs)}` : '';
  if (v.phase === 'completed') {
    const what =
      p.verb === 'scale'
        ? `${code(p.alias)} runs ${plural(p.to, 'task')}`
        : `${code(p.alias)} runs ${code(arnTail(registersTaskDefinition(p) ? v.registered : p.verb === 'rollback' ? p.targetTaskDefinition : p.currentTaskDefinition))}${v.counts ? ` on ${plural(v.counts.running, 'task')}` : ''}`;
    const text = `:white_check_mark: *${verbTitle(p.verb)} completed*${took}: ${what}.`;
    return {
      text: `${verbTitle(p.verb)} of ${p.alias} completed`,
      blocks: [section(text), ...(v.autoLocked ? autoLockBlocks(p, v.locale ?? 'en') : [])],
    };
  }
  const blocks: KnownBlock[] = [
    section(
      `:x: *${verbTitle(p.verb)} failed*${took}${v.rolledBack ? ` — the service is back on ${code(arnTail(p.currentTaskDefinition))}` : ''}${v.abortedBy ? ` (aborted by <@${v.abortedBy}>)` : ''}.`,
    ),
  ];
  if (v.reasons.length) blocks.push(section(v.reasons.map((r) => `• ${oneLine(r, 600)}`).join('\n')));
  if (v.stoppedTasks.length) {
    const lines = stoppedTaskLines(v.stoppedTasks, p.region, p.cluster, 1400);
    blocks.push(section(['*Why tasks stopped*', ...lines].join('\n')));
  }
  if (v.registered && registersTaskDefinition(p))
    blocks.push(context(`Task definition ${code(arnTail(v.registered))} stays registered but unused.`));
  if (v.autoLocked) blocks.push(...autoLockBlocks(p, v.locale ?? 'en'));
  return { text: `${verbTitle(p.verb)} of ${p.alias} failed`, blocks };
}

export function stuckMilestone(v: CardView): SlackMessage {
  const blocks: KnownBlock[] = [section(`:warning: *Still not done after ${formatDuration(v.deadlineMs)}* — the rollout looks stuck.`)];
  if (v.reasons.length) blocks.push(section(v.reasons.map((r) => `• ${oneLine(r, 500)}`).join('\n')));
  if (v.stoppedTasks.length)
    blocks.push(section(['*Stopped tasks*', ...stoppedTaskLines(v.stoppedTasks, v.plan.region, v.plan.cluster, 1400)].join('\n')));
  blocks.push(context('Roll back stops the deployment and returns the service to what it ran before. I keep watching either way.'));
  blocks.push(abortActions(v.requestId, v.plan.verb === 'scale' ? 'Scale back' : 'Roll back'));
  return { text: `${verbTitle(v.plan.verb)} of ${v.plan.alias} looks stuck`, blocks };
}

/** A failure before the service was touched (changed since the request, PassRole, UpdateService refused…). */
export function notStartedMilestone(plan: ChangePlan, message: string, hint?: string, registered?: string): SlackMessage {
  const blocks: KnownBlock[] = [section(`:x: *${verbTitle(plan.verb)} did not run.* ${message}`)];
  if (hint) blocks.push(context(hint));
  if (registered) blocks.push(context(`Task definition ${code(arnTail(registered))} was registered but is not used by the service.`));
  return { text: `${verbTitle(plan.verb)} of ${plan.alias} did not run`, blocks };
}

export function abortMilestone(plan: ChangePlan, by: string, how: 'stop' | 'update', target: string): SlackMessage {
  const text =
    how === 'stop'
      ? `:octagonal_sign: <@${by}> aborted the rollout: ECS stops deployment and rolls back to what ran before.`
      : plan.verb === 'scale'
        ? `:octagonal_sign: <@${by}> aborted: desired count set back to ${escapeMrkdwn(target)}.`
        : `:octagonal_sign: <@${by}> aborted: the service is updated back to ${code(arnTail(target))}.`;
  return { text: notificationText(text), blocks: [section(text)] };
}
