/**
 * "Which commits am I approving?": the pure parts of reading an image's OCI labels (manifest and
 * index parsing, the task's platform entry, the config's labels), the compare link, and the line
 * the request card shows (en + ko), hostile label values included; a rollback's commits (what it
 * undoes: the other direction, the compare link the other way round). No mocks.
 */
import { builtAt, commitsOf, compareUrl, repositoryOf, revisionOf, rollbackCommitsOf } from '../../src/deploy/commits';
import {
  ACCEPTED_MEDIA_TYPES,
  configLabels,
  parseManifest,
  pickPlatform,
  taskPlatform,
  type ParsedManifest,
} from '../../src/aws/image-manifest';
import { checkLines, dryRunMessage } from '../../src/deploy/render';
import { parsePlan, type DeployPlan, type RollbackPlan } from '../../src/deploy/plan';
import { DIGEST, deployPlanAt, planBase, REGISTRY, tdArn } from '../helpers/aws-fixtures';

const d = (c: string) => 'sha256:' + c.repeat(64);
const FROM = '1a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d';
const TO = '9f8e7d6c5b4a39281706f5e4d3c2b1a098765432';
const labels = (revision?: string, source?: string): Record<string, string> => ({
  ...(revision !== undefined ? { 'org.opencontainers.image.revision': revision } : {}),
  ...(source !== undefined ? { 'org.opencontainers.image.source': source } : {}),
});

describe('manifests and indexes', () => {
  it('asks ECR for OCI and Docker manifests and indexes', () => {
    expect([...ACCEPTED_MEDIA_TYPES].sort()).toEqual([
      'application/vnd.docker.distribution.manifest.list.v2+json',
      'application/vnd.docker.distribution.manifest.v2+json',
      'application/vnd.oci.image.index.v1+json',
      'application/vnd.oci.image.manifest.v1+json',
    ]);
  });

  it('an image manifest: its config digest (Docker v2 and OCI; the media type from ECR or the manifest)', () => {
    const docker = JSON.stringify({ schemaVersion: 2, config: { digest: d('a'), size: 1 }, layers: [] });
    expect(parseManifest(docker, 'application/vnd.docker.distribution.manifest.v2+json')).toEqual({ kind: 'image', configDigest: d('a') });
    const oci = JSON.stringify({ schemaVersion: 2, mediaType: 'application/vnd.oci.image.manifest.v1+json', config: { digest: d('b') } });
    expect(parseManifest(oci)).toEqual({ kind: 'image', configDigest: d('b') });
  });

  it('an index: its entries with platforms; bad JSON, no config, a config digest that is not one: undefined', () => {
    const index = JSON.stringify({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.index.v1+json',
      manifests: [
        { digest: d('1'), platform: { os: 'linux', architecture: 'amd64' } },
        { digest: d('2'), platform: { os: 'linux', architecture: 'arm64', variant: 'v8' } },
        { digest: d('3'), platform: { os: 'unknown', architecture: 'unknown' } },
        { digest: 'not-a-digest' },
      ],
    });
    const parsed = parseManifest(index, 'application/vnd.oci.image.index.v1+json');
    expect(parsed).toEqual({
      kind: 'index',
      entries: [
        { digest: d('1'), platform: { os: 'linux', architecture: 'amd64' } },
        { digest: d('2'), platform: { os: 'linux', architecture: 'arm64', variant: 'v8' } },
        { digest: d('3'), platform: { os: 'unknown', architecture: 'unknown' } },
      ],
    });
    expect(parseManifest('{not json')).toBeUndefined();
    expect(parseManifest(JSON.stringify({ schemaVersion: 2, layers: [] }))).toBeUndefined();
    expect(parseManifest(JSON.stringify({ config: { digest: '../../etc/passwd' } }))).toBeUndefined();
    expect(parseManifest(undefined)).toBeUndefined();
  });

  it("picks the task definition's platform: X86_64 → amd64 (the default), ARM64 → arm64; never the attestation", () => {
    const index = parseManifest(
      JSON.stringify({
        mediaType: 'application/vnd.docker.distribution.manifest.list.v2+json',
        manifests: [
          { digest: d('3'), platform: { os: 'unknown', architecture: 'unknown' } },
          { digest: d('4'), platform: { os: 'linux', architecture: 'arm', variant: 'v7' } },
          { digest: d('2'), platform: { os: 'linux', architecture: 'arm64', variant: 'v8' } },
          { digest: d('1'), platform: { os: 'linux', architecture: 'amd64' } },
        ],
      }),
    ) as Extract<ParsedManifest, { kind: 'index' }>;
    expect(taskPlatform(undefined)).toEqual({ os: 'linux', architecture: 'amd64' });
    expect(taskPlatform({ cpuArchitecture: 'X86_64', operatingSystemFamily: 'LINUX' })).toEqual({ os: 'linux', architecture: 'amd64' });
    expect(taskPlatform({ cpuArchitecture: 'ARM64' })).toEqual({ os: 'linux', architecture: 'arm64' });
    expect(pickPlatform(index, taskPlatform(undefined))).toBe(d('1'));
    expect(pickPlatform(index, taskPlatform({ cpuArchitecture: 'ARM64' }))).toBe(d('2'));
    expect(pickPlatform(index, { os: 'windows', architecture: 'amd64' })).toBeUndefined();
  });

  it("the config's labels: strings only; none, null or bad JSON: undefined", () => {
    expect(configLabels(JSON.stringify({ config: { Labels: { a: 'b', n: 3 } } }))).toEqual({ a: 'b' });
    expect(configLabels(JSON.stringify({ config: { Labels: null } }))).toBeUndefined();
    expect(configLabels(JSON.stringify({ config: {} }))).toBeUndefined();
    expect(configLabels('<html>')).toBeUndefined();
  });
});

