/**
 * "Which commits am I approving?", listed: with GIT_TOKENS configuring the repository's host, the
 * worker asks the Git host's API (here a local server playing GitHub's, through the `api` override)
 * for the commits between the running and the new image's, and the request card lists the newest
 * under the commits line, with how many more. The token goes to that API only, as a Bearer. Off
 * without GIT_TOKENS (nothing is asked); best-effort: an API that never answers (GIT_API_TIMEOUT_MS,
 * short here) or refuses leaves the line as it was, with a warning that holds no token. A rollback
 * lists what it undoes (the other direction). Through the real handlers (Slack function, worker),
 * ECS and ECR stubbed.
 */
import { requestMessage, textOf, useDeployHarness } from '../helpers/deploy-e2e';
import {
  FROM_SHA,
  PINNED_TARGET,
  TO_SHA,
  gitHubCompare,
  rollbackTo39,
  runningOldImage,
  shopLabels,
  stubLabels,
  useBlobServer,
  useGitApi,
} from '../helpers/commits-e2e';

const TOKEN = 'ghp_e2eTokenForTheCommitList0123';
const blobs = useBlobServer();
const api = useGitApi();
/** GIT_TOKENS: github.com, its API the local server, the token. */
const configured = () => JSON.stringify({ 'github.com': { token: TOKEN, api: api().url } });
/** GIT_TOKENS of the next start (undefined: unset); a test that changes it restarts the harness. */
let gitTokens: (() => string) | undefined = configured;
const h = useDeployHarness({
  env: (): Record<string, string> => (gitTokens ? { GIT_TOKENS: gitTokens() } : {}),
  before: async ({ world }) => {
    runningOldImage(world);
  },
});
const bound = { labels: process.env.ECR_LABELS_TIMEOUT_MS, api: process.env.GIT_API_TIMEOUT_MS };
beforeAll(() => {
  process.env.ECR_LABELS_TIMEOUT_MS = '2000';
  process.env.GIT_API_TIMEOUT_MS = '300';
});
afterAll(() => {
  for (const [name, v] of [
    ['ECR_LABELS_TIMEOUT_MS', bound.labels],
    ['GIT_API_TIMEOUT_MS', bound.api],
  ] as const) {
    if (v === undefined) delete process.env[name];
    else process.env[name] = v;
  }
});
afterEach(() => {
  gitTokens = configured;
});

async function deployCard(): Promise<string> {
  stubLabels(h.ecrMock, blobs(), { to: shopLabels(TO_SHA), from: shopLabels(FROM_SHA) });
  await h.e2e.slash('deploy web v1.2.3', { channel_id: 'CPROD', user_id: 'UDEV1' });
  await h.e2e.drain();
  return textOf(requestMessage(h.e2e, 'CPROD').message);
}

const COMPARE = `https://github.com/acme/shop/compare/${FROM_SHA}...${TO_SHA}`;
const line = `:memo: Commits: \`1a2b3c4\` → \`9f8e7d6\` (<${COMPARE}|compare>)`;
const warnings = () => h.e2e.logs.filter((l) => l.level === 'warn' && String(l.msg).startsWith('git host'));

