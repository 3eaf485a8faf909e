/**
 * What the deployed topology is made of, built once per jest run and shared by its workers:
 *
 *   - the Lambda bundles and `npm start`'s (dist/local.js), built by scripts/build.mjs's buildAll
 *     (the same entries and esbuild options as `npm run build`) into the run directory, plus the
 *     loopback Lambda runtime (src/loopback/lambda/host.ts);
 *   - the CloudFormation template, packaged by `osls package` with the environment CI uses
 *     (.ci/run: dummy credentials, no telemetry), for stage `test`, from a staged copy of the
 *     project holding exactly those bundles.
 *
 * The first worker that asks builds (a lock directory in the run directory, see
 * global-setup.ts); the others wait for its result. Both steps run as child processes, one after
 * the other.
 */
import { spawn } from 'node:child_process';
import { copyFileSync, cpSync, existsSync, mkdirSync, readFileSync, renameSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { RUN_DIR_ENV } from '../global-setup';

export const ROOT = path.resolve(__dirname, '../../..');
export const STAGE = 'test';
export const REGION = 'eu-west-1';
export const ACCOUNT = '123456789012';
/** The roles the test world's task definitions use: the worker may pass exactly these (chatops.topology.yml taskRoles). */
export const PASS_ROLES = [`arn:aws:iam::${ACCOUNT}:role/web-task`, `arn:aws:iam::${ACCOUNT}:role/ecsTaskExecutionRole`];

/**
 * The SSM parameter of GIT_TOKENS (packaged with `gitTokens=true`, serverless.yml's custom.gitTokensParam): the
 * worker reads it with its other secrets, through its role's grant on exactly that parameter.
 */
export const GIT_TOKENS_PARAM = `/ecs-chatops/${STAGE}/git-tokens`;
/** The KMS key the topology's SecureString parameters are encrypted with (packaged as `secretsKmsKeyArn`). */
export const SECRETS_KEY = `arn:aws:kms:${REGION}:${ACCOUNT}:key/0b0c5e1e-7a11-4c0d-9d00-5ec2e75ec2e7`;

/** The Lambda entries of scripts/build.mjs (plus `local`, the entry of `npm start`, and the loopback runtime). */
const LAMBDA_ENTRIES = ['slack', 'worker', 'events', 'scheduled'] as const;

export interface Artifacts {
  /** Directory with <entry>.js and .map for each Lambda entry. */
  dist: string;
  /** The loopback Lambda runtime (one file). */
  hostScript: string;
  /** The packaged CloudFormation template (parsed). */
  template: CfnTemplate;
  /** How long each step took in the run that built them (ms). */
  timings: { build: number; package: number };
}

export type CfnTemplate = {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- CloudFormation JSON is read field by field
  Resources: Record<string, { Type: string; Properties?: any; Condition?: string }>;
  Conditions?: Record<string, unknown>;
  Parameters?: Record<string, { Type: string; Default?: string }>;
};

function run(cmd: string, args: string[], env: NodeJS.ProcessEnv, cwd = ROOT): Promise<{ ms: number; output: string }> {
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    child.on('error', reject);
    child.on('exit', (code) => {
      if (code === 0) resolve({ ms: Date.now() - started, output });
      else reject(new Error(`${path.basename(cmd)} ${args.slice(0, 2).join(' ')} failed (exit ${code}):\n${output.slice(-4000)}`));
    });
  });
}

async function buildBundles(outdir: string): Promise<number> {
  const entries: Record<string, string> = { 'lambda-host': 'src/loopback/lambda/host.ts', local: 'src/handlers/local.ts' };
  for (const name of LAMBDA_ENTRIES) entries[name] = `src/handlers/${name}.ts`;
  const script = `
    const { buildAll, ENTRIES } = await import(${JSON.stringify(pathToFileURL(path.join(ROOT, 'scripts/build.mjs')).href)});
    for (const name of ${JSON.stringify(LAMBDA_ENTRIES)}) {
      if (ENTRIES[name] !== ${JSON.stringify('src/handlers/')} + name + '.ts') throw new Error('scripts/build.mjs builds ' + name + ' from ' + ENTRIES[name]);
    }
    await buildAll({ outdir: ${JSON.stringify(outdir)}, entries: ${JSON.stringify(entries)}, nonLambda: ['lambda-host', 'local'] });
  `;
  const { ms } = await run(process.execPath, ['--input-type=module', '-e', script], { ...process.env });
  return ms;
}

