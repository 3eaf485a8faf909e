/**
 * The demo world's Git host: the history of acme/shop, whose commits CI built the demo images from
 * (their OCI revision labels, ./world.ts), answered the way GitHub's "compare two commits" API
 * answers. The playground serves it on its own port and names it in GIT_TOKENS, so a request card
 * lists the commits a deploy brings or a rollback undoes (src/deploy/git-api.ts). Made up, like the
 * rest of the demo world.
 */

interface DemoCommit {
  sha: string;
  message: string;
  login: string;
  name: string;
}

const c = (sha: string, message: string, login: string, name: string): DemoCommit => ({ sha, message, login, name });

/** acme/shop's main branch, oldest first. The releases are the demo images' labels. */
export const DEMO_COMMITS: readonly DemoCommit[] = [
  c('1a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d', 'Release v1.2.2', 'lee', 'Lee Lead'),
  c(
    '2b7f0e91c4d8a35f6e2b1c0d9a8f7e6d5c4b3a29',
    'Fix the checkout total when a coupon expires mid-session (#412)',
    'dana',
    'Dana Developer',
  ),
  c('3c81d5a2e0f94b7c6d5e4f3a2b1c0d9e8f7a6b58', 'Cache product images for ten minutes (#415)', 'sam', 'Sam Shop'),
  c('4d92e6b3f1a05c8d7e6f5a4b3c2d1e0f9a8b7c67', 'Log the payment provider request id on every error (#417)', 'dana', 'Dana Developer'),
  c('9f8e7d6c5b4a39281706f5e4d3c2b1a098765432', 'Release v1.2.3', 'lee', 'Lee Lead'),
  c('a0c3f7d4e2b16a9e8f7a6b5c4d3e2f1a0b9c8d76', 'Retry payment webhooks with backoff (#421)', 'sam', 'Sam Shop'),
  c('b41c9e07d2f35a8e6c1b0d9f4a7e2c5b8d3f6a90', 'Release v1.2.4', 'lee', 'Lee Lead'),
  c('c52d0f18e3a46b9f7d2c1e0a5b8f3d6c9e4a7b01', 'Move search to the new search service (#430)', 'dana', 'Dana Developer'),
  c('5e0f4c2a7d9b81e3f6a4c0d2b7e9f1a3c5d7e9b1', 'Release v1.3.0-rc1', 'lee', 'Lee Lead'),
];

const COMPARE = /^\/repos\/acme\/shop\/compare\/([0-9a-f]{7,64})\.\.\.([0-9a-f]{7,64})$/;

/**
 * GitHub's answer to GET /repos/{owner}/{repo}/compare/{base}...{head} for the demo history: the commits
 * after base up to head, oldest first ('ahead'); none when head is not after base ('behind'); 404 for an
 * unknown repository or commit.
 */
export function demoCompare(path: string): { status: number; body: unknown } {
  const m = COMPARE.exec(path);
  const at = (sha: string) => DEMO_COMMITS.findIndex((x) => x.sha.startsWith(sha));
  const [base, head] = m ? [at(m[1]!), at(m[2]!)] : [-1, -1];
  if (base < 0 || head < 0) return { status: 404, body: { message: 'Not Found', status: '404' } };
  const commits = head > base ? DEMO_COMMITS.slice(base + 1, head + 1) : [];
  return {
    status: 200,
    body: {
      status: head > base ? 'ahead' : head === base ? 'identical' : 'behind',
      ahead_by: commits.length,
      behind_by: head < base ? base - head : 0,
      total_commits: commits.length,
      commits: commits.map((x) => ({
        sha: x.sha,
        commit: { message: x.message, author: { name: x.name, date: '2026-12-01T09:00:00Z' } },
        author: { login: x.login },
      })),
    },
  };
}
