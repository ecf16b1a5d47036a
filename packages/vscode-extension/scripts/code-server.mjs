// Starting and stopping a real VS Code (code-server) with a headless Chromium on it: shared by the
// integration-suite driver and the browser test.
import { execFileSync, spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const pkgDir = join(dirname(fileURLToPath(import.meta.url)), '..');

/** Installs (or finds in the cache) code-server and Chromium; returns the code-server launcher. */
export function installCodeServer() {
  const out = execFileSync('bash', [join(pkgDir, 'scripts', 'install-code-server.sh')], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  const line = out.split('\n').find((l) => l.startsWith('CODE_SERVER='));
  if (!line) throw new Error('install-code-server.sh did not print CODE_SERVER=');
  return line.slice('CODE_SERVER='.length);
}

export function packageVsix() {
  const out = execFileSync(process.execPath, [join(pkgDir, 'scripts', 'package.mjs')], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  const [vsix, runnerVsix] = out.trim().split('\n').slice(-2);
  return { vsix, runnerVsix };
}

export function createFixture(mode) {
  return execFileSync(process.execPath, [join(pkgDir, 'dist', 'test', 'fixture.cjs'), mode], { encoding: 'utf8' }).trim();
}

function freePort() {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
    s.on('error', reject);
  });
}

export function installExtensions(codeServer, env, extensionsDir, vsixes) {
  mkdirSync(extensionsDir, { recursive: true });
  for (const v of vsixes) {
    execFileSync(codeServer, ['--extensions-dir', extensionsDir, '--install-extension', v, '--force'], { env, stdio: ['ignore', 'ignore', 'inherit'] });
  }
}

/** Starts code-server and resolves once it answers HTTP. */
export async function startCodeServer(codeServer, { env, userDataDir, extensionsDir, folder, log, settings = {} }) {
  const port = await freePort();
  // No telemetry (there is no network to send it to, and its DNS failures surface as uncaught
  // errors in the extension host), no welcome page, no trust prompt.
  mkdirSync(join(userDataDir, 'User'), { recursive: true });
  writeFileSync(join(userDataDir, 'User', 'settings.json'), JSON.stringify({
    'telemetry.telemetryLevel': 'off',
    'workbench.startupEditor': 'none',
    'workbench.tips.enabled': false,
    'security.workspace.trust.enabled': false,
    'extensions.autoCheckUpdates': false,
    'extensions.autoUpdate': false,
    'git.autoRepositoryDetection': false,
    'chat.disableAIFeatures': true,
    // The desktop default; the web workbench defaults to afterDelay (see the README).
    'files.autoSave': 'off',
    ...settings,
  }, null, 2));
  const args = ['--bind-addr', `127.0.0.1:${port}`, '--auth', 'none', '--disable-telemetry', '--disable-update-check', '--disable-workspace-trust', '--disable-getting-started-override', '--user-data-dir', userDataDir, '--extensions-dir', extensionsDir, ...(process.env.KVGIT_CODE_SERVER_ARGS ?? '').split(' ').filter(Boolean), folder];
  const child = spawn(codeServer, args, { env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  const lines = [];
  const onData = (d) => {
    for (const l of d.toString().split('\n')) if (l.trim()) {
      lines.push(l);
      if (log) log(l);
    }
  };
  child.stdout.on('data', onData);
  child.stderr.on('data', onData);
  const exited = new Promise((resolve) => child.on('exit', (code) => resolve(code)));
  const deadline = Date.now() + 120_000;
  for (;;) {
    const ok = await fetch(`http://127.0.0.1:${port}/healthz`).then((r) => r.ok, () => false);
    if (ok) break;
    if (child.exitCode !== null) throw new Error(`code-server exited (${child.exitCode}):\n${lines.join('\n')}`);
    if (Date.now() > deadline) throw new Error(`code-server did not answer on ${port}:\n${lines.join('\n')}`);
    await new Promise((r) => setTimeout(r, 200));
  }
  return {
    port,
    url: `http://127.0.0.1:${port}/?folder=${encodeURIComponent(folder)}`,
    lines,
    async stop() {
      if (child.exitCode !== null) return;
      try {
        process.kill(-child.pid, 'SIGTERM');
      } catch {}
      const t = setTimeout(() => {
        try {
          process.kill(-child.pid, 'SIGKILL');
        } catch {}
      }, 10_000);
      await exited;
      clearTimeout(t);
    },
  };
}

export async function launchChromium() {
  const { chromium } = await import('playwright-core');
  const executablePath = ['/usr/bin/chromium', '/usr/bin/chromium-browser'].find((p) => existsSync(p));
  if (!executablePath) throw new Error('Debian chromium is not installed (apt-get install chromium)');
  return chromium.launch({
    executablePath,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-dev-shm-usage'],
  });
}

export async function openWorkbench(browser, url, origin) {
  const context = await browser.newContext({ viewport: { width: 1400, height: 900 } });
  await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin });
  const page = await context.newPage();
  if (process.env.KVGIT_TEST_CONSOLE) {
    const re = new RegExp(process.env.KVGIT_TEST_CONSOLE, 'i');
    page.on('console', (m) => re.test(m.text()) && console.log(`  [browser] ${m.text().slice(0, 400)}`));
  }
  await page.goto(url);
  await page.waitForSelector('.monaco-workbench', { timeout: 120_000 });
  return { context, page };
}