describe('the commit list of a deploy request', () => {
  it('lists the newest five of what the deploy brings, how many more, asked of the API with the token as a Bearer', async () => {
    api().answer = { status: 200, body: gitHubCompare(7, 17) };
    const text = await deployCard();
    expect(text).toContain(
      [
        line,
        '• `7000000` Commit 7 — Dev 7',
        '• `6000000` Commit 6 — dev6',
        '• `5000000` Commit 5 — Dev 5',
        '• `4000000` Commit 4 — dev4',
        '• `3000000` Commit 3 — Dev 3',
        '…and 12 more',
      ].join('\\n'), // textOf: the blocks as JSON
    );
    expect(api().requests).toHaveLength(1);
    const [req] = api().requests;
    expect(req!.path).toBe(`/repos/acme/shop/compare/${FROM_SHA}...${TO_SHA}`);
    expect(req!.headers.authorization).toBe(`Bearer ${TOKEN}`);
    expect(req!.headers.accept).toBe('application/vnd.github+json');
    expect(req!.headers['x-github-api-version']).toBe('2022-11-28');
  });

  it('GIT_TOKENS unset: nothing is asked, the line as before', async () => {
    gitTokens = undefined;
    await h.restart();
    const text = await deployCard();
    expect(text).toContain(line);
    expect(text).not.toContain('• `');
    expect(api().requests).toHaveLength(0);
  });

  it('a host GIT_TOKENS does not name: nothing is asked, no token anywhere', async () => {
    gitTokens = () => JSON.stringify({ 'gitlab.example.com': { token: TOKEN, api: api().url } });
    await h.restart();
    const text = await deployCard();
    expect(text).toContain(line);
    expect(api().requests).toHaveLength(0);
  });

  it('an API that never answers: the request comes without the list, within the bound, and the warning holds no token', async () => {
    api().answer = 'hang';
    const text = await deployCard();
    expect(text).toContain(line);
    expect(text).not.toContain('• `');
    expect(api().requests).toHaveLength(1);
    expect(warnings()).toEqual([expect.objectContaining({ reason: 'timeout', service: 'web' })]);
    expect(JSON.stringify(h.e2e.logs)).not.toContain(TOKEN);
  });

  it('refused (401): the request comes without the list, the warning names the status, never the token', async () => {
    api().answer = { status: 401, body: { message: 'Bad credentials' } };
    const text = await deployCard();
    expect(text).toContain(line);
    expect(text).not.toContain('• `');
    expect(warnings()).toEqual([expect.objectContaining({ reason: 'HTTP 401' })]);
    expect(JSON.stringify(h.e2e.logs)).not.toContain(TOKEN);
  });

  it('an invalid GIT_TOKENS: one warning without the value, nothing asked, the request as before', async () => {
    gitTokens = () => `{"github.com": "${TOKEN}"`;
    await h.restart();
    const text = await deployCard();
    expect(text).toContain(line);
    expect(api().requests).toHaveLength(0);
    expect(h.e2e.logs.filter((l) => String(l.msg).startsWith('GIT_TOKENS'))).toEqual([
      expect.objectContaining({ level: 'warn', problem: 'not JSON' }),
    ]);
    expect(JSON.stringify(h.e2e.logs)).not.toContain(TOKEN);
  });
});

describe('a GitLab host', () => {
  it("asks GitLab's compare API with its own token header and lists its answer", async () => {
    gitTokens = () => JSON.stringify({ 'gitlab.example.com': { token: TOKEN, api: api().url } });
    await h.restart();
    const gitlab = (revision: string) => ({
      ...shopLabels(revision),
      'org.opencontainers.image.source': 'https://gitlab.example.com/acme/platform/shop',
    });
    stubLabels(h.ecrMock, blobs(), { to: gitlab(TO_SHA), from: gitlab(FROM_SHA) });
    api().answer = {
      status: 200,
      body: {
        commits: [
          { id: FROM_SHA.replace(/^1/, '2'), short_id: '2a2b3c4', title: 'Fix the cart <!channel>', author_name: 'Dana' },
          { id: TO_SHA, short_id: '9f8e7d6', title: 'Release v1.2.3', author_name: 'Lee' },
        ],
        compare_timeout: false,
      },
    };
    await h.e2e.slash('deploy web v1.2.3', { channel_id: 'CPROD', user_id: 'UDEV1' });
    await h.e2e.drain();
    const text = textOf(requestMessage(h.e2e, 'CPROD').message);
    expect(text).toContain('\\n• `9f8e7d6` Release v1.2.3 — Lee\\n• `2a2b3c4` Fix the cart &lt;!channel&gt; — Dana');
    expect(api().requests).toHaveLength(1);
    const [req] = api().requests;
    expect(req!.path).toBe(`/projects/acme%2Fplatform%2Fshop/repository/compare?from=${FROM_SHA}&to=${TO_SHA}&straight=false`);
    expect(req!.headers['private-token']).toBe(TOKEN);
    expect(req!.headers.authorization).toBeUndefined();
  });
});

