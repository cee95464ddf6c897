// The `payquery` command from npm, as a user gets it (make dist-npm-cli): an empty npm project
// installs payquery and this machine's platform package from dist/npm/ (local files only, npm
// offline), `npx payquery sandbox` starts the sandbox, and the installed package's one-call query
// gets PAID orders from it. Needs dist/ (make dist-npm-cli runs it; PAYQUERY_DIST names another).
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { after, before, test } from 'node:test';
import { promisify } from 'node:util';

import { ROOT } from './support.mjs';

const run = promisify(execFile);
const DIST = process.env.PAYQUERY_DIST ?? join(ROOT, 'dist');
const VERSION = /\[workspace\.package\][^[]*?\nversion\s*=\s*"([^"]+)"/.exec(readFileSync(join(ROOT, 'Cargo.toml'), 'utf8'))?.[1];
const CPU = { x64: 'x64', arm64: 'arm64' }[process.arch];
const skip = process.platform !== 'linux' || CPU === undefined ? `no platform package for ${process.platform}-${process.arch}` : false;
// npm without the registry: every package comes from dist/npm/, and no notice is fetched.
const ENV = { ...process.env, npm_config_update_notifier: 'false', npm_config_fund: 'false', npm_config_audit: 'false' };
const npm = 'npm';
const npx = 'npx';

const made = [];
const tempDir = (prefix) => {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  made.push(dir);
  return dir;
};
after(() => {
  for (const dir of made) rmSync(dir, { recursive: true, force: true });
});

/** An empty npm project with these tarballs from dist/npm/ installed. */
async function project(tarballs) {
  const app = tempDir('payquery-cli-app-');
  writeFileSync(join(app, 'package.json'), '{"name":"app","private":true}\n');
  const paths = tarballs.map((name) => join(DIST, 'npm', name));
  for (const path of paths) assert.ok(existsSync(path), `${path} is missing: make dist-npm-cli first`);
  await run(npm, ['install', '--offline', '--no-audit', '--no-fund', ...paths], { cwd: app, env: ENV });
  return app;
}

/**
 * Starts `command args` (in its own process group) and waits for the sandbox's "listening on"
 * line; returns `{ baseUrl, child, output, stop }`. `stop` ends the whole group.
 */
async function startSandbox(command, args, cwd) {
  const child = spawn(command, args, { cwd, env: ENV, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  const exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  let output = '';
  child.stderr.on('data', (chunk) => (output += chunk));
  // The whole group (npx, the shell it may start, the bin, the binary), even after the first ended.
  const stop = async () => {
    const signal = (name) => {
      try {
        process.kill(-child.pid, name);
      } catch {
        // the group is gone
      }
    };
    signal('SIGTERM');
    const timer = setTimeout(() => signal('SIGKILL'), 5000);
    await exited;
    clearTimeout(timer);
  };
  let timer;
  try {
    const baseUrl = await new Promise((resolve, reject) => {
      timer = setTimeout(() => reject(new Error('the sandbox did not start within 60 s')), 60_000);
      child.once('error', reject);
      exited.then(({ code, signal }) => reject(new Error(`${command} ended (${code ?? signal}) before listening`)));
      createInterface({ input: child.stdout }).on('line', (line) => {
        output += `${line}\n`;
        const match = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(line);
        if (match) resolve(match[1]);
      });
    });
    return { baseUrl, child, exited, output: () => output, stop };
  } catch (error) {
    await stop();
    throw new Error(`${error.message}\n${output}`, { cause: error });
  } finally {
    clearTimeout(timer);
  }
}

const refused = (baseUrl) =>
  fetch(baseUrl).then(
    () => false,
    () => true,
  );

let app;
before(async () => {
  if (skip) return;
  app = await project([`payquery-${VERSION}.tgz`, `payquery-cli-linux-${CPU}-${VERSION}.tgz`]);
});

test('npx payquery sandbox, from dist/ in an empty npm project: the package\'s one-call query gets PAID orders from it', { skip }, async () => {
  const installed = join(app, 'node_modules', '@payquery');
  assert.ok(existsSync(join(installed, `cli-linux-${CPU}`, 'bin', 'payquery')), 'the platform package is installed');
  const other = CPU === 'x64' ? 'arm64' : 'x64';
  assert.ok(!existsSync(join(installed, `cli-linux-${other}`)), 'the other platform package is not (and its absence fails nothing)');
  const { stdout: version } = await run(npx, ['payquery', '--version'], { cwd: app, env: ENV });
  assert.equal(version.trim(), `payquery ${VERSION}`);

  const configs = tempDir('payquery-cli-configs-');
  const sandbox = await startSandbox(npx, ['payquery', 'sandbox', '--port', '0', '--write-configs', configs], app);
  try {
    // A user's script: the installed package, one call per order, configs as the sandbox wrote them.
    writeFileSync(
      join(app, 'query.mjs'),
      "import { readFileSync } from 'node:fs';\n" +
        "import { join } from 'node:path';\n" +
        "import { Client, queryFromJson } from 'payquery';\n" +
        'const [dir, ...providers] = process.argv.slice(2);\n' +
        'for (const provider of providers) {\n' +
        '  const client = await Client.fromConfigFile(join(dir, `${provider}.json`));\n' +
        "  const query = queryFromJson(readFileSync(join(dir, `${provider}.query.json`), 'utf8'));\n" +
        '  const { order, settled, signatureSerial, attempts } = await client.query(query, { timeoutMs: 10_000 });\n' +
        '  console.log(JSON.stringify({ provider, status: order.status, settled, signed: signatureSerial !== null, attempts: attempts.length }));\n' +
        '}\n',
    );
    const { stdout } = await run(process.execPath, ['query.mjs', configs, 'fubei', 'wechatpay_edu_papay'], { cwd: app, env: ENV });
    const rows = stdout.trim().split('\n').map((line) => JSON.parse(line));
    assert.deepEqual(rows, [
      { provider: 'fubei', status: 'PAID', settled: true, signed: false, attempts: 1 },
      { provider: 'wechatpay_edu_papay', status: 'PAID', settled: true, signed: true, attempts: 1 },
    ], sandbox.output());
  } finally {
    await sandbox.stop();
  }
  assert.ok(await refused(sandbox.baseUrl), 'the sandbox is stopped');
});

test('the bin passes on the binary\'s exit code and output, and a SIGTERM sent to it stops the binary too', { skip }, async () => {
  const bin = join(app, 'node_modules', '.bin', 'payquery');
  // A usage error: the binary's code 2 and its message, unchanged.
  const usage = await run(bin, ['parse'], { cwd: app, env: ENV }).then(
    () => assert.fail('payquery parse without arguments succeeded'),
    (error) => error,
  );
  assert.equal(usage.code, 2);
  assert.match(usage.stderr, /--config/);
  // A signal to the bin (the Node process npx runs), not to its process group.
  const sandbox = await startSandbox(bin, ['sandbox', '--port', '0'], app);
  try {
    process.kill(sandbox.child.pid, 'SIGTERM');
    const { code, signal } = await sandbox.exited;
    assert.deepEqual({ code, signal }, { code: null, signal: 'SIGTERM' }, 'the bin ends as the binary did');
    assert.ok(await refused(sandbox.baseUrl), 'the binary is stopped');
  } finally {
    await sandbox.stop();
  }
});
