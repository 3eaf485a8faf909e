/**
 * The playground as a person meets it: bundles built as `npm start` builds them (into a temp dir),
 * `node local.js` run with no Slack or AWS variables in a fresh working directory, and a real
 * headless Chromium (Debian's package) on the page, through a small page object.
 *
 * Pictures of messages go to test-artifacts/playground/ (git-ignored); with PLAYGROUND_PICTURES
 * set (`npm run screenshots`: docs/images) the README's pictures are written there too.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { chromium, type BrowserContext, type Locator, type Page } from 'playwright-core';

export const ROOT = resolve(__dirname, '../..');
export const ARTIFACTS = join(ROOT, 'test-artifacts', 'playground');
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
/** Where `npm run screenshots` wants the README's pictures (relative to the repository), if it does. */
export const PICTURES = process.env.PLAYGROUND_PICTURES ? resolve(ROOT, process.env.PLAYGROUND_PICTURES) : undefined;
const CHROMIUM_FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** Builds local.js and the page into `outdir` with the project's own build script. */
export function buildInto(outdir: string): void {
  const script = `const m = await import('./scripts/build.mjs');
await Promise.all([m.buildAll({ outdir: ${JSON.stringify(outdir)}, entries: { local: 'src/handlers/local.ts' } }), m.buildPage({ outdir: ${JSON.stringify(outdir)} })]);`;
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { cwd: ROOT, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`build failed:\n${r.stdout}\n${r.stderr}`);
}

export interface Started {
  child: ChildProcess;
  url: string;
  /** Everything the process printed on stdout (the playground prints one line). */
  stdout: () => string;
  stderr: () => string;
  /** ms from spawn to the line with the URL. */
  msToUrl: number;
  workdir: string;
  stop(): Promise<void>;
}

/** `npm start` on a fresh machine: no Slack, no AWS, no REDIS_URL, an empty working directory. */
export async function startPlaygroundProcess(distDir: string, extraEnv: Record<string, string> = {}): Promise<Started> {
  const workdir = mkdtempSync(join(tmpdir(), 'playground-run-'));
  const started = Date.now();
  const child = spawn(process.execPath, [join(distDir, 'local.js')], {
    cwd: workdir,
    env: { PATH: process.env.PATH ?? '', HOME: workdir, PORT: '0', ...extraEnv },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout!.on('data', (c: Buffer) => (out += c.toString('utf8')));
  child.stderr!.on('data', (c: Buffer) => (err += c.toString('utf8')));
  const url = await new Promise<string>((resolveUrl, reject) => {
    const check = () => {
      const m = /(http:\/\/127\.0\.0\.1:\d+\/)/.exec(out);
      if (m) resolveUrl(m[1]!);
    };
    child.stdout!.on('data', check);
    child.once('exit', (code) =>
      reject(new Error(`local.js exited with ${code} before printing its URL.\nstdout: ${out}\nstderr: ${err}`)),
    );
    setTimeout(() => reject(new Error(`no URL printed within 60 s.\nstdout: ${out}\nstderr: ${err}`)), 60_000).unref();
  });
  const msToUrl = Date.now() - started;
  return {
    child,
    url,
    stdout: () => out,
    stderr: () => err,
    msToUrl,
    workdir,
    async stop() {
      if (child.exitCode === null) {
        const exited = new Promise<void>((r) => child.once('exit', () => r()));
        child.kill('SIGTERM');
        await exited;
      }
      rmSync(workdir, { recursive: true, force: true });
    },
  };
}

export async function openBrowser(): Promise<{ context: BrowserContext; close(): Promise<void> }> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(
      `${CHROMIUM} not found: install Debian's chromium (apt-get install chromium), or set CHROMIUM_PATH. .ci/run installs it.`,
    );
  }
  const profile = mkdtempSync(join(tmpdir(), 'playground-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: CHROMIUM_FLAGS,
    viewport: { width: 1180, height: 900 },
  });
  return {
    context,
    async close() {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

/** The playground page, driven the way a person uses it. */
export class PlaygroundPage {
  readonly errors: string[] = [];
  constructor(readonly page: Page) {
    page.on('pageerror', (e) => this.errors.push(e.message));
  }

  async open(url: string): Promise<void> {
    await this.page.goto(url);
    await this.page.locator('body[data-ready="1"]').waitFor();
  }

  async channel(name: string): Promise<void> {
    await this.page.locator('#channels .nav', { hasText: `# ${name}` }).click();
    await this.page.locator('#title', { hasText: `# ${name}` }).waitFor();
  }

  /** Act as someone else (by handle, e.g. "lee"). */
  async actAs(handle: string): Promise<void> {
    const value = await this.page.locator('#user option', { hasText: `(@${handle})` }).getAttribute('value');
    await this.page.selectOption('#user', value!);
  }

  async send(line: string): Promise<void> {
    await this.page.fill('#input', line);
    await this.page.press('#input', 'Enter');
  }

  /** The newest message in the channel view whose text contains `text`. */
  message(text: string | RegExp): Locator {
    return this.page.locator('#messages .msg', { hasText: text }).last();
  }

  thread(text: string | RegExp): Locator {
    return this.page.locator('#thread-messages .msg', { hasText: text }).last();
  }

  /** Clicks a button of a message, and confirms Slack's confirmation dialog when the button has one. */
  async click(message: Locator, button: string): Promise<void> {
    const b = message.locator('button[data-el]', { hasText: button });
    const confirm = (await b.getAttribute('data-confirm')) === '1';
    await b.click();
    if (confirm) await this.page.locator('#confirm [data-ok]').click();
  }

  async simulate(label: string): Promise<void> {
    const value = await this.page.locator('#simulate option', { hasText: label }).getAttribute('value');
    await this.page.selectOption('#simulate', value!);
  }

  async screenshot(name: string): Promise<void> {
    mkdirSync(ARTIFACTS, { recursive: true });
    await this.page.screenshot({ path: join(ARTIFACTS, `${name}.png`) });
  }

  /**
   * A picture cropped to what `what` matches (one message, or several: the box around them all): a
   * test artifact, and with PLAYGROUND_PICTURES set also the README's `playground-<name>.png`.
   */
  async picture(name: string, what: Locator): Promise<void> {
    mkdirSync(ARTIFACTS, { recursive: true });
    const file = join(ARTIFACTS, `message-${name}.png`);
    // The page redraws a message when it changes (an update, a reply): a message redrawn while it is
    // measured is detached, and measured again.
    for (let attempt = 1; ; attempt++) {
      try {
        await this.crop(name, what, file);
        break;
      } catch (err) {
        if (attempt >= 5 || !/not attached to the DOM/.test(String(err))) throw err;
      }
    }
    if (PICTURES) {
      mkdirSync(PICTURES, { recursive: true });
      copyFileSync(file, join(PICTURES, `playground-${name}.png`));
    }
  }

  private async crop(name: string, what: Locator, file: string): Promise<void> {
    const all = await what.all();
    if (!all.length) throw new Error(`picture ${name}: nothing to take`);
    await all[0]!.scrollIntoViewIfNeeded();
    const boxes = (await Promise.all(all.map((l) => l.boundingBox()))).filter((b) => b !== null);
    const x = Math.min(...boxes.map((b) => b.x));
    const y = Math.min(...boxes.map((b) => b.y));
    const clip = {
      x,
      y,
      width: Math.max(...boxes.map((b) => b.x + b.width)) - x,
      height: Math.max(...boxes.map((b) => b.y + b.height)) - y,
    };
    await this.page.screenshot({ path: file, clip, animations: 'disabled', caret: 'hide' });
  }
}