/**
 * A throw-away copy of the project to package: serverless.yml and package.json, node_modules linked,
 * the bundles just built as dist/, and the topology's config (test/fixtures/chatops.topology.yml) as chatops.yml. So the
 * package never depends on what the working tree's dist/ or chatops.yml hold (a fresh clone has neither).
 */
function stageProject(dir: string, dist: string): string {
  const project = path.join(dir, 'project');
  mkdirSync(path.join(project, 'dist'), { recursive: true });
  mkdirSync(path.join(project, 'scripts'), { recursive: true });
  // serverless.yml reads the roles to assume and the IAM resources from chatops.yml (scripts/serverless-config.cjs,
  // scripts/iam-resources.cjs, both through scripts/chatops-file.cjs).
  for (const f of [
    'serverless.yml',
    'package.json',
    'scripts/serverless-config.cjs',
    'scripts/iam-resources.cjs',
    'scripts/chatops-file.cjs',
  ])
    copyFileSync(path.join(ROOT, f), path.join(project, f));
  copyFileSync(path.join(ROOT, 'test/fixtures/chatops.topology.yml'), path.join(project, 'chatops.yml'));
  if (!existsSync(path.join(project, 'node_modules')))
    symlinkSync(path.join(ROOT, 'node_modules'), path.join(project, 'node_modules'), 'dir');
  // dist/ as the build leaves it, folders included (dist/charts/: the worker's chart renderer assets).
  cpSync(dist, path.join(project, 'dist'), { recursive: true });
  return project;
}

async function packageTemplate(outdir: string, project: string): Promise<number> {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const k of Object.keys(env)) if (k.startsWith('AWS_')) delete env[k];
  Object.assign(env, {
    SLS_TELEMETRY_DISABLED: '1',
    SLS_NOTIFICATIONS_MODE: 'off',
    AWS_ACCESS_KEY_ID: 'dummy',
    AWS_SECRET_ACCESS_KEY: 'dummy',
    AWS_REGION: REGION,
  });
  const osls = path.join(ROOT, 'node_modules/.bin/osls');
  const { ms } = await run(
    osls,
    [
      'package',
      '--stage',
      STAGE,
      '--region',
      REGION,
      '--package',
      outdir,
      `--param=secretsKmsKeyArn=${SECRETS_KEY}`,
      '--param=gitTokens=true',
    ],
    env,
    project,
  );
  return ms;
}

async function buildAll(dir: string): Promise<void> {
  const dist = path.join(dir, 'dist');
  const build = await buildBundles(dist);
  const pkg = await packageTemplate(path.join(dir, 'sls'), stageProject(dir, dist));
  writeFileSync(path.join(dir, 'timings.json'), JSON.stringify({ build, package: pkg }));
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

let cached: Promise<Artifacts> | undefined;

/** The run's artifacts, building them if no worker has yet. */
export function ensureArtifacts(timeoutMs = 240_000): Promise<Artifacts> {
  cached ??= (async () => {
    const runDir = process.env[RUN_DIR_ENV] ?? path.join(os.tmpdir(), `ecs-chatops-topology-${process.pid}`);
    const dir = path.join(runDir, 'topology');
    mkdirSync(dir, { recursive: true });
    const result = path.join(dir, 'result.json');
    let owner = false;
    try {
      mkdirSync(path.join(dir, 'lock'));
      owner = true;
    } catch {
      // another worker builds
    }
    if (owner) {
      let outcome: { ok: boolean; error?: string };
      try {
        await buildAll(dir);
        outcome = { ok: true };
      } catch (err) {
        outcome = { ok: false, error: (err as Error).message };
      }
      // Written whole, then renamed: a waiting worker never reads half a file.
      writeFileSync(`${result}.tmp`, JSON.stringify(outcome));
      renameSync(`${result}.tmp`, result);
    } else {
      const deadline = Date.now() + timeoutMs;
      while (!existsSync(result)) {
        if (Date.now() > deadline) throw new Error(`the topology artifacts were not built within ${timeoutMs} ms (${dir})`);
        await sleep(200);
      }
    }
    const r = JSON.parse(readFileSync(result, 'utf8')) as { ok: boolean; error?: string };
    if (!r.ok) throw new Error(`building the topology artifacts failed: ${r.error}`);
    return {
      dist: path.join(dir, 'dist'),
      hostScript: path.join(dir, 'dist', 'lambda-host.js'),
      template: JSON.parse(readFileSync(path.join(dir, 'sls', 'cloudformation-template-update-stack.json'), 'utf8')) as CfnTemplate,
      timings: JSON.parse(readFileSync(path.join(dir, 'timings.json'), 'utf8')) as Artifacts['timings'],
    };
  })();
  return cached;
}
