/**
 * Re-registering a task definition: the input for RegisterTaskDefinition is built from an
 * allowlist of the fields that call accepts (new read-only fields AWS adds to
 * DescribeTaskDefinition never leak into it), tags carried over from `include: ['TAGS']`, and
 * only the named container's image replaced. Pure functions of the SDK's own shapes.
 */
import type { ContainerDefinition, RegisterTaskDefinitionCommandInput, Tag, TaskDefinition } from '@aws-sdk/client-ecs';
import { BotError } from '../errors';
import { defineMessages } from '../i18n/catalog';
import { code } from '../slack/text';
import { arnTail } from '../aws/arn';

const M = defineMessages('deploy.taskdef', {
  noFamily: {
    en: 'Task definition {td} has no family or no containers, so I cannot make a new revision of it.',
    ko: '작업 정의 {td}에 패밀리나 컨테이너가 없어 새 리비전을 만들 수 없습니다.',
  },
  noContainer: {
    en: 'The task definition the service runs ({td}) has no container called {name}.',
    ko: '서비스가 실행 중인 작업 정의({td})에 {name} 컨테이너가 없습니다.',
  },
  containers: {
    en: 'Its containers: {names}. Set `container` for this service in chatops.yml.',
    ko: '있는 컨테이너: {names}. chatops.yml에서 이 서비스의 `container`를 설정하세요.',
  },
  none: { en: '(none)', ko: '(없음)' },
  noContainerIn: {
    en: 'The task definition has no container called {name}.',
    ko: '작업 정의에 {name} 컨테이너가 없습니다.',
  },
  cpuUnits: { en: '{n} CPU units', ko: 'CPU {n}유닛' },
  memoryMiB: { en: '{n} MiB of memory', ko: '메모리 {n}MiB' },
  containersTooBig: {
    en: 'The containers of this task definition reserve {what} themselves, more than the new task size ({cpu} CPU units, {memory} MiB) holds.',
    ko: '이 작업 정의의 컨테이너가 자체로 {what}을(를) 예약하고 있어, 새 작업 크기(CPU {cpu}유닛, {memory}MiB)에 들어가지 않습니다.',
  },
  containersTooBigHint: {
    en: 'Lower the container-level cpu/memory in the task definition first, or pick a larger size.',
    ko: '먼저 작업 정의에서 컨테이너 수준의 cpu/memory를 낮추거나, 더 큰 크기를 고르세요.',
  },
  roleChange: {
    en: "The {which} would change from {from} to {to}, which is not in this environment's `taskRoles`.",
    ko: '{which}이(가) 바뀝니다 ({from} → {to}). 새 역할이 이 환경의 `taskRoles`에 없습니다.',
  },
  taskRole: { en: 'task role', ko: '작업 역할' },
  executionRole: { en: 'execution role', ko: '실행 역할' },
});

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
      userMessage: M.lazy('noFamily', { td: code(td.taskDefinitionArn ?? '(unknown)') }),
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
    userMessage: M.lazy('noContainer', { td: code(arnTail(td.taskDefinitionArn)), name: code(name) }),
    hint: (l) => M.in(l)('containers', { names: names.map((n) => code(n)).join(', ') || M.in(l)('none') }),
  });
}

/** A copy of `input` in which only container `name`'s image is `image`; every other field and container is unchanged. */
export function withImage(input: RegisterTaskDefinitionCommandInput, name: string, image: string): RegisterTaskDefinitionCommandInput {
  const containers = input.containerDefinitions ?? [];
  if (!containers.some((c) => c.name === name)) {
    throw new BotError('CONFIG', `container ${name} missing`, {
      userMessage: M.lazy('noContainerIn', { name: code(name) }),
      hint: (l) => M.in(l)('containers', { names: containers.map((c) => code(c.name ?? '?')).join(', ') || M.in(l)('none') }),
    });
  }
  return { ...input, containerDefinitions: containers.map((c) => (c.name === name ? { ...c, image } : c)) };
}

/**
 * A copy of `input` with the task-level CPU (units) and memory (MiB) replaced; every container and
 * every other field unchanged. Refused when a container's own limits would no longer fit.
 */
export function withSize(input: RegisterTaskDefinitionCommandInput, cpu: number, memory: number): RegisterTaskDefinitionCommandInput {
  const containers = input.containerDefinitions ?? [];
  const cpuSum = containers.reduce((n, c) => n + (c.cpu ?? 0), 0);
  const memSum = containers.reduce((n, c) => n + (c.memory ?? c.memoryReservation ?? 0), 0);
  if (cpuSum > cpu || memSum > memory) {
    const what = cpuSum > cpu ? M.lazy('cpuUnits', { n: cpuSum }) : M.lazy('memoryMiB', { n: memSum });
    throw new BotError('REFUSED', `containers need ${what('en')}`, {
      userMessage: M.lazy('containersTooBig', { what, cpu, memory }),
      hint: M.lazy('containersTooBigHint'),
    });
  }
  return { ...input, cpu: String(cpu), memory: String(memory) };
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
 * `taskRoles`. Returns one sentence per role that would be refused (empty = fine), each a catalog
 * token (`tokenText` writes it in a language; a request keeps it as is).
 */
export function roleProblems(current: Roles, next: Roles, allowed: readonly string[]): string[] {
  const problems: string[] = [];
  for (const key of ['taskRoleArn', 'executionRoleArn'] as const) {
    const role = next[key];
    if (!role || role === current[key]) continue;
    if (allowed.includes(role)) continue;
    problems.push(
      M.token('roleChange', {
        which: M.token(key === 'taskRoleArn' ? 'taskRole' : 'executionRole'),
        from: code(current[key] ?? '(none)'),
        to: code(role),
      }),
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
