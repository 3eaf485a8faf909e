import {
  registrationInput,
  withImage,
  findContainer,
  roleProblems,
  rolesOf,
  familyRevision,
  revisionArn,
  REGISTER_FIELDS,
} from '../../src/deploy/taskdef';
import { diffObjects, renderDiff } from '../../src/deploy/diff';
import { parseImageSelector, pinnedImageUri, splitImage } from '../../src/deploy/refs';
import { isBotError } from '../../src/errors';
import { DIGEST, EXEC_ROLE, REGISTRY, TAGS, TASK_ROLE, taskDefinition, tdArn } from '../helpers/aws-fixtures';
import { tokenText } from '../../src/i18n/catalog';

describe('registrationInput (re-registering a task definition)', () => {
  it('keeps every accepted field and leaves out the read-only ones', () => {
    const input = registrationInput(taskDefinition(42), TAGS) as unknown as Record<string, unknown>;
    for (const ro of [
      'taskDefinitionArn',
      'revision',
      'status',
      'requiresAttributes',
      'compatibilities',
      'registeredAt',
      'registeredBy',
      'deregisteredAt',
    ]) {
      expect(input).not.toHaveProperty(ro);
    }
    expect(Object.keys(input).every((k) => (REGISTER_FIELDS as readonly string[]).includes(k) || k === 'tags')).toBe(true);
    expect(input).toMatchObject({
      family: 'web-prod',
      taskRoleArn: TASK_ROLE,
      executionRoleArn: EXEC_ROLE,
      networkMode: 'awsvpc',
      cpu: '512',
      memory: '1024',
      requiresCompatibilities: ['FARGATE'],
    });
    expect(input.runtimePlatform).toEqual({ cpuArchitecture: 'X86_64', operatingSystemFamily: 'LINUX' });
  });

  it('carries the tags over, except reserved aws: keys', () => {
    const input = registrationInput(taskDefinition(), [...TAGS, { key: 'aws:cloudformation:stack-name', value: 'x' }]);
    expect(input.tags).toEqual(TAGS);
    expect(registrationInput(taskDefinition(), []).tags).toBeUndefined();
  });

  it('drops empty top-level lists and nulls, keeps containers as they are', () => {
    const td = taskDefinition(42, { volumes: [], placementConstraints: [], pidMode: undefined, ipcMode: null as never });
    const input = registrationInput(td) as unknown as Record<string, unknown>;
    expect(input).not.toHaveProperty('volumes');
    expect(input).not.toHaveProperty('ipcMode');
    expect((input.containerDefinitions as unknown[]).length).toBe(2);
  });

  it('ignores fields AWS adds to DescribeTaskDefinition later (allowlist, not denylist)', () => {
    const td = { ...taskDefinition(), deleteRequestedAt: new Date(), someFutureReadOnlyField: 'x' } as never;
    expect(registrationInput(td)).not.toHaveProperty('someFutureReadOnlyField');
    expect(registrationInput(td)).not.toHaveProperty('deleteRequestedAt');
  });

  it('refuses a task definition without containers', () => {
    expect(() => registrationInput(taskDefinition(42, { containerDefinitions: [] }))).toThrow(/has no family or containers/);
  });
});

describe('withImage', () => {
  it('changes only the named container image; sidecars and everything else stay', () => {
    const before = registrationInput(taskDefinition(), TAGS);
    const image = `${REGISTRY}/shop/web@${DIGEST}`;
    const after = withImage(before, 'web', image);
    expect(after.containerDefinitions![0]!.image).toBe(image);
    expect(after.containerDefinitions![1]).toEqual(before.containerDefinitions![1]);
    expect(diffObjects(before, after)).toEqual([
      { path: 'containerDefinitions[web].image', before: `${REGISTRY}/shop/web:v1.2.2`, after: image },
    ]);
    // the input is not mutated
    expect(before.containerDefinitions![0]!.image).toBe(`${REGISTRY}/shop/web:v1.2.2`);
  });

  it('names the containers there are when the configured one is missing', () => {
    try {
      findContainer(taskDefinition(), 'api');
      throw new Error('expected an error');
    } catch (err) {
      expect(isBotError(err) && err.userMessage).toContain('has no container called `api`');
      expect(isBotError(err) && err.hint).toContain('`web`, `datadog-agent`');
    }
    expect(() => withImage(registrationInput(taskDefinition()), 'api', 'x')).toThrow(/container api missing/);
  });
});

