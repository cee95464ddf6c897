// client.query — the one-call query — against the sandbox over real HTTP (global fetch): every
// provider through every policy row the sandbox can show, the same scenarios as every other
// language (QUERY-FLOW.md). Providers run side by side.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';

import { Client, isPayqueryError } from 'payquery';

import { startSandbox } from './support.mjs';

const PROVIDERS = ['wechat_mini_charge', 'fubei', 'wechatpay_edu_papay', 'dingshang_vending', 'wechatpay_payscore_oversea'];
const SIGNED = new Set(['wechatpay_edu_papay', 'wechatpay_payscore_oversea']);

let sandbox;
before(async () => {
  sandbox = await startSandbox();
});
after(() => sandbox.stop());

const config = (name) => join(sandbox.configs, name);
const read = (name) => JSON.parse(readFileSync(config(name), 'utf8'));

/** `fetch` with the sandbox's fault header on every request, as a test injects faults. */
const faulty = (fault) => (url, init) => fetch(url, { ...init, headers: [...init.headers, ['X-Payquery-Sandbox-Fault', fault]] });

async function rejection(promise) {
  try {
    await promise;
  } catch (error) {
    assert.ok(isPayqueryError(error), `not a PayqueryError: ${error?.stack ?? error}`);
    return error;
  }
  assert.fail('expected the query to fail');
}

async function scenarios(provider) {
  const client = await Client.fromConfigFile(config(`${provider}.json`));
  const paid = read(`${provider}.query.json`);

  // A plain query: one attempt.
  let result = await client.query(paid);
  assert.equal(result.order.status, 'PAID', provider);
  assert.equal(result.attempts.length, 1);
  assert.equal(result.settled, true);
  assert.equal(typeof result.attempts[0].durationMs, 'number');

  // The main host fails at the transport level: the answer comes from the backup.
  const failover = await Client.fromConfigFile(config(`${provider}.failover.json`));
  result = await failover.query(paid);
  assert.equal(result.order.status, 'PAID');
  assert.deepEqual(
    result.attempts.map((a) => [a.host, a.error, a.transport !== null]),
    [['main', 'NETWORK_ERROR', true], ['backup', null, false]],
    provider,
  );

  // The main host's load balancer answers 503: the backup answers.
  result = await client.query(paid, { fetch: faulty('unavailable') });
  assert.deepEqual(result.attempts.map((a) => [a.host, a.httpStatus]), [['main', 503], ['backup', 200]], provider);

  // Rate limited: retried after Retry-After, never failed over, RATE_LIMITED at the 3 s deadline.
  const started = Date.now();
  let e = await rejection(client.query(paid, { fetch: faulty('rate_limit'), deadlineMs: 3000 }));
  assert.equal(e.code, 'RATE_LIMITED', `${provider}: ${e.message}`);
  assert.ok(e.attempts.length >= 2 && e.attempts.every((a) => a.host === 'main'), provider);
  assert.ok(Date.now() - started < 3500, `${provider}: the deadline holds`);

  // A system error: failed over, backed off, PROVIDER_ERROR and retryable.
  e = await rejection(client.query(paid, { fetch: faulty('system_error') }));
  assert.equal(e.code, 'PROVIDER_ERROR', provider);
  assert.equal(e.retryable, true);
  assert.deepEqual(e.attempts.map((a) => a.host), ['main', 'backup', 'backup'], provider);

  // Slow, with a 0.5 s timeout: NETWORK_ERROR after a failover attempt, fetch's error as cause.
  e = await rejection(client.query(paid, { fetch: faulty('slow'), timeoutMs: 500 }));
  assert.equal(e.code, 'NETWORK_ERROR', provider);
  assert.equal(e.attempts[0].transport, 'timeout');
  assert.equal(e.attempts[1].host, 'backup');
  assert.ok(e.cause instanceof Error, 'the host error is the cause');

  // A forged or stale answer: the error after exactly one attempt.
  if (SIGNED.has(provider)) {
    for (const [fault, code] of [['bad_signature', 'SIGNATURE_INVALID'], ['stale_timestamp', 'TIMESTAMP_SKEW']]) {
      e = await rejection(client.query(paid, { fetch: faulty(fault) }));
      assert.equal(e.code, code, `${provider} ${fault}`);
      assert.equal(e.attempts.length, 1, `${provider} ${fault}: never retried, never failed over`);
    }
  }

  // An order that settles, polled: PAID after three queries.
  result = await client.query(read(`${provider}.settling.query.json`), { poll: true, pollIntervalsMs: [100] });
  assert.equal(result.order.status, 'PAID', provider);
  assert.equal(result.attempts.length, 3);
}

