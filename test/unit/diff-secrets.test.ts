/**
 * Issue 10, item 1: change diffs name environment variables and say added / removed / changed,
 * never their values; secret references show their valueFrom; anything else that looks secret
 * is hidden or masked. Pure; no mocks.
 */
import type { ContainerDefinition } from '@aws-sdk/client-ecs';
import { diffObjects, imagePair, isValueHidden, renderDiff } from '../../src/deploy/diff';
import { registrationInput, withImage } from '../../src/deploy/taskdef';
import { dryRunMessage, planSummary } from '../../src/deploy/render';
import { requestMessage } from '../../src/approvals/message';
import type { RollbackPlan } from '../../src/deploy/plan';
import type { ChangeRequest } from '../../src/approvals/types';
import { ACCOUNT, REGION, REGISTRY, taskDefinition, tdArn, planBase } from '../helpers/aws-fixtures';

const DB_OLD = 'postgres://app:0ld-Pg-Passw0rd@db.internal:5432/shop';
const DB_NEW = 'postgres://app:N3w-Pg-Passw0rd@db-2.internal:5432/shop';
const PAY_OLD = 'sk_live_51OldPaymentKey000AbCdEf';
const PAY_NEW = 'sk_live_51NewPaymentKey999XyZwVu';
const VALUES = [DB_OLD, DB_NEW, PAY_OLD, PAY_NEW, '0ld-Pg-Passw0rd', 'N3w-Pg-Passw0rd', '51OldPaymentKey', '51NewPaymentKey', 'hunter2'];

function withWeb(revision: number, web: Partial<ContainerDefinition>) {
  const td = taskDefinition(revision);
  td.containerDefinitions![0] = { ...td.containerDefinitions![0]!, ...web };
  return td;
}

const current = withWeb(42, {
  environment: [
    { name: 'NODE_ENV', value: 'production' },
    { name: 'DATABASE_URL', value: DB_NEW },
    { name: 'PAYMENT_API_KEY', value: PAY_NEW },
    { name: 'FEATURE_X', value: 'on' },
  ],
  secrets: [{ name: 'API_TOKEN', valueFrom: `arn:aws:ssm:${REGION}:${ACCOUNT}:parameter/web/api-token-v2` }],
  command: ['node', 'server.js', '--db-password', 'N3w-Pg-Passw0rd', `--payments=${PAY_NEW}`],
  logConfiguration: { logDriver: 'splunk', options: { 'splunk-url': 'https://splunk.internal:8088', 'splunk-token': 'b6f1c2d3-new' } },
  dockerLabels: { team: 'shop', 'monitor.api_key': 'dd-new-key-123' },
});
const target = withWeb(39, {
  image: `${REGISTRY}/shop/web:v1.1.9`,
  environment: [
    { name: 'NODE_ENV', value: 'production' },
    { name: 'DATABASE_URL', value: DB_OLD },
    { name: 'PAYMENT_API_KEY', value: PAY_OLD },
    { name: 'LEGACY_CHECKOUT', value: 'true' },
  ],
  secrets: [{ name: 'API_TOKEN', valueFrom: `arn:aws:ssm:${REGION}:${ACCOUNT}:parameter/web/api-token` }],
  command: ['node', 'server.js', '--db-password', '0ld-Pg-Passw0rd', `--payments=${PAY_OLD}`],
  logConfiguration: { logDriver: 'splunk', options: { 'splunk-url': 'https://splunk.internal:8088', 'splunk-token': 'a5e0b1c2-old' } },
  dockerLabels: { team: 'shop', 'monitor.api_key': 'dd-old-key-456' },
});

