// `make npm` leaves a package that installs from its tarball (`npm pack`) into a node_modules
// folder, where both `require('payquery')` and `import('payquery')` load it.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';

import { ROOT } from './support.mjs';

const pkg = join(ROOT, 'bindings-wasm', 'pkg');
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';

test('npm pack → npm install → require and import', () => {
  const manifest = JSON.parse(readFileSync(join(pkg, 'package.json'), 'utf8'));
  assert.equal(manifest.name, 'payquery');
  assert.deepEqual(manifest.engines, { node: '>=20' }, 'engines states what make test runs: Node 20, 22 and 24');
  assert.equal(manifest.scripts, undefined, 'no install scripts');
  assert.equal(manifest.dependencies, undefined, 'no runtime dependencies');
  assert.equal(manifest.type, 'commonjs', 'the type is stated, not guessed');
  const cargo = readFileSync(join(ROOT, 'Cargo.toml'), 'utf8');
  assert.match(cargo, new RegExp(`\\nversion = "${manifest.version.replaceAll('.', '\\.')}"`), 'version follows Cargo.toml');

  const packDir = mkdtempSync(join(tmpdir(), 'payquery-pack-'));
  const [packed] = JSON.parse(execFileSync(npm, ['pack', '--json', '--pack-destination', packDir], { cwd: pkg, encoding: 'utf8' }));
  const files = packed.files.map((f) => f.path).sort();
  assert.deepEqual(files, [
    'LICENSE-APACHE',
    'LICENSE-MIT',
    'README.md',
    'index.cjs',
    'index.d.mts',
    'index.d.ts',
    'index.mjs',
    'models.cjs',
    'models.d.ts',
    'native/payquery_wasm.js',
    'native/payquery_wasm_bg.wasm',
    'package.json',
  ]);

  const app = mkdtempSync(join(tmpdir(), 'payquery-app-'));
  writeFileSync(join(app, 'package.json'), '{"name":"app","private":true}');
  execFileSync(npm, ['install', '--no-audit', '--no-fund', '--offline', join(packDir, packed.filename)], { cwd: app, stdio: 'pipe' });
  const script = (loader) =>
    `${loader}.then((p) => { const c = new p.Client({provider:'fubei',app_id:'1',app_secret:'s'}); ` +
    `console.log(c.provider, typeof p.PayqueryError, p.ERROR_CODES.length); })`;
  const required = execFileSync(process.execPath, ['-e', script("Promise.resolve(require('payquery'))")], { cwd: app, encoding: 'utf8' });
  const imported = execFileSync(process.execPath, ['--input-type=module', '-e', script("import('payquery')")], { cwd: app, encoding: 'utf8' });
  assert.equal(required.trim(), 'fubei function 10');
  assert.equal(imported.trim(), 'fubei function 10');
});
