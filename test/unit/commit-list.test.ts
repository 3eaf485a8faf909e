/**
 * The commit list of a deploy or rollback request, its pure parts (no mocks): GIT_TOKENS validated
 * (never a value in what it says), which host is asked and with whose token (a host not configured:
 * nothing; a token only to its own host's API), the GitHub and GitLab answers as the stored lines
 * (escaped, cut, newest first, at most 5, the total), and the lines under the commits line (en + ko)
 * within Slack's limits.
 */
import {
  COMMIT_LIST_MAX,
  commitLine,
  compareRequest,
  gitHubList,
  gitLabList,
  parseGitHosts,
  type GitHosts,
} from '../../src/deploy/commit-list';
import type { Commits } from '../../src/deploy/commits';
import { checkLines, dryRunMessage } from '../../src/deploy/render';
import { parsePlan, type DeployPlan } from '../../src/deploy/plan';
import { deployPlanAt, expectWithinSlackLimits } from '../helpers/aws-fixtures';

const FROM = '1a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d';
const TO = '9f8e7d6c5b4a39281706f5e4d3c2b1a098765432';
const GH = `https://github.com/acme/shop/compare/${FROM}...${TO}`;
const GL = `https://gitlab.example.com/acme/platform/shop/-/compare/${FROM}...${TO}`;
const hosts = (raw: object): GitHosts => parseGitHosts(JSON.stringify(raw)).hosts!;
const sha = (n: number) => n.toString(16).padStart(40, 'a');

describe('GIT_TOKENS', () => {
  it('unset or blank: off, nothing said', () => {
    expect(parseGitHosts(undefined)).toEqual({});
    expect(parseGitHosts('  ')).toEqual({});
  });

  it('host → token, host → { token, api }; an empty token asks without one; host names lower-cased; the api without a trailing slash', () => {
    const h = hosts({
      'GitHub.com': 'ghp_secret1',
      'gitlab.example.com': { token: 'glpat-x', api: 'https://gl.internal/api/v4/' },
      'gitlab.com': '',
    });
    expect([...h]).toEqual([
      ['github.com', { token: 'ghp_secret1' }],
      ['gitlab.example.com', { token: 'glpat-x', api: 'https://gl.internal/api/v4' }],
      ['gitlab.com', { token: '' }],
    ]);
    expect(hosts({ 'github.com': { api: 'http://127.0.0.1:4567' } }).get('github.com')).toEqual({
      token: '',
      api: 'http://127.0.0.1:4567',
    });
  });

  it('invalid: a problem that quotes no value (not even a key, which may be a token in the wrong place), and no hosts', () => {
    for (const raw of [
      '{"github.com": "ghp_secret1"',
      '["ghp_secret1"]',
      '{"github.com": 42}',
      '{"ghp_secret1/x": "github.com"}',
      '{"github.com": {"token": "ghp_secret1", "extra": 1}}',
      // A token never travels in clear: http only to the loopback; no credentials in the api.
      '{"github.com": {"token": "ghp_secret1", "api": "http://api.github.com"}}',
      '{"github.com": {"token": "ghp_secret1", "api": "https://user:ghp_secret1@api.github.com"}}',
      '{"github.com": {"token": "ghp_secret1", "api": "not a url"}}',
    ]) {
      const r = parseGitHosts(raw);
      expect(r.hosts).toBeUndefined();
      expect(r.problem).toBeTruthy();
      expect(r.problem).not.toMatch(/ghp_|secret|github/);
    }
  });
});

