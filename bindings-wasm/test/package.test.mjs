// `make npm` leaves a package that installs from its tarball (`npm pack`) into a node_modules
// folder, where both `require('payquery')` and `import('payquery')` load it.
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';

import { PAYQUERY_BIN, ROOT, VECTORS } from './support.mjs';

const pkg = join(ROOT, 'bindings-wasm', 'pkg');
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';

test('npm pack → npm install → require and import', () => {
  const manifest = JSON.parse(readFileSync(join(pkg, 'package.json'), 'utf8'));
  assert.equal(manifest.name, 'payquery');
  assert.deepEqual(manifest.engines, { node: '>=20' }, 'engines states what make test runs: Node 20, 22 and 24');
  assert.equal(manifest.scripts, undefined, 'no install scripts');
  assert.equal(manifest.dependencies, undefined, 'no runtime dependencies');
  // The `payquery` command: bin/payquery.cjs runs the binary of the platform package npm installed.
  assert.deepEqual(manifest.bin, { payquery: 'bin/payquery.cjs' });
  assert.deepEqual(manifest.optionalDependencies, {
    '@payquery/cli-linux-x64': manifest.version,
    '@payquery/cli-linux-arm64': manifest.version,
  }, 'the platform packages are exactly this version');
  assert.equal(manifest.type, 'commonjs', 'the type is stated, not guessed');
  const cargo = readFileSync(join(ROOT, 'Cargo.toml'), 'utf8');
  assert.match(cargo, new RegExp(`\\nversion = "${manifest.version.replaceAll('.', '\\.')}"`), 'version follows Cargo.toml');

  const packDir = mkdtempSync(join(tmpdir(), 'payquery-pack-'));
  const [packed] = JSON.parse(execFileSync(npm, ['pack', '--json', '--pack-destination', packDir], { cwd: pkg, encoding: 'utf8' }));
  const files = packed.files.map((f) => f.path).sort();
  // The config documents' JSON Schemas, as `make types` writes them into schemas/.
  const schemas = readdirSync(join(ROOT, 'schemas')).filter((name) => name.endsWith('.schema.json')).sort();
  assert.ok(schemas.length >= 2);
  assert.deepEqual(files, [
    'LICENSE-APACHE',
    'LICENSE-MIT',
    'README.md',
    'bin/payquery.cjs',
    'index.cjs',
    'index.d.mts',
    'index.d.ts',
    'index.mjs',
    'layer.cjs',
    'models.cjs',
    'models.d.ts',
    'native/payquery_wasm.js',
    'native/payquery_wasm.mjs',
    'native/payquery_wasm_bg.wasm',
    'package.json',
    ...schemas.map((name) => `schemas/${name}`),
  ]);

  const app = mkdtempSync(join(tmpdir(), 'payquery-app-'));
  writeFileSync(join(app, 'package.json'), '{"name":"app","private":true}');
  execFileSync(npm, ['install', '--no-audit', '--no-fund', '--offline', join(packDir, packed.filename)], { cwd: app, stdio: 'pipe' });
  const script = (loader) =>
    `${loader}.then((p) => { const c = new p.Client({provider:'fubei',app_id:'1',app_secret:'s'}); ` +
    `console.log(c.provider, typeof p.PayqueryError, p.ERROR_CODES.length); })`;
  const required = execFileSync(process.execPath, ['-e', script("Promise.resolve(require('payquery'))")], { cwd: app, encoding: 'utf8' });
  const imported = execFileSync(process.execPath, ['--input-type=module', '-e', script("import('payquery')")], { cwd: app, encoding: 'utf8' });
  assert.equal(required.trim(), 'fubei function 11');
  assert.equal(imported.trim(), 'fubei function 11');
  // An editor or a linter finds the schemas by the package's name.
  const schemaPath = execFileSync(
    process.execPath,
    ['-e', "console.log(require.resolve('payquery/schemas/fubei.config.schema.json'))"],
    { cwd: app, encoding: 'utf8' },
  ).trim();
  assert.equal(readFileSync(schemaPath, 'utf8'), readFileSync(join(ROOT, 'schemas', 'fubei.config.schema.json'), 'utf8'));

  // npm linked the bin. Installed offline, the platform packages were not to be had, and npm went
  // on without them (they are optional): the bin says in one line what to install, and exits 1.
  const bin = join(app, 'node_modules', '.bin', 'payquery');
  const missing = spawnSync(process.execPath, [bin, 'sandbox'], { cwd: app, encoding: 'utf8', env: { ...process.env, PAYQUERY_CLI_PATH: '' } });
  assert.equal(missing.status, 1, missing.stderr);
  assert.equal(missing.stdout, '');
  assert.equal(missing.stderr.split('\n').length, 2, `one line: ${missing.stderr}`);
  const platformPackage = { 'linux x64': '@payquery/cli-linux-x64', 'linux arm64': '@payquery/cli-linux-arm64' }[`${process.platform} ${process.arch}`];
  if (platformPackage) {
    assert.match(missing.stderr, new RegExp(`npm install ${platformPackage}@${manifest.version.replaceAll('.', '\\.')}\\b`));
    assert.match(missing.stderr, /dist\/cli\//);
  } else {
    assert.match(missing.stderr, /PAYQUERY_CLI_PATH/);
  }
  // PAYQUERY_CLI_PATH names the binary instead: its output and exit code pass through.
  const env = { ...process.env, PAYQUERY_CLI_PATH: PAYQUERY_BIN };
  const version = spawnSync(process.execPath, [bin, '--version'], { cwd: app, encoding: 'utf8', env });
  assert.equal(version.status, 0, version.stderr);
  assert.equal(version.stdout.trim(), `payquery ${manifest.version}`);
  const usage = spawnSync(process.execPath, [bin, 'parse'], { cwd: app, encoding: 'utf8', env });
  assert.equal(usage.status, 2, 'a usage error: the binary\'s exit code 2');
  assert.match(usage.stderr, /--config/);
});

test('a bundled app (esbuild: require → CommonJS, TS/ESM import → CommonJS and ESM) runs alone with the .wasm beside it, and names it when it is missing', () => {
  const packDir = mkdtempSync(join(tmpdir(), 'payquery-pack-'));
  const [packed] = JSON.parse(execFileSync(npm, ['pack', '--json', '--pack-destination', packDir], { cwd: pkg, encoding: 'utf8' }));
  const app = mkdtempSync(join(tmpdir(), 'payquery-bundled-'));
  // As `npm init -y` writes it: "type": "commonjs".
  writeFileSync(join(app, 'package.json'), '{"name":"app","private":true,"type":"commonjs"}');
  execFileSync(npm, ['install', '--no-audit', '--no-fund', '--offline', join(packDir, packed.filename)], { cwd: app, stdio: 'pipe' });
  // A WeChat Pay client: the config, the wasm core and node:crypto's RSA signing all run.
  const key = (name) => readFileSync(join(VECTORS, 'keys', name), 'utf8');
  const config = JSON.stringify({
    provider: 'wechatpay_edu_papay',
    mchid: '1900000001',
    merchant_serial_no: '5157F09EFDC096DE15EBE81A47057A7232F1B8E1',
    merchant_private_key_pem: key('merchant_private_key.pem'),
    wechatpay_public_key_id: 'PUB_KEY_ID_0119000000012025010100000000000001',
    wechatpay_public_key_pem: key('wechatpay_public_key.pem'),
  });
  const body =
    "const client = new Client(JSON.parse(process.argv[2]));\n" +
    "const request = client.buildQuery({ out_trade_no: 'A1' });\n" +
    "const auth = request.headers.find(([name]) => name === 'Authorization')[1];\n" +
    "console.log(client.provider, auth.startsWith('WECHATPAY2-SHA256-RSA2048 '), isPayqueryError(new Error()));\n";
  writeFileSync(join(app, 'main.cjs'), `const { Client, isPayqueryError } = require('payquery');\n${body}`);
  writeFileSync(join(app, 'main.mjs'), `import { Client, isPayqueryError } from 'payquery';\n${body}`);
  // A TypeScript app (esbuild strips the types), as a user writes it, with an async main.
  writeFileSync(
    join(app, 'main.ts'),
    "import { Client, isPayqueryError } from 'payquery';\n" +
      'async function main(): Promise<void> {\n' +
      "  const args: string[] = process.argv;\n" +
      "  const client = new Client(JSON.parse(args[2] ?? ''));\n" +
      "  const request = client.buildQuery({ out_trade_no: 'A1' });\n" +
      "  const auth: string = request.headers.find(([name]) => name === 'Authorization')?.[1] ?? '';\n" +
      "  console.log(client.provider, auth.startsWith('WECHATPAY2-SHA256-RSA2048 '), isPayqueryError(new Error()));\n" +
      '}\n' +
      'main().catch((error: unknown) => { console.error(error); process.exitCode = 1; });\n',
  );
  const esbuild = join(ROOT, 'bindings-wasm', 'tools', 'node_modules', '.bin', 'esbuild');
  const wasm = join(app, 'node_modules', 'payquery', 'native', 'payquery_wasm_bg.wasm');
  // [entry, --format (none: esbuild's default for --platform=node, CommonJS), bundle name]
  for (const [entry, format, out] of [
    ['main.cjs', undefined, 'app.js'],
    ['main.ts', undefined, 'app.js'],
    ['main.mjs', 'cjs', 'app.cjs'],
    ['main.ts', 'esm', 'app.mjs'],
    ['main.mjs', 'esm', 'app.mjs'],
  ]) {
    const what = `${entry} → ${format ?? 'default (cjs)'}`;
    const built = mkdtempSync(join(tmpdir(), 'payquery-bundle-'));
    const flags = format === undefined ? [] : [`--format=${format}`];
    const build = spawnSync(esbuild, [entry, '--bundle', '--platform=node', ...flags, `--outfile=${join(built, out)}`], { cwd: app, encoding: 'utf8' });
    assert.equal(build.status, 0, `${what}: ${build.stderr}`);
    // No error and no warning (an empty import.meta, a top-level await) in the user's build.
    assert.doesNotMatch(build.stderr, /ERROR|WARNING/, `${what}: ${build.stderr}`);
    // Run from an empty folder holding exactly what the README says to ship: the bundle and
    // payquery_wasm_bg.wasm beside it.
    const run = mkdtempSync(join(tmpdir(), 'payquery-run-'));
    copyFileSync(join(built, out), join(run, out));
    copyFileSync(wasm, join(run, 'payquery_wasm_bg.wasm'));
    assert.deepEqual(readdirSync(run).sort(), [out, 'payquery_wasm_bg.wasm'].sort());
    const shown = spawnSync(process.execPath, [out, config], { cwd: run, encoding: 'utf8' });
    assert.equal(shown.status, 0, `${what}: ${shown.stderr}`);
    assert.equal(shown.stdout.trim(), 'wechatpay_edu_papay true false', what);
    // Without the .wasm: a PayqueryError naming the file, not a raw ENOENT.
    rmSync(join(run, 'payquery_wasm_bg.wasm'));
    const failed = spawnSync(process.execPath, [out, config], { cwd: run, encoding: 'utf8' });
    assert.notEqual(failed.status, 0);
    assert.match(failed.stderr, /PayqueryError: payquery cannot read payquery_wasm_bg\.wasm/, `${what}: ${failed.stderr}`);
    assert.match(failed.stderr, /INVALID_CONFIG/, `${what}: ${failed.stderr}`);
  }
});
