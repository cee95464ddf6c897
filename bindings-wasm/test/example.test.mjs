// The README's Node example, compiled by tsc --strict (make test), runs against the sandbox
// and prints a verified PAID order; and README.md shows exactly this file.
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

test('README.md shows the example exactly as tested', () => {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const example = readFileSync(join(here, 'readme-example.mts'), 'utf8');
  assert.ok(readme.includes(`\`\`\`ts\n${example}\`\`\``), 'README.md lacks bindings-wasm/test/readme-example.mts verbatim');
});

test('the compiled README example runs against the sandbox', () => {
  const cwd = mkdtempSync(join(tmpdir(), 'payquery-example-'));
  cpSync(sandbox.configs, join(cwd, 'sandbox-configs'), { recursive: true });
  const output = execFileSync(process.execPath, [join(here, '.build', 'readme-example.mjs')], { cwd, encoding: 'utf8' });
  assert.equal(output.trim(), 'PAID 888n CNY 2024-05-20T05:14:15Z PUB_KEY_ID_0119000000012025010100000000000001');
});