describe('which host is asked, with which token', () => {
  const h = hosts({ 'github.com': 'ghp_secret1', 'gitlab.example.com': 'glpat-secret2' });

  it('GitHub: the compare endpoint, older...newer as the link, its token as a Bearer', () => {
    expect(compareRequest({ to: TO, from: FROM, url: GH }, h)).toEqual({
      kind: 'github',
      url: `https://api.github.com/repos/acme/shop/compare/${FROM}...${TO}`,
      headers: { Accept: 'application/vnd.github+json', 'X-GitHub-Api-Version': '2022-11-28', Authorization: 'Bearer ghp_secret1' },
    });
  });

  it('a rollback (and a deploy that goes back): the other direction, what it undoes', () => {
    const undone = `https://github.com/acme/shop/compare/${TO}...${FROM}`;
    expect(compareRequest({ to: TO, from: FROM, url: undone, back: true }, h)?.url).toBe(
      `https://api.github.com/repos/acme/shop/compare/${TO}...${FROM}`,
    );
  });

  it('GitLab: the project by its encoded path, from/to, PRIVATE-TOKEN of that host only', () => {
    expect(compareRequest({ to: TO, from: FROM, url: GL }, h)).toEqual({
      kind: 'gitlab',
      url: `https://gitlab.example.com/api/v4/projects/acme%2Fplatform%2Fshop/repository/compare?from=${FROM}&to=${TO}&straight=false`,
      headers: { Accept: 'application/json', 'PRIVATE-TOKEN': 'glpat-secret2' },
    });
  });

  it('an api override: that base, the token with it; no token configured: no Authorization', () => {
    const local = hosts({ 'github.com': { token: 'ghp_secret1', api: 'http://127.0.0.1:9' }, 'gitlab.com': '' });
    expect(compareRequest({ to: TO, from: FROM, url: GH }, local)).toMatchObject({
      url: `http://127.0.0.1:9/repos/acme/shop/compare/${FROM}...${TO}`,
      headers: { Authorization: 'Bearer ghp_secret1' },
    });
    const gl = compareRequest({ to: TO, from: FROM, url: `https://gitlab.com/a/b/-/compare/${FROM}...${TO}` }, local)!;
    expect(gl.url.startsWith('https://gitlab.com/api/v4/projects/a%2Fb/')).toBe(true);
    expect(gl.headers).toEqual({ Accept: 'application/json' });
  });

  it('GitHub Enterprise: a Server by its kind at /api/v3 on its host; Cloud (`*.ghe.com`) at api.<name>; a GitLab by its kind', () => {
    const ent = hosts({
      'git.acme.io': { token: 'ghp_secret3', kind: 'github' },
      'acme.ghe.com': 'ghp_secret4',
      'code.acme.io': { token: 'glpat-secret5', kind: 'gitlab' },
    });
    expect(compareRequest({ to: TO, from: FROM, url: `https://git.acme.io/shop/web/compare/${FROM}...${TO}` }, ent)).toEqual({
      kind: 'github',
      url: `https://git.acme.io/api/v3/repos/shop/web/compare/${FROM}...${TO}`,
      headers: { Accept: 'application/vnd.github+json', 'X-GitHub-Api-Version': '2022-11-28', Authorization: 'Bearer ghp_secret3' },
    });
    expect(compareRequest({ to: TO, from: FROM, url: `https://acme.ghe.com/shop/web/compare/${FROM}...${TO}` }, ent)).toMatchObject({
      url: `https://api.acme.ghe.com/repos/shop/web/compare/${FROM}...${TO}`,
      headers: { Authorization: 'Bearer ghp_secret4' },
    });
    expect(compareRequest({ to: TO, from: FROM, url: `https://code.acme.io/g/web/-/compare/${FROM}...${TO}` }, ent)).toEqual({
      kind: 'gitlab',
      url: `https://code.acme.io/api/v4/projects/g%2Fweb/repository/compare?from=${FROM}&to=${TO}&straight=false`,
      headers: { Accept: 'application/json', 'PRIVATE-TOKEN': 'glpat-secret5' },
    });
    // Its kind read from the link, not guessed: a GitLab-shaped link to a host configured as GitHub is not asked.
    expect(compareRequest({ to: TO, from: FROM, url: `https://git.acme.io/g/web/-/compare/${FROM}...${TO}` }, ent)).toBeUndefined();
    expect([...ent].map(([h, v]) => [h, v.kind])).toEqual([
      ['git.acme.io', 'github'],
      ['acme.ghe.com', undefined],
      ['code.acme.io', 'gitlab'],
    ]);
    expect(parseGitHosts('{"git.acme.io": {"token": "ghp_secret3", "kind": "bitbucket"}}')).toEqual({ problem: expect.any(String) });
  });

  it('nothing is asked: no hosts, a host not configured, no link, one commit, the same commit', () => {
    const c: Commits = { to: TO, from: FROM, url: GH };
    expect(compareRequest(c, undefined)).toBeUndefined();
    expect(compareRequest(c, hosts({}))).toBeUndefined();
    expect(compareRequest(c, hosts({ 'gitlab.example.com': 'glpat-secret2' }))).toBeUndefined();
    expect(compareRequest({ to: TO, from: FROM, url: GL }, hosts({ 'github.com': 'ghp_secret1' }))).toBeUndefined();
    expect(compareRequest({ to: TO, from: FROM }, h)).toBeUndefined();
    expect(compareRequest({ to: TO, url: GH }, h)).toBeUndefined();
    expect(compareRequest({ to: TO, from: TO, url: GH }, h)).toBeUndefined();
  });

  it("a token never goes to another host: a link that is not the plan's own compare link, another gitlab host, a look-alike", () => {
    expect(compareRequest({ to: TO, from: FROM, url: `https://github.com.evil.io/acme/shop/compare/${FROM}...${TO}` }, h)).toBeUndefined();
    expect(compareRequest({ to: TO, from: FROM, url: `https://gitlab.evil.io/a/b/-/compare/${FROM}...${TO}` }, h)).toBeUndefined();
    expect(compareRequest({ to: TO, from: FROM, url: `https://github.com/acme/shop/compare/${TO}...${FROM}` }, h)).toBeUndefined();
    expect(compareRequest({ to: TO, from: FROM, url: `http://github.com/acme/shop/compare/${FROM}...${TO}` }, h)).toBeUndefined();
    expect(compareRequest({ to: TO, from: FROM, url: `https://x@github.com/acme/shop/compare/${FROM}...${TO}` }, h)).toBeUndefined();
    // GitHub repositories are owner/name: a deeper path is not asked for.
    expect(compareRequest({ to: TO, from: FROM, url: `https://github.com/acme/shop/tree/compare/${FROM}...${TO}` }, h)).toBeUndefined();
  });
});