describe('a GitHub Enterprise Server', () => {
  /** Both images built from a repository on git.acme.io, a name that does not say it is GitHub. */
  const stubEnterpriseLabels = () => {
    const enterprise = (revision: string) => ({
      ...shopLabels(revision),
      'org.opencontainers.image.source': 'https://git.acme.io/shop/web',
    });
    stubLabels(h.ecrMock, blobs(), { to: enterprise(TO_SHA), from: enterprise(FROM_SHA) });
  };

  it('with its kind in GIT_TOKENS: the compare link on its host and its API asked for the list', async () => {
    // The API's base as an Enterprise Server has it (https://<host>/api/v3), here on the local server.
    gitTokens = () => JSON.stringify({ 'git.acme.io': { token: TOKEN, api: `${api().url}/api/v3`, kind: 'github' } });
    await h.restart();
    stubEnterpriseLabels();
    api().answer = { status: 200, body: gitHubCompare(2) };
    await h.e2e.slash('deploy web v1.2.3', { channel_id: 'CPROD', user_id: 'UDEV1' });
    await h.e2e.drain();
    const text = textOf(requestMessage(h.e2e, 'CPROD').message);
    const compare = `https://git.acme.io/shop/web/compare/${FROM_SHA}...${TO_SHA}`;
    expect(text).toContain(`:memo: Commits: \`1a2b3c4\` → \`9f8e7d6\` (<${compare}|compare>)\\n• \`2000000\` Commit 2 — dev2`);
    expect(api().requests.map((r) => [r.path, r.headers.authorization])).toEqual([
      [`/api/v3/repos/shop/web/compare/${FROM_SHA}...${TO_SHA}`, `Bearer ${TOKEN}`],
    ]);
  });

  it('without its kind: no compare link (its name does not say it is GitHub), nothing asked', async () => {
    gitTokens = () => JSON.stringify({ 'git.acme.io': { token: TOKEN, api: `${api().url}/api/v3` } });
    await h.restart();
    stubEnterpriseLabels();
    await h.e2e.slash('deploy web v1.2.3', { channel_id: 'CPROD', user_id: 'UDEV1' });
    await h.e2e.drain();
    const text = textOf(requestMessage(h.e2e, 'CPROD').message);
    expect(text).toContain(':memo: Commits: `1a2b3c4` → `9f8e7d6`');
    expect(text).not.toContain('git.acme.io');
    expect(api().requests).toHaveLength(0);
  });
});

describe('the commit list of a rollback request', () => {
  it('lists what it undoes: the API asked target...running', async () => {
    // web-prod:42 (running) is 9f8e7d6; the target, web-prod:39, pinned to DIGEST, is 1a2b3c4.
    rollbackTo39(h.world, h.clock, PINNED_TARGET);
    stubLabels(h.ecrMock, blobs(), { to: shopLabels(FROM_SHA), from: shopLabels(TO_SHA) });
    api().answer = { status: 200, body: gitHubCompare(2) };
    await h.e2e.slash('rollback web --reason "5xx"', { channel_id: 'CPROD', user_id: 'UDEV2' });
    await h.e2e.drain();
    const text = textOf(requestMessage(h.e2e, 'CPROD').message);
    const undone = `https://github.com/acme/shop/compare/${FROM_SHA}...${TO_SHA}`;
    expect(text).toContain(
      `:memo: Commits: \`9f8e7d6\` → back to \`1a2b3c4\` (<${undone}|what it undoes>)\\n• \`2000000\` Commit 2 — dev2\\n• \`1000000\` Commit 1 — Dev 1`,
    );
    expect(text).not.toContain('…and');
    expect(api().requests.map((r) => r.path)).toEqual([`/repos/acme/shop/compare/${FROM_SHA}...${TO_SHA}`]);
  });
});