describe('revisions and the compare link', () => {
  it('a revision is 7 to 64 hex characters, kept in full (lower-cased); anything else is none', () => {
    expect(revisionOf(labels(TO))).toBe(TO);
    expect(revisionOf(labels(` ${TO.toUpperCase()} `))).toBe(TO);
    expect(revisionOf(labels('1a2b3c4'))).toBe('1a2b3c4');
    for (const bad of ['<!channel>', 'v1.2.3', 'abc', 'f'.repeat(65), `${TO}<@U1>`, 'x'.repeat(10_000), ''])
      expect(revisionOf(labels(bad))).toBeUndefined();
    expect(revisionOf(undefined)).toBeUndefined();
  });

  it('GitHub and GitLab compare pages, https only, `.git` and a trailing slash stripped', () => {
    expect(compareUrl('https://github.com/acme/shop', FROM, TO)).toBe(`https://github.com/acme/shop/compare/${FROM}...${TO}`);
    expect(compareUrl('https://github.com/acme/shop.git', '1a2b3c4', '9f8e7d6')).toBe(
      'https://github.com/acme/shop/compare/1a2b3c4...9f8e7d6',
    );
    expect(compareUrl('https://gitlab.example.com/group/sub/shop/', 'aaaaaaa', 'bbbbbbb')).toBe(
      'https://gitlab.example.com/group/sub/shop/-/compare/aaaaaaa...bbbbbbb',
    );
    expect(repositoryOf('https://GitHub.com/acme/shop')).toEqual({ url: 'https://github.com/acme/shop', host: 'github' });
  });

  it('no link for other hosts, http, credentials, queries, odd paths or hostile values', () => {
    for (const source of [
      'http://github.com/acme/shop',
      'https://bitbucket.org/acme/shop',
      'https://github.com.evil.example/acme/shop',
      'https://user:pw@github.com/acme/shop',
      'https://github.com/acme/shop?x=1',
      'https://github.com/acme/shop#readme',
      'https://github.com/acme',
      'https://github.com/acme/shop|<!channel>',
      'https://github.com/acme/<!channel>',
      'javascript:alert(1)',
      'git@github.com:acme/shop.git',
      `https://github.com/acme/${'a'.repeat(400)}`,
      '<!channel>',
    ])
      expect(compareUrl(source, FROM, TO)).toBeUndefined();
    expect(compareUrl('https://github.com/acme/shop', '<!here>', TO)).toBeUndefined();
  });

  it('GitHub Enterprise: Cloud (`*.ghe.com`) by its name; a Server, or a GitLab under another name, only when GIT_TOKENS gives its kind', () => {
    expect(compareUrl('https://acme.ghe.com/shop/web', FROM, TO)).toBe(`https://acme.ghe.com/shop/web/compare/${FROM}...${TO}`);
    // A name that does not tell: no link, unless configured.
    expect(compareUrl('https://git.acme.io/shop/web', FROM, TO)).toBeUndefined();
    const configured: Record<string, 'github' | 'gitlab'> = { 'git.acme.io': 'github', 'code.acme.io': 'gitlab' };
    const kinds = (h: string) => configured[h];
    expect(compareUrl('https://git.acme.io/shop/web', FROM, TO, kinds)).toBe(`https://git.acme.io/shop/web/compare/${FROM}...${TO}`);
    expect(compareUrl('https://code.acme.io/group/sub/web', FROM, TO, kinds)).toBe(
      `https://code.acme.io/group/sub/web/-/compare/${FROM}...${TO}`,
    );
    // The configured kind wins over the name (a GitHub Enterprise Server named gitlab-mirror.acme.io).
    expect(repositoryOf('https://gitlab-mirror.acme.io/a/b', () => 'github')).toEqual({
      url: 'https://gitlab-mirror.acme.io/a/b',
      host: 'github',
    });
    // Look-alikes stay unknown.
    expect(compareUrl('https://acme.ghe.com.evil.io/shop/web', FROM, TO, kinds)).toBeUndefined();
    expect(compareUrl('https://git.acme.io.evil.io/shop/web', FROM, TO, kinds)).toBeUndefined();
    // Both images' labels are read with the same kinds.
    expect(commitsOf(labels(TO, 'https://git.acme.io/shop/web'), labels(FROM, 'https://git.acme.io/shop/web'), kinds)?.url).toBe(
      `https://git.acme.io/shop/web/compare/${FROM}...${TO}`,
    );
    expect(commitsOf(labels(TO, 'https://git.acme.io/shop/web'), labels(FROM, 'https://git.acme.io/shop/web'))).toEqual({
      to: TO,
      from: FROM,
    });
  });

  it('commitsOf: nothing without a new revision; the new one alone; both with the link; a repository that moved: no link', () => {
    const src = 'https://github.com/acme/shop';
    expect(commitsOf(labels(undefined, src), labels(FROM, src))).toBeUndefined();
    expect(commitsOf(labels('<!channel>', src), labels(FROM, src))).toBeUndefined();
    expect(commitsOf(labels(TO, src), undefined)).toEqual({ to: TO });
    expect(commitsOf(labels(TO, src), labels('not hex', src))).toEqual({ to: TO });
    expect(commitsOf(labels(TO, src), labels(FROM, src))).toEqual({ to: TO, from: FROM, url: `${src}/compare/${FROM}...${TO}` });
    expect(commitsOf(labels(TO, src), labels(FROM))).toEqual({ to: TO, from: FROM, url: `${src}/compare/${FROM}...${TO}` });
    expect(commitsOf(labels(TO, src), labels(FROM, 'https://github.com/acme/old'))).toEqual({ to: TO, from: FROM });
    expect(commitsOf(labels(TO, src), labels(TO, src))).toEqual({ to: TO, from: TO });
    expect(commitsOf(labels(TO, 'https://example.com/acme/shop'), labels(FROM))).toEqual({ to: TO, from: FROM });
  });
});

