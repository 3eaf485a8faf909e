/**
 * The built bundles, not the sources: dist/slack.js drops Bolt's unused receivers, zod's locales
 * and everything src/ loads lazily (scripts/bundle-plugins.mjs), and signs its hand-off itself.
 * This runs the benchmark's scripted workload (bench/fixtures/world.ts: 20 status, 5 deploys to
 * COMPLETED, 10 logs, 10 cost) through freshly built slack.js, worker.js, events.js and
 * scheduled.js, loaded as four functions with Redis, Slack and AWS (the loopback endpoint of
 * src/loopback/aws: Lambda's Invoke API and the stateful AwsWorld) on loopback, and checks every command got its answer. No timing here: speed lives in `npm run bench`.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { TourResult, WorkloadResult } from '../../bench/fixtures/world';
import { TEST_AWS_CREDENTIALS } from '../helpers/hand-off';
import { flushRedis, useWorkerDb } from '../helpers/redis';

jest.setTimeout(300_000);

interface Built {
  name: string;
  bytes: number;
  packages: Record<string, number>;
}

const ROOT = join(__dirname, '../..');

describe('the built Lambda bundles', () => {
  const dist = mkdtempSync(join(tmpdir(), 'ecs-chatops-bundles-'));
  let built: Built[];
  let result: WorkloadResult;
  let tour: TourResult;

  beforeAll(async () => {
    const redisUrl = useWorkerDb();
    await flushRedis();
    // The build scripts are ES modules, which jest's CommonJS runtime cannot import: build in a child process.
    const script = [
      `import { buildAll, ENTRIES } from ${JSON.stringify(join(ROOT, 'scripts/build.mjs'))};`,
      `import { bytesByPackage } from ${JSON.stringify(join(ROOT, 'scripts/bundle-plugins.mjs'))};`,
      `const names = ['slack', 'worker', 'events', 'scheduled'];`,
      `const entries = { ...Object.fromEntries(names.map((n) => [n, ENTRIES[n]])), world: 'bench/fixtures/world.ts' };`,
      `const r = await buildAll({ outdir: ${JSON.stringify(dist)}, entries, nonLambda: ['world'] });`,
      `console.log(JSON.stringify(r.map((b) => ({ name: b.name, bytes: b.bytes, packages: bytesByPackage(b.metafile) }))));`,
    ].join('\n');
    const { stdout } = await promisify(execFile)(process.execPath, ['--input-type=module', '-e', script], {
      cwd: ROOT,
      maxBuffer: 1 << 24,
    });
    built = JSON.parse(stdout.trim().split('\n').pop()!) as Built[];
    // The four functions and their loopback world in one process of their own (as `npm run bench` runs them).
    const env = {
      ...process.env,
      AWS_LAMBDA_FUNCTION_NAME: 'ecs-chatops-test',
      SLACK_BOT_TOKEN: 'xoxb-bundle-test',
      SLACK_SIGNING_SECRET: 'bundle-test-secret',
      // The topology tests' config: its services are the ones the world seeds (test/helpers/topology/seed.ts).
      CHATOPS_CONFIG: join(ROOT, 'test/fixtures/chatops.topology.yml'),
      WORKER_FUNCTION: 'ecs-chatops-test-worker',
      AWS_REGION: 'eu-west-1',
      AWS_ACCESS_KEY_ID: TEST_AWS_CREDENTIALS.accessKeyId,
      AWS_SECRET_ACCESS_KEY: TEST_AWS_CREDENTIALS.secretAccessKey,
      LOG_LEVEL: 'error',
      REDIS_URL: redisUrl,
      BENCH_REDIS_PLAIN_URL: redisUrl,
    };
    const child = async <T>(mode: string): Promise<T> => {
      const run = await promisify(execFile)(process.execPath, [join(ROOT, 'bench/child.mjs'), mode, join(dist, 'world.js'), dist], {
        env,
        maxBuffer: 1 << 24,
      });
      return JSON.parse(run.stdout.trim().split('\n').pop()!) as T;
    };
    result = await child<WorkloadResult>('world');
    await flushRedis();
    tour = await child<TourResult>('tour');
  });

  afterAll(() => {
    rmSync(dist, { recursive: true, force: true });
  });

  it('answers every command of the workload and completes the five deploys', () => {
    expect(result.problems).toEqual([]);
    expect(result.commands).toEqual({ status: 20, deploy: 13, 'deploy (scheduled tick)': 5, logs: 10, cost: 10 });
    expect(result.deploysCompleted).toBe(5);
    expect(result.statusFirstMessageMs).toHaveLength(20);
  });

  it('hands every command off through the signed Invoke API, and the worker does the AWS work', () => {
    // 20 status + 5 deploy plans + 3 approvals' executions + 10 logs + 10 cost. The 2 auto-approved
    // (staging) executions run in the worker that planned them, without a hand-off.
    expect(result.lambdaInvokes).toBe(48);
    expect(result.awsCalls.status).toMatchObject({ 'ecs.DescribeServices': 20 });
    expect(result.awsCalls.deploy).toMatchObject({ 'ecs.RegisterTaskDefinition': 5, 'ecs.UpdateService': 5 });
    expect(result.awsCalls.logs?.['logs.FilterLogEvents']).toBeGreaterThanOrEqual(10);
    expect(result.costExplorer.requests).toBeGreaterThan(0);
    expect(result.costExplorer.cacheHits).toBeGreaterThan(0);
  });

  it('answers every verb, refusals included, without reaching anything left out of dist/slack.js', () => {
    expect(tour.problems).toEqual([]);
    expect(tour.acks['help']).toContain('ECS ChatOps commands');
    expect(tour.acks['no-such-verb']).toContain('There is no command');
    expect(tour.acks['lock web --reason "bench tour"']).toMatch(/lock/i);
    expect(Object.keys(tour.acks)).toHaveLength(18);
  });

  it('makes no AWS call outside an invocation (nothing polls in the background)', () => {
    expect(result.awsCallsOutsideInvocations).toBe(0);
  });

  it('keeps out of dist/slack.js what the Slack function never runs, and keeps it in the worker', () => {
    const packages = (name: string) => Object.keys(built.find((b) => b.name === name)!.packages);
    const neverOnTheEdge = [
      '@aws-sdk/client-ecs',
      '@aws-sdk/client-lambda',
      'express',
      'undici',
      '@slack/socket-mode',
      '@slack/oauth',
      'iconv-lite',
    ];
    expect(packages('slack').filter((p) => neverOnTheEdge.includes(p))).toEqual([]);
    expect(packages('worker')).toEqual(
      expect.arrayContaining([
        '@aws-sdk/client-ecs',
        '@aws-sdk/client-ecr',
        '@aws-sdk/client-cloudwatch-logs',
        '@aws-sdk/client-cost-explorer',
      ]),
    );
  });
});
