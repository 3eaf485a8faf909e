/**
 * Who a role session speaks for, in the shapes STS accepts (pure, no SDK):
 *
 * - RoleSessionName: 2–64 characters of [\w+=,.@-] (shown in the assumed-role ARN, so in every
 *   CloudTrail record of the session);
 * - SourceIdentity: 2–64 characters of [\w+=,.@-], not starting with "aws:"; it stays on the session
 *   and CloudTrail records it for every action taken with it (the role's trust policy must allow
 *   sts:SetSourceIdentity);
 * - session tags: at most 50, keys 1–128 and values 0–256 characters of [\p{L}\p{Z}\p{N}_.:/=+\-@],
 *   no "aws:" prefix (the trust policy must allow sts:TagSession).
 *
 * Source: IAM User Guide, "Monitor and control actions taken with assumed roles" and "Passing
 * session tags in AWS STS"; STS API Reference, AssumeRole.
 */
import type { Locale } from '../i18n';

/** Where a role is, and the ExternalId its trust policy asks for. An environment's config has this shape. */
export interface RoleTarget {
  roleArn: string;
  externalId?: string;
}

/** The people behind an approved change, carried by the role session that makes it. */
export interface SessionIdentity {
  requestId: string;
  /** Slack user id of whoever asked for the change. */
  requester: string;
  /** Slack user ids of the approvers, in approval order. */
  approvers: readonly string[];
  environment: string;
  verb: string;
  /** What the session does: carry out the request, or abort it (then `actor` is who pressed Abort). */
  action: 'execute' | 'abort';
  actor?: string;
}

const NAME_CHARS = /[^\w+=,.@-]/g;
const TAG_CHARS = /[^\p{L}\p{Z}\p{N}_.:/=+\-@]/gu;

/** A string cut to STS's [\w+=,.@-]{2,64}: other characters become "-", padded when too short. */
function stsName(s: string): string {
  const cleaned = s.replace(NAME_CHARS, '-').slice(0, 64);
  return cleaned.length >= 2 ? cleaned : cleaned.padEnd(2, '-');
}

/** RoleSessionName: "ecs-chatops" for reads, "ecs-chatops-<request id>" (or "-abort-") for a change. */
export function roleSessionName(identity?: SessionIdentity): string {
  if (!identity) return 'ecs-chatops';
  return stsName(`ecs-chatops-${identity.action === 'abort' ? 'abort-' : ''}${identity.requestId}`);
}

/**
 * SourceIdentity: the Slack user who is answerable for the action, "slack.<user id>" (the requester
 * for a change, whoever pressed Abort for an abort). CloudTrail shows it on UpdateService.
 */
export function sourceIdentity(identity: SessionIdentity): string {
  const who = identity.action === 'abort' && identity.actor ? identity.actor : identity.requester;
  return stsName(`slack.${who}`);
}

function tagValue(s: string): string {
  return s.replace(TAG_CHARS, '-').slice(0, 256);
}

/** Session tags naming the request, the requester and the approvers (each a Slack user id). */
export function sessionTags(identity: SessionIdentity): Array<{ Key: string; Value: string }> {
  const tags = [
    { Key: 'chatops:request', Value: tagValue(identity.requestId) },
    { Key: 'chatops:environment', Value: tagValue(identity.environment) },
    { Key: 'chatops:verb', Value: tagValue(identity.verb) },
    { Key: 'chatops:action', Value: identity.action },
    { Key: 'chatops:requester', Value: tagValue(identity.requester) },
    // Space-separated user ids; 256 characters hold about twenty of them (approvals are at most 5).
    { Key: 'chatops:approvers', Value: tagValue(identity.approvers.join(' ')) || '-' },
  ];
  if (identity.action === 'abort' && identity.actor) tags.push({ Key: 'chatops:aborted-by', Value: tagValue(identity.actor) });
  return tags;
}

/** A short key telling sessions apart in caches (not a secret; never sent to AWS). */
export function sessionKey(target: RoleTarget, identity?: SessionIdentity): string {
  const who = identity ? `${identity.action}:${identity.requestId}:${identity.actor ?? ''}:${identity.approvers.join(',')}` : '';
  return `${target.roleArn}|${target.externalId ?? ''}|${who}`;
}

/** Errors of a role's client carry the role (src/aws/clients.ts), so an answer names the role to fix. */
export interface RoleMarked {
  chatopsRole?: { roleArn: string; locale: Locale };
}

/** The role an error of a role's client came from, if any. */
export function roleOfError(err: unknown): { roleArn: string; locale: Locale } | undefined {
  return err && typeof err === 'object' ? (err as RoleMarked).chatopsRole : undefined;
}

/** "arn:aws:iam::222222222222:role/path/name" → { account: "222222222222", name: "name" }. */
export function roleParts(roleArn: string): { account: string; name: string } {
  const parts = roleArn.split(':');
  const resource = parts.slice(5).join(':');
  return { account: parts[4] ?? '?', name: resource.slice(resource.lastIndexOf('/') + 1) || roleArn };
}