describe('which image is older (build times)', () => {
  const at = (revision: string, created?: string) => ({
    'org.opencontainers.image.revision': revision,
    'org.opencontainers.image.source': 'https://github.com/acme/shop',
    ...(created ? { 'org.opencontainers.image.created': created } : {}),
  });
  const [A, B] = ['a'.repeat(40), 'b'.repeat(40)];

  it("the created label, else the config's own `created`; the epoch of reproducible builds and junk are unknown", () => {
    expect(configLabels(JSON.stringify({ created: '2026-12-01T10:00:00.123Z', config: { Labels: { a: 'b' } } }))).toEqual({
      a: 'b',
      'org.opencontainers.image.created': '2026-12-01T10:00:00.123Z',
    });
    const labelled = {
      created: '2020-01-01T00:00:00Z',
      config: { Labels: { 'org.opencontainers.image.created': '2026-12-01T10:00:00Z' } },
    };
    expect(builtAt(configLabels(JSON.stringify(labelled)))).toBe(Date.UTC(2026, 11, 1, 10));
    expect(builtAt(at(A, '1970-01-01T00:00:00Z'))).toBeUndefined();
    expect(builtAt(at(A, 'yesterday'))).toBeUndefined();
    expect(builtAt(at(A))).toBeUndefined();
  });

  it('a deploy of an older image goes back (link: what it undoes); same or unknown times: forward as before', () => {
    expect(commitsOf(at(B, '2026-12-01T00:00:00Z'), at(A, '2026-12-02T00:00:00Z'))).toEqual({
      to: B,
      from: A,
      back: true,
      url: `https://github.com/acme/shop/compare/${B}...${A}`,
    });
    for (const [to, from] of [
      ['2026-12-03T00:00:00Z', '2026-12-02T00:00:00Z'],
      ['2026-12-02T00:00:00Z', '2026-12-02T00:00:00Z'],
      [undefined, '2026-12-02T00:00:00Z'],
      ['1970-01-01T00:00:00Z', '2026-12-02T00:00:00Z'],
    ] as const)
      expect(commitsOf(at(B, to), at(A, from))).toEqual({ to: B, from: A, url: `https://github.com/acme/shop/compare/${A}...${B}` });
    // Without the new image's revision there is still no line, whatever the times.
    expect(commitsOf({ 'org.opencontainers.image.created': '2026-12-01T00:00:00Z' }, at(A, '2026-12-02T00:00:00Z'))).toBeUndefined();
  });

  it('a rollback to an image built after the running one (`--to` a newer revision) goes forward (link: what it brings)', () => {
    expect(rollbackCommitsOf(at(A, '2026-12-01T00:00:00Z'), at(B, '2026-12-02T00:00:00Z'))).toEqual({
      to: B,
      from: A,
      url: `https://github.com/acme/shop/compare/${A}...${B}`,
    });
    expect(rollbackCommitsOf(at(A, '2026-12-02T00:00:00Z'), at(B, '2026-12-01T00:00:00Z'))).toMatchObject({ back: true });
    expect(rollbackCommitsOf(at(A), at(B))).toMatchObject({ back: true });
  });
});

