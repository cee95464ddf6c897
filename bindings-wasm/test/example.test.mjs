// The README's Node examples, compiled by tsc --strict (make test), run against the sandbox:
// a verified PAID order, the platform certificates downloaded; README.md shows exactly these files.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';

import { ROOT, startSandbox } from './support.mjs';

const here = fileURLToPath(new URL('.', import.meta.url));
let sandbox;
before(async () => {
  sandbox = await startSandbox();
});
after(async () => {
  await sandbox?.stop();
});

test('README.md shows the examples exactly as tested', () => {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  for (const file of ['readme-example.mts', 'readme-certificates.mts']) {
    const example = readFileSync(join(here, file), 'utf8');
    assert.ok(readme.includes(`\`\`\`ts\n${example}\`\`\``), `README.md lacks bindings-wasm/test/${file} verbatim`);
  }
});

test('the compiled README example runs against the sandbox', () => {
  const cwd = mkdtempSync(join(tmpdir(), 'payquery-example-'));
  cpSync(sandbox.configs, join(cwd, 'sandbox-configs'), { recursive: true });
  const output = execFileSync(process.execPath, [join(here, '.build', 'readme-example.mjs')], { cwd, encoding: 'utf8' });
  assert.equal(output.trim(), 'PAID 888n CNY 2024-05-20T05:14:15Z PUB_KEY_ID_0119000000012025010100000000000001');
});

test('the compiled README certificates example runs against the sandbox', () => {
  const cwd = mkdtempSync(join(tmpdir(), 'payquery-example-'));
  cpSync(sandbox.configs, join(cwd, 'sandbox-configs'), { recursive: true });
  const output = execFileSync(process.execPath, [join(here, '.build', 'readme-certificates.mjs')], { cwd, encoding: 'utf8' });
  assert.equal(output.trim(), '7132D72A03E93CDDF8C03BBD1F37EEDF7C8D7F92 2120-01-01T00:00:00.000Z');
});
