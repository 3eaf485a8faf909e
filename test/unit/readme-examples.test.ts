/**
 * Issue 12: the README's example messages are produced by the real Block Kit builders. The section
 * between the `examples` markers in README.md is what `exampleSection()` renders now from the
 * builders (the approval card and the details of a deploy, in English and Korean); this test fails
 * when they differ. `npm run docs:examples` rewrites the section (UPDATE_README=1).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { requestMessage } from '../../src/approvals/message';
import type { ChangeRequest } from '../../src/approvals/types';
import type { DeployPlan } from '../../src/deploy/plan';
import { planSummary } from '../../src/deploy/render';
import { registerChanges } from '../../src/deploy/register';
import type { Locale } from '../../src/i18n';
import type { SlackMessage } from '../../src/slack/blocks';
import { plainText } from '../../src/slack/text';
import { deployPlanAt } from '../helpers/aws-fixtures';

const README = path.join(__dirname, '../../README.md');
const START = '<!-- examples:start (npm run docs:examples writes this section from the builders) -->';
const END = '<!-- examples:end -->';

const T0 = Date.UTC(2025, 10, 25, 12, 40);
const MIN = 60_000;
const plan: DeployPlan = {
  ...deployPlanAt(T0),
  // What the planner checked when the request was made (src/deploy/planner.ts): the commits from the
  // images' OCI labels, a clean scan with a few low findings, the task and execution roles the
  // environment lists in taskRoles.
  checks: {
    commits: {
      from: '1a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d',
      to: '9f8e7d6c5b4a39281706f5e4d3c2b1a098f7e6d5',
      url: 'https://github.com/acme/shop/compare/1a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d...9f8e7d6c5b4a39281706f5e4d3c2b1a098f7e6d5',
    },
    scan: { status: 'COMPLETE', counts: { MEDIUM: 1, LOW: 3 } },
    roles: {
      task: 'arn:aws:iam::111111111111:role/web-prod-task',
      execution: 'arn:aws:iam::111111111111:role/ecsTaskExecutionRole',
      scoped: true,
      unlisted: [],
      changed: false,
    },
    warnings: [],
  },
};

// The request message shows the change and its checks through the view the deploy feature registers, as in the bot.
registerChanges();

function request(locale: Locale): ChangeRequest {
  return {
    id: 'prod.web.m3x7k2a9qz',
    verb: 'deploy',
    environment: 'prod',
    service: 'web',
    plan,
    summary: planSummary(plan, locale),
    requester: 'UDANA',
    reason: 'checkout fix',
    channel: 'CPROD',
    messageTs: '1764074400.000100',
    createdAt: T0,
    expiresAt: T0 + 60 * MIN,
    approvalsNeeded: 1,
    approvals: [],
    state: 'pending',
    updatedAt: T0,
  };
}

/** A message as a Slack client shows it, in plain text: one line per block, buttons in brackets. */
interface AnyBlock {
  type: string;
  text?: { text: string };
  fields?: Array<{ text: string }>;
  elements?: Array<{ text?: string | { text: string } }>;
}

function asText(msg: SlackMessage): string {
  const lines: string[] = [];
  const textOf = (t: string | { text: string } | undefined) => (typeof t === 'string' ? t : (t?.text ?? ''));
  for (const block of msg.blocks as unknown as AnyBlock[]) {
    if (block.type === 'section' || block.type === 'header') {
      if (block.text) lines.push(plainText(block.text.text));
      for (const f of block.fields ?? []) lines.push(plainText(f.text));
    } else if (block.type === 'context') {
      lines.push((block.elements ?? []).map((e) => plainText(textOf(e.text))).join(' · '));
    } else if (block.type === 'actions') {
      lines.push((block.elements ?? []).map((e) => `[ ${textOf(e.text)} ]`).join('  '));
    } else if (block.type === 'divider') {
      lines.push('───');
    }
  }
  return lines.join('\n');
}

export function exampleSection(): string {
  const card = (locale: Locale) => asText(requestMessage(request(locale), T0 + 5 * MIN, { approvers: ['ULEAD1'], locale }));
  return [
    START,
    '',
    'A deploy request as posted in `#deploys` (English workspace, then Korean), rendered as plain text',
    'by test/unit/readme-examples.test.ts from the same builders the bot uses (times in UTC here; Slack',
    "shows them in each reader's own time zone and language):",
    '',
    '```text',
    card('en'),
    '```',
    '',
    '```text',
    card('ko'),
    '```',
    '',
    END,
  ].join('\n');
}

describe('README examples', () => {
  it('show the card as a real request has it: the change line and one line per check', () => {
    const section = exampleSection();
    for (const line of [
      'shop/web v1.2.2 → v1.2.3 (sha256:3f1c7e5a9b2d)',
      'Scan: ',
      'Roles: ',
      'Tasks: 4 desired',
      '스캔: ',
      '역할: ',
      '작업: ',
    ])
      expect(section).toContain(line);
  });

  it('the README shows what the builders produce now', () => {
    const readme = readFileSync(README, 'utf8');
    const from = readme.indexOf(START);
    const to = readme.indexOf(END);
    expect(from).toBeGreaterThan(-1);
    expect(to).toBeGreaterThan(from);
    const current = readme.slice(from, to + END.length);
    const wanted = exampleSection();
    if (process.env.UPDATE_README === '1' && current !== wanted) {
      writeFileSync(README, readme.slice(0, from) + wanted + readme.slice(to + END.length));
      return;
    }
    expect(current).toBe(wanted);
  });
});