describe('the commits line of a deploy request', () => {
  const withCommits = (commits: NonNullable<DeployPlan['checks']>['commits']): DeployPlan => {
    const plan = deployPlanAt(1_000);
    return { ...plan, checks: { ...(plan.checks ?? { warnings: [] }), commits } } as DeployPlan;
  };
  const url = `https://github.com/acme/shop/compare/${FROM}...${TO}`;

  it('en and ko: both commits as 7 hex and the compare link, first among the checks', () => {
    const plan = withCommits({ to: TO, from: FROM, url });
    expect(checkLines(plan, 'en')[0]).toBe(`:memo: Commits: \`1a2b3c4\` → \`9f8e7d6\` (<${url}|compare>)`);
    expect(checkLines(plan, 'ko')[0]).toBe(`:memo: 커밋: \`1a2b3c4\` → \`9f8e7d6\` (<${url}|비교>)`);
  });

  it('only the new commit; no link; the same commit on both sides', () => {
    expect(checkLines(withCommits({ to: TO }), 'en')[0]).toBe(':memo: Commits: `9f8e7d6`');
    expect(checkLines(withCommits({ to: TO, from: FROM }), 'en')[0]).toBe(':memo: Commits: `1a2b3c4` → `9f8e7d6`');
    expect(checkLines(withCommits({ to: TO, from: TO }), 'en')[0]).toBe(':memo: Commit: `9f8e7d6`, the same as now');
    expect(checkLines(withCommits({ to: TO, from: TO }), 'ko')[0]).toBe(':memo: 커밋: `9f8e7d6`, 지금과 같은 커밋');
  });

  it('a plan without commits (and an older stored plan) shows no line; a stored plan keeps them', () => {
    const plan = deployPlanAt(1_000);
    expect(checkLines(plan, 'en').join('\n')).not.toContain(':memo:');
    expect(parsePlan(JSON.parse(JSON.stringify(plan)))).toBeDefined();
    const stored = parsePlan(JSON.parse(JSON.stringify(withCommits({ to: TO, from: FROM, url }))));
    expect(stored?.checks?.commits).toEqual({ to: TO, from: FROM, url });
  });

  it('whatever a stored plan holds is shown inert: no mention, no link, at most 7 characters each', () => {
    const lines = checkLines(withCommits({ to: '<!channel>' + 'x'.repeat(5000), from: '`<@U1>`' }), 'en');
    expect(lines[0]).toBe(":memo: Commits: `'&lt;@U1&gt;'` → `&lt;!chann`");
    expect(lines[0]).not.toMatch(/<[!@]/);
  });

  it('the dry run shows it too', () => {
    const msg = dryRunMessage(withCommits({ to: TO, from: FROM, url }), undefined, [], 'en', 2_000);
    expect(JSON.stringify(msg.blocks)).toContain(':memo: Commits: `1a2b3c4` → `9f8e7d6`');
  });
});