test('client.query: every provider through every policy row', async () => {
  await Promise.all(PROVIDERS.map(scenarios));
});

test('client.query: 200 concurrent cold Mini Program queries share one token; an expired one is refreshed', async () => {
  const stats = async () => (await (await fetch(`${sandbox.baseUrl}/__sandbox/stats`)).json()).token_requests;
  const client = await Client.fromConfigFile(config('wechat_mini_charge.no_token.json'));
  const query = read('wechat_mini_charge.query.json');
  const before = await stats();
  const results = await Promise.all(Array.from({ length: 200 }, () => client.query(query)));
  assert.ok(results.every((r) => r.order.status === 'PAID'));
  assert.equal((await stats()) - before, 1, 'one token request for 200 cold queries');

  const expired = await Client.fromConfigFile(config('wechat_mini_charge.expired_token.json'));
  const result = await expired.query(query);
  assert.equal(result.order.status, 'PAID');
  assert.deepEqual(result.attempts.map((a) => [a.purpose, a.error]), [['query', 'TOKEN_EXPIRED'], ['token', null], ['query', null]]);
  // No attempt, result or error shows the token.
  assert.ok(!JSON.stringify(result.attempts).includes('SANDBOX_'), JSON.stringify(result.attempts));
});

test('client.query: a token store shares tokens between clients; a failing store costs nothing', async () => {
  const values = new Map();
  const calls = [];
  const store = {
    get: async (key) => (calls.push('get'), values.get(key) ?? null),
    put: async (key, value, ttlMs) => {
      calls.push('put');
      assert.ok(ttlMs > 0);
      values.set(key, value);
    },
    invalidate: async (key, value) => {
      calls.push('invalidate');
      if (values.get(key) === value) values.delete(key);
    },
    lock: async () => (calls.push('lock'), true),
  };
  const query = read('wechat_mini_charge.query.json');
  const first = await Client.fromConfigFile(config('wechat_mini_charge.no_token.json'));
  let result = await first.query(query, { tokenStore: store });
  assert.deepEqual(result.attempts.map((a) => a.purpose), ['token', 'query']);
  const second = await Client.fromConfigFile(config('wechat_mini_charge.no_token.json'));
  result = await second.query(query, { tokenStore: store });
  assert.deepEqual(result.attempts.map((a) => a.purpose), ['query'], 'the stored token, no fetch');
  assert.deepEqual(calls, ['get', 'lock', 'put', 'get']);
  const broken = { get: async () => { throw new Error('down'); }, put: async () => { throw new Error('down'); }, invalidate: async () => {} };
  const third = await Client.fromConfigFile(config('wechat_mini_charge.no_token.json'));
  result = await third.query(query, { tokenStore: broken });
  assert.equal(result.order.status, 'PAID');
});

test('client.query: an AbortSignal cancels; bad options are INVALID_INPUT', async () => {
  const client = await Client.fromConfigFile(config('fubei.json'));
  const paid = read('fubei.query.json');
  const controller = new AbortController();
  const pending = client.query(paid, { fetch: faulty('slow'), signal: controller.signal });
  setTimeout(() => controller.abort(new Error('stop')), 100);
  await assert.rejects(pending, /stop/);
  for (const [options, field] of [
    [{ timeoutMs: 0 }, 'timeoutMs'],
    [{ timeoutMs: 1.5 }, 'timeoutMs'],
    [{ poll: 'yes' }, 'poll'],
    [{ pollIntervalsMs: [0] }, 'pollIntervalsMs'],
    [{ tokenStore: {} }, 'tokenStore'],
    [{ fetch: 5 }, 'fetch'],
    [{ deadlineMs: 86_400_001 }, 'deadline_ms'],
  ]) {
    const e = await rejection(client.query(paid, options));
    assert.equal(e.code, 'INVALID_INPUT');
    assert.equal(e.field, field, JSON.stringify(options));
  }
  // A query for another provider is refused before anything is sent.
  const e = await rejection(client.query({ out_trade_no: 'A1' }, { fetch: () => assert.fail('sent') }));
  assert.equal(e.code, 'INVALID_INPUT');
});