describe('roleProblems (iam:PassRole guard)', () => {
  it('allows unchanged roles and roles listed in taskRoles; refuses others by name', () => {
    const cur = rolesOf(taskDefinition());
    expect(roleProblems(cur, cur, [])).toEqual([]);
    const other = 'arn:aws:iam::222222222222:role/admin';
    expect(roleProblems(cur, { ...cur, taskRoleArn: other }, [other])).toEqual([]);
    const problems = roleProblems(cur, { ...cur, taskRoleArn: other }, [TASK_ROLE]);
    expect(problems).toHaveLength(1);
    expect(tokenText(problems[0]!, 'en')).toContain('task role would change');
    expect(tokenText(problems[0]!, 'en')).toContain('role/admin');
    expect(tokenText(problems[0]!, 'ko')).toContain('role/admin');
  });
});

describe('task definition names', () => {
  it('splits family and revision and builds revision ARNs in the same family', () => {
    expect(familyRevision(tdArn('web-prod', 42))).toEqual({ family: 'web-prod', revision: 42 });
    expect(revisionArn(tdArn('web-prod', 42), 41)).toBe(tdArn('web-prod', 41));
    expect(revisionArn('web-prod:42', 7)).toBe('web-prod:7');
  });
});

describe('diff rendering', () => {
  it('keys environment variables by name (reordering is no change) and never shows their values', () => {
    const a = registrationInput(taskDefinition());
    const td2 = taskDefinition();
    td2.containerDefinitions![0]!.environment = [
      { name: 'DB_PASSWORD', value: 'correct-horse' },
      { name: 'NODE_ENV', value: 'production' },
      { name: 'FEATURE_X', value: 'on' },
    ];
    const entries = diffObjects(a, registrationInput(td2));
    expect(entries.map((e) => e.path)).toEqual([
      'containerDefinitions[web].environment.DB_PASSWORD',
      'containerDefinitions[web].environment.FEATURE_X',
    ]);
    const text = renderDiff(entries);
    expect(text).toContain('~ containerDefinitions[web].environment.DB_PASSWORD (changed)');
    expect(text).not.toContain('hunter2');
    expect(text).not.toContain('correct-horse');
    expect(text).toContain('+ containerDefinitions[web].environment.FEATURE_X (added)');
  });

  it('says when there is no difference and cuts long values', () => {
    expect(renderDiff([])).toBe('(no differences)');
    expect(renderDiff([{ path: 'x', before: 'a'.repeat(500), after: 'b' }], 20)).toMatch(/^~ x: a{19}… → b$/);
  });
});

describe('image references', () => {
  it.each([
    ['v1.2.3', { tag: 'v1.2.3' }],
    ['main-4f2a9c1', { tag: 'main-4f2a9c1' }],
    ['_x', { tag: '_x' }],
    [DIGEST.toUpperCase().replace('SHA256', 'sha256'), { digest: DIGEST }],
  ])('accepts %s', (input, value) => {
    expect(parseImageSelector(input)).toEqual({ ok: true, value });
  });

  it.each([
    ['-v1', 'cannot start with `-`'],
    ['.hidden', 'cannot start with `.`'],
    ['v1 2', 'contains'],
    ['v1$', 'contains `$`'],
    ['a'.repeat(129), '129 characters'],
    ['shop/web:v1.2.3', 'Did you mean `v1.2.3`?'],
    ['web:v1', 'looks like an image name'],
    [`shop/web@${DIGEST}`, 'full image reference'],
    ['sha256:abc', 'exactly 64 hex characters (got 3)'],
    [`sha256:${'z'.repeat(64)}`, 'some of them not hex'],
  ])('refuses %s with a reason', (input, reason) => {
    const r = parseImageSelector(input);
    expect(r.ok).toBe(false);
    expect(!r.ok && r.message('en')).toContain(reason);
  });

  it('pins to the registry the container already uses, else the ECR registry of the image', () => {
    expect(
      pinnedImageUri({
        currentImage: `${REGISTRY}/shop/web:v1`,
        repository: 'shop/web',
        registryId: '111111111111',
        region: 'eu-west-1',
        digest: DIGEST,
      }),
    ).toBe(`${REGISTRY}/shop/web@${DIGEST}`);
    expect(
      pinnedImageUri({ currentImage: 'nginx:1', repository: 'shop/web', registryId: '111111111111', region: 'eu-west-1', digest: DIGEST }),
    ).toBe(`111111111111.dkr.ecr.eu-west-1.amazonaws.com/shop/web@${DIGEST}`);
    expect(pinnedImageUri({ repository: 'shop/web', registryId: '111111111111', region: 'cn-north-1', digest: DIGEST })).toBe(
      `111111111111.dkr.ecr.cn-north-1.amazonaws.com.cn/shop/web@${DIGEST}`,
    );
    expect(splitImage(`${REGISTRY}:5000/a/b:t@${DIGEST}`)).toEqual({ repository: `${REGISTRY}:5000/a/b`, tag: 't', digest: DIGEST });
  });
});