describe('the commits a rollback undoes', () => {
  const src = 'https://github.com/acme/shop';
  // Running TO (the newer commit), going back to FROM (the older one).
  const undone = `${src}/compare/${FROM}...${TO}`;

  it('from the running commit back to the target, and the compare link from the target to the running one (what it undoes)', () => {
    expect(rollbackCommitsOf(labels(TO, src), labels(FROM, src))).toEqual({ to: FROM, from: TO, url: undone, back: true });
    // Not the deploy's direction, which GitHub would show as empty here.
    expect(rollbackCommitsOf(labels(TO, src), labels(FROM, src))?.url).not.toBe(`${src}/compare/${TO}...${FROM}`);
    expect(commitsOf(labels(FROM, src), labels(TO, src))?.url).toBe(`${src}/compare/${TO}...${FROM}`);
    expect(rollbackCommitsOf(labels(TO.toUpperCase()), labels(FROM, `${src}.git`))).toEqual({
      to: FROM,
      from: TO,
      url: undone,
      back: true,
    });
    expect(
      rollbackCommitsOf(labels('1a2b3c4', 'https://gitlab.example.com/g/shop'), labels('9f8e7d6', 'https://gitlab.example.com/g/shop')),
    ).toEqual({ to: '9f8e7d6', from: '1a2b3c4', url: 'https://gitlab.example.com/g/shop/-/compare/9f8e7d6...1a2b3c4', back: true });
  });

  it('the target unknown (no labels, a hostile value): only the running commit; neither: nothing; the running one unknown: only the target', () => {
    expect(rollbackCommitsOf(labels(TO, src), undefined)).toEqual({ from: TO, back: true });
    expect(rollbackCommitsOf(labels(TO, src), labels('<!channel>', src))).toEqual({ from: TO, back: true });
    expect(rollbackCommitsOf(undefined, undefined)).toBeUndefined();
    expect(rollbackCommitsOf(labels('v1.2.3'), labels(undefined, src))).toBeUndefined();
    expect(rollbackCommitsOf(undefined, labels(FROM, src))).toEqual({ to: FROM, back: true });
  });

  it('the same commit on both sides: no link; another repository: no link', () => {
    expect(rollbackCommitsOf(labels(TO, src), labels(TO, src))).toEqual({ to: TO, from: TO, back: true });
    expect(rollbackCommitsOf(labels(TO, 'https://github.com/acme/new'), labels(FROM, src))).toEqual({ to: FROM, from: TO, back: true });
  });

  const rollback = (commits?: NonNullable<RollbackPlan['checks']>['commits']): RollbackPlan => ({
    verb: 'rollback',
    ...planBase(1_000),
    targetTaskDefinition: tdArn('web-prod', 39),
    source: 'history',
    container: 'web',
    previousImage: `${REGISTRY}/shop/web:v1.2.2`,
    targetImage: `${REGISTRY}/shop/web@${DIGEST}`,
    checks: { images: [], warnings: [], ...(commits ? { commits } : {}) },
  });

  it('en and ko: the running commit, back to the target, and the link to what it undoes, first among the checks', () => {
    const plan = rollback({ to: FROM, from: TO, url: undone, back: true });
    expect(checkLines(plan, 'en')[0]).toBe(`:memo: Commits: \`9f8e7d6\` → back to \`1a2b3c4\` (<${undone}|what it undoes>)`);
    expect(checkLines(plan, 'ko')[0]).toBe(`:memo: 커밋: \`9f8e7d6\` → \`1a2b3c4\`로 되돌림 (<${undone}|되돌릴 커밋>)`);
  });

  it('without a link, without the running commit, without the target commit, and the same commit', () => {
    expect(checkLines(rollback({ to: FROM, from: TO, back: true }), 'en')[0]).toBe(':memo: Commits: `9f8e7d6` → back to `1a2b3c4`');
    expect(checkLines(rollback({ to: FROM, back: true }), 'en')[0]).toBe(':memo: Commits: back to `1a2b3c4`');
    expect(checkLines(rollback({ from: TO, back: true }), 'en')[0]).toBe(":memo: Commit now: `9f8e7d6` (the target's commit is unknown)");
    expect(checkLines(rollback({ from: TO, back: true }), 'ko')[0]).toBe(':memo: 지금 커밋: `9f8e7d6` (되돌아갈 커밋은 알 수 없음)');
    expect(checkLines(rollback({ to: TO, from: TO, back: true }), 'en')[0]).toBe(':memo: Commit: `9f8e7d6`, the same as now');
    expect(checkLines(rollback({ back: true }), 'en').join('\n')).not.toContain(':memo:');
    expect(checkLines(rollback(), 'en').join('\n')).not.toContain(':memo:');
  });

  it('a stored rollback plan keeps them; a deploy plan stored before (no `back`) still loads and reads as a deploy', () => {
    const stored = parsePlan(JSON.parse(JSON.stringify(rollback({ to: FROM, from: TO, url: undone, back: true }))));
    expect(stored?.checks?.commits).toEqual({ to: FROM, from: TO, url: undone, back: true });
    const old = JSON.parse(JSON.stringify(deployPlanAt(1_000)));
    old.checks = { warnings: [], commits: { to: TO, from: FROM } };
    expect(checkLines(parsePlan(old)!, 'en')[0]).toBe(':memo: Commits: `1a2b3c4` → `9f8e7d6`');
  });

  it('the dry run of a rollback shows it too', () => {
    const msg = dryRunMessage(rollback({ to: FROM, from: TO, url: undone, back: true }), undefined, [], 'en', 2_000);
    expect(JSON.stringify(msg.blocks)).toContain(':memo: Commits: `9f8e7d6` → back to `1a2b3c4`');
  });
});
