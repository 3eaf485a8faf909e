/**
 * Re-registering a task definition: the input for RegisterTaskDefinition is built from an
 * allowlist of the fields that call accepts (new read-only fields AWS adds to
 * DescribeTaskDefinition never leak into it), tags carried over from `include: ['TAGS']`, and
 * only the named container's image replaced. Pure functions of the SDK's own shapes.
 */
import type { ContainerDefinition, RegisterTaskDefinitionCommandInput, Tag, TaskDefinition } from '@aws-sdk/client-ecs';
import { BotError } from '../errors';
import { code } from '../slack/text';
import { arnTail } from '../aws/arn';

/** Top-level fields RegisterTaskDefinition accepts (API reference), except `tags`, which come separately. */
export const REGISTER_FIELDS = [
  'family',
  'taskRoleArn',
  'executionRoleArn',
  'networkMode',
  'containerDefinitions',
  'volumes',
  'placementConstraints',
  'requiresCompatibilities',
  'cpu',
  'memory',
  'pidMode',
  'ipcMode',
  'proxyConfiguration',
  'inferenceAccelerators',
  'ephemeralStorage',
  'runtimePlatform',
  'enableFaultInjection',
] as const satisfies ReadonlyArray<keyof RegisterTaskDefinitionCommandInput & keyof TaskDefinition>;

/** Tag keys with this prefix are reserved for AWS and rejected by TagResource / RegisterTaskDefinition. */
const RESERVED_TAG_PREFIX = /^aws:/i;

/** Drop null/undefined (deeply) so the input carries only what the task definition really sets. */
function clean<T>(value: T): T {
  if (Array.isArray(value)) return value.filter((v) => v !== null && v !== undefined).map(clean) as T;
  if (value instanceof Date) return value;
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) if (v !== null && v !== undefined) out[k] = clean(v);
    return out as T;
  }
  return value;
}

/**
 * The RegisterTaskDefinition input that re-creates `td` as a new revision of its family:
 * every accepted field, nothing read-only (`taskDefinitionArn`, `revision`, `status`,
 * `requiresAttributes`, `compatibilities`, `registeredAt`, `registeredBy`, …), and the tags.
 */
export function registrationInput(td: TaskDefinition, tags: readonly Tag[] = []): RegisterTaskDefinitionCommandInput {
  if (!td.family || !td.containerDefinitions?.length) {
    throw new BotError('AWS', `task definition ${td.taskDefinitionArn} has no family or containers`, {
      userMessage: `Task definition ${code(td.taskDefinitionArn ?? '(unknown)')} has no family or no containers, so I cannot make a new revision of it.`,
    });
  }
  const input: Record<string, unknown> = {};
  for (const field of REGISTER_FIELDS) {
    const v = td[field];
    if (v === undefined || v === null) continue;
    // An empty list is what DescribeTaskDefinition returns for "none"; leaving it out means the same.
    if (Array.isArray(v) && v.length === 0 && field !== 'containerDefinitions') continue;
    input[field] = clean(v);
  }
  const keptTags = tags.filter((t) => t.key && !RESERVED_TAG_PREFIX.test(t.key)).map((t) => ({ key: t.key!, value: t.value ?? '' }));
  if (keptTags.length) input.tags = keptTags;
  return input as unknown as RegisterTaskDefinitionCommandInput;
}

function containerNames(td: Pick<TaskDefinition, 'containerDefinitions'>): string[] {
  return (td.containerDefinitions ?? []).map((c) => c.name ?? '').filter(Boolean);
}

/** The named container, or a NOT_FOUND error that lists the containers there are. */
export function findContainer(td: Pick<TaskDefinition, 'containerDefinitions' | 'taskDefinitionArn'>, name: string): ContainerDefinition {
  const c = td.containerDefinitions?.find((x) => x.name === name);
  if (c) return c;
  const names = containerNames(td);
  throw new BotError('CONFIG', `container ${name} not in ${td.taskDefinitionArn}`, {
    userMessage: `The task definition the service runs (${code(arnTail(td.taskDefinitionArn))}) has no container called ${code(name)}.`,
    hint: `Its containers: ${names.map((n) => code(n)).join(', ') || '(none)'}. Set \`container\` for this service in chatops.yml.`,
  });
}

/** A copy of `input` in which only container `name`'s image is `image`; every other field and container is unchanged. */
export function withImage(input: RegisterTaskDefinitionCommandInput, name: string, image: string): RegisterTaskDefinitionCommandInput {
  const containers = input.containerDefinitions ?? [];
  if (!containers.some((c) => c.name === name)) {
    throw new BotError('CONFIG', `container ${name} missing`, {
      userMessage: `The task definition has no container called ${code(name)}.`,
      hint: `Its containers: ${containers.map((c) => code(c.name ?? '?')).join(', ')}. Set \`container\` for this service in chatops.yml.`,
    });
  }
  return { ...input, containerDefinitions: containers.map((c) => (c.name === name ? { ...c, image } : c)) };
}

interface Roles {
  taskRoleArn?: string;
  executionRoleArn?: string;
}

export function rolesOf(td: Roles): Roles {
  return { taskRoleArn: td.taskRoleArn || undefined, executionRoleArn: td.executionRoleArn || undefined };
}

/**
 * iam:PassRole guard. Registering (or running) a task definition hands its roles to ECS, so a
 * change may only use roles the service already uses, or roles listed in the environment's
 * `taskRoles`. Returns one sentence per role that would be refused (empty = fine).
 */
export function roleProblems(current: Roles, next: Roles, allowed: readonly string[]): string[] {
  const problems: string[] = [];
  for (const key of ['taskRoleArn', 'executionRoleArn'] as const) {
    const role = next[key];
    if (!role || role === current[key]) continue;
    if (allowed.includes(role)) continue;
    const what = key === 'taskRoleArn' ? 'task role' : 'execution role';
    problems.push(
      `The ${what} would change from ${code(current[key] ?? '(none)')} to ${code(role)}, which is not in this environment's \`taskRoles\`.`,
    );
  }
  return problems;
}

/** "web-prod:42" → { family: 'web-prod', revision: 42 } */
export function familyRevision(arn: string | undefined): { family: string; revision?: number } {
  const tail = arnTail(arn);
  const i = tail.lastIndexOf(':');
  if (i < 0) return { family: tail };
  const rev = Number(tail.slice(i + 1));
  return Number.isInteger(rev) ? { family: tail.slice(0, i), revision: rev } : { family: tail };
}

/** The ARN of revision `revision` of the family of `arn` (same account and region). */
export function revisionArn(arn: string, revision: number): string {
  const { family } = familyRevision(arn);
  const slash = arn.lastIndexOf('/');
  if (!arn.startsWith('arn:') || slash < 0) return `${family}:${revision}`;
  return `${arn.slice(0, slash + 1)}${family}:${revision}`;
}