describe('the answers as the stored list', () => {
  const ghCommit = (s: string, message: string, login?: string, name = 'Kim Minsu') => ({
    sha: s,
    commit: { message, author: { name, date: '2026-12-01T00:00:00Z' } },
    author: login ? { login } : null,
  });

  it('GitHub: newest first, at most 5, subject (first line) — login or name, the total', () => {
    const commits = Array.from({ length: 8 }, (_, i) => ghCommit(sha(i), `Change ${i}\n\nbody`, i % 2 ? `dev${i}` : undefined));
    expect(gitHubList({ total_commits: 17, commits })).toEqual({
      list: [
        `\`${sha(7).slice(0, 7)}\` Change 7 — dev7`,
        `\`${sha(6).slice(0, 7)}\` Change 6 — Kim Minsu`,
        `\`${sha(5).slice(0, 7)}\` Change 5 — dev5`,
        `\`${sha(4).slice(0, 7)}\` Change 4 — Kim Minsu`,
        `\`${sha(3).slice(0, 7)}\` Change 3 — dev3`,
      ],
      total: 17,
    });
    expect(COMMIT_LIST_MAX).toBe(5);
    expect(gitHubList({ commits: [ghCommit(FROM, 'One')] })).toEqual({ list: ['`1a2b3c4` One — Kim Minsu'], total: 1 });
  });

  it('GitLab: title — author_name, newest first, the total is what it lists', () => {
    const commits = Array.from({ length: 6 }, (_, i) => ({
      id: sha(i),
      short_id: sha(i).slice(0, 8),
      title: `Fix ${i}`,
      author_name: 'Lee',
      created_at: '',
    }));
    const got = gitLabList({ commits });
    expect(got?.list[0]).toBe(`\`${sha(5).slice(0, 7)}\` Fix 5 — Lee`);
    expect(got?.list).toHaveLength(5);
    expect(got?.total).toBe(6);
  });

  it('hostile text is inert: no mention, link or code span; control characters gone; cut within bounds once escaped', () => {
    const line = commitLine(
      FROM,
      '<!channel> `rm -rf` <https://evil.io|click>\u0007 ' + '&'.repeat(200) + '\nsecond line',
      '<@U123> ' + 'x'.repeat(100),
    );
    expect(line).not.toMatch(/<[!@h]/);
    expect(line).not.toContain('second line');
    expect(line).not.toContain('\u0007');
    expect(line.startsWith("`1a2b3c4` &lt;!channel&gt; 'rm -rf' &lt;https://evil.io|click&gt; &amp;")).toBe(true);
    expect((line.match(/`/g) ?? []).length).toBe(2);
    const [subject, author] = line.slice('`1a2b3c4` '.length).split(' — ');
    expect(subject!.length).toBeLessThanOrEqual(72);
    expect(subject!.endsWith('…')).toBe(true);
    expect(subject).not.toMatch(/&(?!amp;|lt;|gt;)/);
    expect(author!.length).toBeLessThanOrEqual(30);
    expect(author!.startsWith('&lt;@U123&gt;')).toBe(true);
    // Short enough: as it is.
    expect(commitLine(TO, 'Short', 'kim')).toBe('`9f8e7d6` Short — kim');
  });

  it('not the expected shape: no list; a commit without a hex sha is left out (and counted)', () => {
    expect(gitHubList({ message: 'Not Found' })).toBeUndefined();
    expect(gitHubList(null)).toBeUndefined();
    expect(gitHubList({ commits: [] })).toBeUndefined();
    expect(gitLabList('<html>')).toBeUndefined();
    expect(gitHubList({ commits: [ghCommit('zzz', 'bad'), ghCommit(TO, 'good', 'kim')] })).toEqual({
      list: ['`9f8e7d6` good — kim'],
      total: 2,
    });
    expect(gitHubList({ total_commits: 'x', commits: [{ sha: TO, commit: { message: 42, author: null }, author: { login: 7 } }] })).toEqual(
      {
        list: ['`9f8e7d6`'],
        total: 1,
      },
    );
  });
});

describe('the list under the commits line', () => {
  const url = `https://github.com/acme/shop/compare/${FROM}...${TO}`;
  const withCommits = (commits: NonNullable<DeployPlan['checks']>['commits']): DeployPlan => {
    const plan = deployPlanAt(1_000);
    return { ...plan, checks: { ...(plan.checks ?? { warnings: [] }), commits } } as DeployPlan;
  };
  const list = ['`9f8e7d6` Add cart — kim', '`5555555` Fix &lt;!channel&gt; — lee'];

  it('en and ko: one "• " line each, and how many more when the total is larger', () => {
    const plan = withCommits({ to: TO, from: FROM, url, list, total: 14 });
    expect(checkLines(plan, 'en')[0]).toBe(
      `:memo: Commits: \`1a2b3c4\` → \`9f8e7d6\` (<${url}|compare>)\n• \`9f8e7d6\` Add cart — kim\n• \`5555555\` Fix &lt;!channel&gt; — lee\n…and 12 more`,
    );
    expect(checkLines(plan, 'ko')[0]!.split('\n').pop()).toBe('…외 12개 더');
    expect(checkLines(withCommits({ to: TO, from: FROM, url, list, total: 2 }), 'en')[0]!.split('\n')).toHaveLength(3);
  });

  it('a stored plan keeps the list; one stored before it (no list) reads as before', () => {
    const stored = parsePlan(JSON.parse(JSON.stringify(withCommits({ to: TO, from: FROM, url, list, total: 14 }))));
    expect(stored?.checks?.commits).toEqual({ to: TO, from: FROM, url, list, total: 14 });
    expect(checkLines(withCommits({ to: TO, from: FROM, url }), 'en')[0]).toBe(
      `:memo: Commits: \`1a2b3c4\` → \`9f8e7d6\` (<${url}|compare>)`,
    );
  });

  it('the longest list fits Slack: five commits of the longest escaped subjects and authors', () => {
    const long = commitLine(TO, '<'.repeat(500), '&'.repeat(500));
    const plan = withCommits({ to: TO, from: FROM, url, list: Array(5).fill(long), total: 250 });
    for (const locale of ['en', 'ko'] as const) {
      const msg = dryRunMessage(plan, undefined, [], locale, 2_000);
      expectWithinSlackLimits(msg);
      expect(checkLines(plan, locale)[0]!.length).toBeLessThan(1000);
    }
  });
});
