// A shared token store for fleets, tested for real: two separate Node processes, one Redis
// (the one make test starts, PAYQUERY_REDIS_URL), one sandbox — exactly one token request
// between them, and one WeChat Pay platform-certificate download.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

import { createClient } from 'redis';

import { ROOT, startSandbox } from './support.mjs';

const run = promisify(execFile);
const here = fileURLToPath(new URL('.', import.meta.url));
const REDIS_URL = process.env.PAYQUERY_REDIS_URL;

let sandbox;
before(async () => {
  assert.ok(REDIS_URL, 'PAYQUERY_REDIS_URL is not set: run this test through make test (tools/with-redis.sh)');
  sandbox = await startSandbox();
});
after(() => sandbox?.stop());

test('two processes sharing a Redis token store make one token request between them', async () => {
  const redis = await createClient({ url: REDIS_URL }).connect();
  await redis.flushDb();
  await redis.quit();
  const stats = async () => (await (await fetch(`${sandbox.baseUrl}/__sandbox/stats`)).json()).token_requests;
  const config = join(sandbox.configs, 'wechat_mini_charge.no_token.json');
  const query = readFileSync(join(sandbox.configs, 'wechat_mini_charge.query.json'), 'utf8');
  const before = await stats();
  const child = () => run(process.execPath, [join(here, 'redis-child.mjs'), config, query, REDIS_URL], { cwd: here });
  const outputs = await Promise.all([child(), child()]);
  const results = outputs.map(({ stdout }) => JSON.parse(stdout));
  assert.ok(results.every((r) => r.status === 'PAID'), JSON.stringify(results));
  assert.equal((await stats()) - before, 1, JSON.stringify(results));
  assert.deepEqual(results.map((r) => r.purposes.filter((p) => p === 'token').length).sort(), [0, 1]);
  // A third process later finds the token in Redis and fetches nothing.
  const { stdout } = await child();
  assert.deepEqual(JSON.parse(stdout).purposes, ['query']);
});

test('two processes sharing a Redis token store download the platform certificates once between them', async (t) => {
  const redis = await createClient({ url: REDIS_URL }).connect();
  // Closed whatever the outcome: an open connection would keep the test process alive.
  t.after(() => redis.quit());
  await redis.flushDb();
  const stats = async () => (await (await fetch(`${sandbox.baseUrl}/__sandbox/stats`)).json()).certificate_requests;
  for (const provider of ['wechatpay_edu_papay', 'wechatpay_payscore_oversea']) {
    const config = join(sandbox.configs, `${provider}.auto.json`);
    const query = readFileSync(join(sandbox.configs, `${provider}.query.json`), 'utf8');
    const child = () => run(process.execPath, [join(here, 'redis-child.mjs'), config, query, REDIS_URL], { cwd: here });
    const before = await stats();
    // The first process downloads and saves the listing; the second loads it from Redis,
    // decrypts and checks it itself, and downloads nothing.
    const first = JSON.parse((await child()).stdout);
    assert.deepEqual(first, { status: 'PAID', purposes: ['certificates', 'query'] }, provider);
    const second = JSON.parse((await child()).stdout);
    assert.deepEqual(second, { status: 'PAID', purposes: ['query'] }, provider);
    assert.equal((await stats()) - before, 1, `${provider}: one download for two processes`);
  }
  // One entry per merchant and endpoint (beside it, until its TTL, the lock the downloading
  // process took: `<key>:lock`).
  const keys = (await redis.keys('payquery:wechatpay_certificates:*')).filter((k) => !k.endsWith(':lock')).sort();
  assert.deepEqual(keys, [
    `payquery:wechatpay_certificates:1900000109:${sandbox.baseUrl}/v3/certificates`,
    `payquery:wechatpay_certificates:1900000109:${sandbox.baseUrl}/v3/global/certificates`,
  ]);
});

test('the README shows the Redis recipe verbatim', () => {
  const recipe = readFileSync(join(here, 'redis-token-store.mjs'), 'utf8');
  assert.ok(readFileSync(join(ROOT, 'README.md'), 'utf8').includes(recipe), 'README.md lacks redis-token-store.mjs verbatim');
});
