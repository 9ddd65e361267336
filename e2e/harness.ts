/**
 * E2E harness: the real app in web mode on a temporary archive, driven in Debian's Chromium by
 * playwright-core. Screenshots go to e2e/artifacts/ (git-ignored).
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';

export const root = new URL('..', import.meta.url).pathname;
export const sharedData = join(root, '..', 'shared', 'data');
export const artifacts = join(root, 'e2e', 'artifacts');
export const chromiumPath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

export interface RunningApp {
  url: string;
  launchUrl: string;
  archive: string;
  page: Page;
  browser: Browser;
  screenshot(name: string): Promise<string>;
  close(): Promise<void>;
}

export function ensureRendererBuilt(): void {
  if (existsSync(join(root, 'dist', 'renderer', 'index.html'))) return;
  const r = spawnSync(process.execPath, [join(root, 'node_modules', 'vite', 'bin', 'vite.js'), 'build'], { cwd: root, stdio: 'inherit' });
  if (r.status !== 0) throw new Error('renderer build failed');
}

export async function startApp(opts: { archive?: string; viewport?: { width: number; height: number } } = {}): Promise<RunningApp> {
  ensureRendererBuilt();
  if (!existsSync(chromiumPath)) throw new Error(`Chromium not found at ${chromiumPath}: apt-get install -y chromium`);
  const dir = mkdtempSync(join(tmpdir(), 'x3ecg-e2e-'));
  const archive = opts.archive ?? join(dir, 'archive.sqlite');
  const child = spawn(process.execPath, [join(root, 'bin', 'x3ecg.mjs'), 'serve', '--archive', archive, '--port', '0', '--no-open'], {
    cwd: root,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, CI: 'true' },
  });
  const launchUrl = await waitForUrl(child);
  const url = new URL(launchUrl).origin;
  const browser = await chromium.launch({
    executablePath: chromiumPath,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run', '--disable-sync', '--disable-quic'],
  });
  const context = await browser.newContext({ viewport: opts.viewport ?? { width: 1440, height: 900 }, deviceScaleFactor: 1 });
  const page = await context.newPage();
  const consoleErrors: string[] = [];
  page.on('pageerror', (e) => consoleErrors.push(String(e)));
  await page.goto(launchUrl);
  mkdirSync(artifacts, { recursive: true });
  return {
    url,
    launchUrl,
    archive,
    page,
    browser,
    async screenshot(name) {
      const file = join(artifacts, `${name}.png`);
      await page.screenshot({ path: file, fullPage: false });
      return file;
    },
    async close() {
      await browser.close();
      child.kill('SIGTERM');
      await new Promise((ok) => child.once('exit', ok));
      rmSync(dir, { recursive: true, force: true });
      if (consoleErrors.length) throw new Error(`page errors: ${consoleErrors.join('\n')}`);
    },
  };
}

function waitForUrl(child: ChildProcess): Promise<string> {
  return new Promise((ok, fail) => {
    let out = '';
    let err = '';
    const timer = setTimeout(() => fail(new Error(`web mode did not start in 60 s: ${err}`)), 60_000);
    child.stdout!.on('data', (d) => {
      out += String(d);
      const m = out.match(/(http:\/\/127\.0\.0\.1:\d+\/\?token=[\w-]+)/);
      if (m) {
        clearTimeout(timer);
        ok(m[1]);
      }
    });
    child.stderr!.on('data', (d) => (err += String(d)));
    child.once('exit', (code) => fail(new Error(`web mode exited with ${code}: ${err}`)));
  });
}

/** The Electron binary, when this machine has one (it is downloaded on install, which fails offline). */
export function electronBinary(): string | null {
  try {
    const p = createRequire(import.meta.url)('electron') as unknown;
    return typeof p === 'string' && existsSync(p) ? p : null;
  } catch {
    return null;
  }
}