describe('task definition diffs show no values of environment variables', () => {
  const text = renderDiff(diffObjects(registrationInput(current), registrationInput(target)));

  it('names each variable with added / removed / changed', () => {
    expect(text).toContain('~ containerDefinitions[web].environment.DATABASE_URL (changed)');
    expect(text).toContain('~ containerDefinitions[web].environment.PAYMENT_API_KEY (changed)');
    expect(text).toContain('- containerDefinitions[web].environment.FEATURE_X (removed)');
    expect(text).toContain('+ containerDefinitions[web].environment.LEGACY_CHECKOUT (added)');
    expect(text).not.toContain('NODE_ENV');
  });

  it('never prints a value: not of the variables, the command line, the log driver options or labels', () => {
    for (const v of VALUES) expect(text).not.toContain(v);
    expect(text).not.toMatch(/b6f1c2d3|a5e0b1c2|dd-new-key|dd-old-key/);
    expect(text).not.toContain('on\n');
  });

  it('shows secret references (valueFrom) and other harmless values', () => {
    expect(text).toContain(
      `~ containerDefinitions[web].secrets.API_TOKEN: arn:aws:ssm:${REGION}:${ACCOUNT}:parameter/web/api-token-v2 → arn:aws:ssm:${REGION}:${ACCOUNT}:parameter/web/api-token`,
    );
    expect(text).toContain('~ containerDefinitions[web].image:');
    expect(text).toContain('~ containerDefinitions[web].logConfiguration.options.splunk-token (changed)');
    expect(text).toContain('~ containerDefinitions[web].dockerLabels.monitor.api_key (changed)');
    expect(text).toMatch(
      /~ containerDefinitions\[web\]\.command: node, server\.js, --db-password, \[masked\], --payments=sk_live_\[masked\] →/,
    );
  });

  it('an environment variable whose value is the same in both is no change, whatever its name', () => {
    const entries = diffObjects(registrationInput(current), registrationInput(current));
    expect(entries).toEqual([]);
    expect(renderDiff(entries)).toBe('(no differences)');
  });

  it('a changed command-line secret is still a change (masking is only in the rendering)', () => {
    const a = registrationInput(withWeb(42, { command: ['--password', 'a1'] }));
    const b = registrationInput(withWeb(42, { command: ['--password', 'b2'] }));
    expect(diffObjects(a, b)).toHaveLength(1);
    expect(renderDiff(diffObjects(a, b))).toBe('~ containerDefinitions[web].command: --password, [masked] → --password, [masked]');
  });

  it('a deploy diff (only the image changes) stays readable', () => {
    const before = registrationInput(current);
    const after = withImage(before, 'web', `${REGISTRY}/shop/web@sha256:${'a'.repeat(64)}`);
    // Was the two whole URIs, the registry host twice and all 64 hex characters of the digest.
    expect(renderDiff(diffObjects(before, after))).toBe(
      `~ containerDefinitions[web].image: shop/web:v1.2.2 → shop/web@sha256:${'a'.repeat(12)}`,
    );
  });

  it('an image from another registry is shown whole (a changed registry is worth seeing)', () => {
    const other = '999999999999.dkr.ecr.us-east-1.amazonaws.com/shop/web:v1.2.2';
    expect(imagePair(`${REGISTRY}/shop/web:v1.2.2`, other)).toEqual([`${REGISTRY}/shop/web:v1.2.2`, other]);
    expect(imagePair('nginx:1.27', `${REGISTRY}/nginx:1.27`)).toEqual(['nginx:1.27', `${REGISTRY}/nginx:1.27`]);
    expect(imagePair('localhost:5000/web:1', `localhost:5000/web@sha256:${'b'.repeat(64)}`)).toEqual([
      'web:1',
      `web@sha256:${'b'.repeat(12)}`,
    ]);
  });

  it('which paths hide their values', () => {
    expect(isValueHidden('containerDefinitions[web].environment.NODE_ENV')).toBe(true);
    expect(isValueHidden('containerDefinitions[web].environment.DB_PASSWORD')).toBe(true);
    expect(isValueHidden('containerDefinitions[web].secrets.DB_PASSWORD')).toBe(false);
    expect(isValueHidden('containerDefinitions[web].logConfiguration.options.splunk-token')).toBe(true);
    expect(isValueHidden('containerDefinitions[web].logConfiguration.options.awslogs-group')).toBe(false);
    expect(isValueHidden('containerDefinitions[web].image')).toBe(false);
    expect(isValueHidden('taskRoleArn')).toBe(false);
  });

  it('the rollback request, its dry run and the approval message carry no value', () => {
    const plan: RollbackPlan = {
      verb: 'rollback',
      ...planBase(0),
      targetTaskDefinition: tdArn('web-prod', 39),
      source: 'explicit',
      container: 'web',
      previousImage: current.containerDefinitions![0]!.image!,
      targetImage: target.containerDefinitions![0]!.image!,
    };
    const summary = planSummary(plan, 'en');
    const dry = dryRunMessage(plan, text, [], 'en', 0);
    const req: ChangeRequest = {
      id: 'r1',
      plan,
      verb: 'rollback',
      environment: 'prod',
      service: 'web',
      summary,
      details: text,
      requester: 'UDEV2',
      channel: 'CPROD',
      state: 'pending',
      approvalsNeeded: 1,
      approvals: [],
      createdAt: 0,
      updatedAt: 0,
      expiresAt: 3_600_000,
    };
    const all = JSON.stringify([dry, requestMessage(req, 0)]);
    expect(all).toContain('environment.DATABASE_URL (changed)');
    for (const v of VALUES) expect(all).not.toContain(v);
  });
});
