// client.query — the one-call query — against the sandbox over real HTTP (global fetch): every
// provider through every policy row the sandbox can show, the same scenarios as every other
// language (QUERY-FLOW.md). Providers run side by side.
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { after, before, test } from 'node:test';
import { inspect } from 'node:util';

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
  for (const [options, field, message] of [
    [{ timeoutMs: 0 }, 'timeoutMs', /`timeoutMs` must be from 1 to 600000 milliseconds/],
    [{ timeoutMs: 600_001 }, 'timeoutMs', /`timeoutMs` must be from 1 to 600000 milliseconds/],
    [{ timeoutMs: 1.5 }, 'timeoutMs', /`timeoutMs` must be a whole number from 1 to 600000 milliseconds/],
    // Negative, or not a number: a whole number, and the limits.
    [{ timeoutMs: -1 }, 'timeoutMs', /`timeoutMs` must be a whole number from 1 to 600000 milliseconds/],
    [{ timeoutMs: '5' }, 'timeoutMs', /`timeoutMs` must be a whole number from 1 to 600000 milliseconds/],
    [{ deadlineMs: -1 }, 'deadlineMs', /`deadlineMs` must be a whole number from 1 to 86400000 milliseconds/],
    [{ maxAttempts: -1 }, 'maxAttempts', /`maxAttempts` must be a whole number from 1 to 20$/],
    [{ pollIntervalsMs: [-5] }, 'pollIntervalsMs', /`pollIntervalsMs` must be a whole number from 1 to 86400000 milliseconds/],
    [{ notFoundGraceMs: -1 }, 'notFoundGraceMs', /`notFoundGraceMs` must be a whole number from/],
    // A typo is refused, naming the key (and what it may have meant), never ignored.
    [{ timeoutMS: 5 }, 'timeoutMS', /unknown option `timeoutMS` \(did you mean `timeoutMs`\?\)/],
    [{ deadline: 5 }, 'deadline', /unknown option `deadline`; the options are `fetch`, `timeoutMs`/],
    [{ poll: 'yes' }, 'poll', /`poll`/],
    [{ pollIntervalsMs: [0] }, 'pollIntervalsMs', /`pollIntervalsMs` must be from 1 to 86400000 milliseconds/],
    [{ pollIntervalsMs: [] }, 'pollIntervalsMs', /`pollIntervalsMs` must hold 1 to 32/],
    [{ pollIntervalsMs: Array(33).fill(100) }, 'pollIntervalsMs', /`pollIntervalsMs` must hold 1 to 32/],
    [{ tokenStore: {} }, 'tokenStore', /`tokenStore`/],
    [{ fetch: 5 }, 'fetch', /`fetch`/],
    [{ deadlineMs: 86_400_001 }, 'deadlineMs', /`deadlineMs` must be from 1 to 86400000 milliseconds/],
    [{ maxAttempts: 0 }, 'maxAttempts', /`maxAttempts` must be from 1 to 20/],
    [{ maxAttempts: 1e9 }, 'maxAttempts', /`maxAttempts` must be from 1 to 20/],
    [{ maxAttempts: 2.5 }, 'maxAttempts', /`maxAttempts` must be a whole number from 1 to 20$/],
    [{ notFoundGraceMs: 86_400_001 }, 'notFoundGraceMs', /`notFoundGraceMs` must be from 1 to 86400000 milliseconds/],
  ]) {
    const e = await rejection(client.query(paid, options));
    assert.equal(e.code, 'INVALID_INPUT');
    assert.equal(e.field, field, JSON.stringify(options));
    // The caller's names and units, never the core's.
    assert.match(e.message, message, JSON.stringify(options));
    assert.doesNotMatch(e.message, /_ms|max_attempts/, e.message);
  }
  // A query for another provider is refused before anything is sent.
  const e = await rejection(client.query({ out_trade_no: 'A1' }, { fetch: () => assert.fail('sent') }));
  assert.equal(e.code, 'INVALID_INPUT');
});

/** A fetch that never answers and drops `init.signal`, as a proxy or dispatcher wrapper does. */
const hanging = () => new Promise(() => {});

test('client.query: a fetch that drops init.signal still stops at the timeout, the deadline and an abort', { timeout: 30_000 }, async () => {
  const client = await Client.fromConfigFile(config('fubei.json'));
  const paid = read('fubei.query.json');

  // The per-request timeout: the usual timeout attempts, NETWORK_ERROR.
  let e = await rejection(client.query(paid, { fetch: hanging, timeoutMs: 200, deadlineMs: 5_000, maxAttempts: 2 }));
  assert.equal(e.code, 'NETWORK_ERROR', e.message);
  assert.deepEqual(e.attempts.map((a) => a.transport), ['timeout', 'timeout']);

  // The deadline, shorter than the timeout.
  e = await rejection(client.query(paid, { fetch: hanging, timeoutMs: 60_000, deadlineMs: 300 }));
  assert.equal(e.code, 'NETWORK_ERROR', e.message);
  assert.equal(e.attempts[0].transport, 'timeout');

  // A response whose body never ends, from a fetch that ignores the signal.
  const endless = async () => new Response(new ReadableStream({ pull: () => new Promise(() => {}) }));
  e = await rejection(client.query(paid, { fetch: endless, timeoutMs: 200, deadlineMs: 600 }));
  assert.equal(e.code, 'NETWORK_ERROR', e.message);

  // The caller's abort: the signal's reason, not a later fetch error.
  const controller = new AbortController();
  const pending = client.query(paid, { fetch: hanging, signal: controller.signal, timeoutMs: 60_000, deadlineMs: 120_000 });
  setTimeout(() => controller.abort(new Error('user stop')), 100);
  await assert.rejects(pending, /user stop/);
  // Without a reason: an AbortError.
  const bare = new AbortController();
  const pendingBare = client.query(paid, { fetch: hanging, signal: bare.signal, timeoutMs: 60_000, deadlineMs: 120_000 });
  setTimeout(() => bare.abort(), 100);
  // The platform's convention (fetch does the same), as the README says: the signal's reason,
  // not a PayqueryError.
  await assert.rejects(pendingBare, (err) => err.name === 'AbortError' && err instanceof DOMException && !isPayqueryError(err));
});

/** Every credential in a request as sent: Authorization and AppSecret headers, URL tokens. */
function sentCredentials(url, init) {
  const found = init.headers.filter(([name]) => /^(authorization|appsecret)$/i.test(name)).map(([, value]) => value);
  for (const [name, value] of new URL(url).searchParams) if (name === 'access_token' || name === 'secret') found.push(value);
  // A stable token request carries the app secret in its JSON body.
  const body = init.body === undefined ? '' : new TextDecoder().decode(init.body);
  if (body.startsWith('{') && typeof JSON.parse(body).secret === 'string') found.push(JSON.parse(body).secret);
  return found;
}

function shownEverywhere(error) {
  let logged = '';
  const sink = new Writable({ write: (chunk, _enc, done) => ((logged += chunk), done()) });
  new console.Console({ stdout: sink, stderr: sink }).error(error);
  return [logged, inspect(error, { depth: Infinity, showHidden: true }), JSON.stringify(error), String(error), error.message].join('\n');
}

test('client.query: no credential sent reaches a NETWORK_ERROR, its message or its cause', async () => {
  const secretsOf = (name) => Object.entries(read(name)).filter(([k]) => /secret|token|key$/.test(k) && !k.endsWith('_path')).map(([, v]) => String(v));
  for (const [name, file] of [
    ['dingshang_vending', 'dingshang_vending'],
    ['wechat_mini_charge', 'wechat_mini_charge'],
    ['wechat_mini_charge', 'wechat_mini_charge.no_token'],
    ['wechatpay_edu_papay', 'wechatpay_edu_papay'],
    // The certificate download goes first, on the same driver (api_v3_key is among the secrets).
    ['wechatpay_edu_papay', 'wechatpay_edu_papay.auto'],
  ]) {
    const client = await Client.fromConfigFile(config(`${file}.json`));
    const secrets = new Set(secretsOf(`${file}.json`));
    // undici's shape, quoting the request; and an axios-like error carrying its request config.
    const quoting = (url, init) => {
      for (const s of sentCredentials(url, init)) secrets.add(s);
      const body = init.body === undefined ? '' : new TextDecoder().decode(init.body);
      const cause = Object.assign(new Error(`connect ECONNREFUSED ${url} with ${JSON.stringify(init.headers)} ${body}`), { code: 'ECONNREFUSED' });
      return Promise.reject(new TypeError('fetch failed', { cause }));
    };
    const axiosLike = (url, init) => {
      for (const s of sentCredentials(url, init)) secrets.add(s);
      const error = Object.assign(new Error(`connect ECONNREFUSED while fetching ${url}`), {
        code: 'ECONNREFUSED',
        config: { url, headers: Object.fromEntries(init.headers), data: init.body === undefined ? undefined : new TextDecoder().decode(init.body) },
        request: { _header: init.headers.map(([n, v]) => `${n}: ${v}`).join('\r\n') },
      });
      return Promise.reject(error);
    };
    const calls = [(fetch) => client.query(read(`${name}.query.json`), { fetch })];
    if (file.endsWith('.auto')) calls.push((fetch) => client.downloadCertificates({ fetch }));
    for (const [fetch, call] of [quoting, axiosLike].flatMap((f) => calls.map((c) => [f, c]))) {
      const e = await rejection(call(fetch));
      assert.equal(e.code, 'NETWORK_ERROR', `${file}: ${e.message}`);
      assert.ok(secrets.size > 0);
      const shown = shownEverywhere(e);
      for (const secret of secrets) assert.ok(!shown.includes(secret), `${file}: ${secret} shown in\n${shown}`);
      // The cause stays useful: the client's class name, code and (redacted) message.
      assert.ok(e.cause instanceof Error);
      assert.match(e.cause.name, /TypeError|Error/);
      assert.match(`${e.cause.message} ${e.cause.cause?.message}`, /ECONNREFUSED/);
      assert.equal(e.cause.code ?? e.cause.cause?.code, 'ECONNREFUSED');
    }
  }
});

test('client.query: only transport failures are retried; a broken fetch fails at once', async () => {
  const client = await Client.fromConfigFile(config('fubei.json'));
  const paid = read('fubei.query.json');
  let calls = 0;
  // Not a Response: INVALID_INPUT naming the option.
  let e = await rejection(client.query(paid, { fetch: async () => (calls++, {}) }));
  assert.equal(e.code, 'INVALID_INPUT');
  assert.equal(e.field, 'fetch');
  assert.equal(calls, 1, 'never retried');
  // The caller's own bug: at once, the original error as the cause.
  calls = 0;
  e = await rejection(
    client.query(paid, {
      fetch: async () => {
        calls++;
        return undefined.status;
      },
    }),
  );
  assert.equal(calls, 1, 'never retried');
  assert.notEqual(e.code, 'NETWORK_ERROR');
  assert.equal(e.cause.name, 'TypeError');
  assert.match(e.cause.message, /undefined/);
  // A transport failure is still the network, retried as the policy says.
  calls = 0;
  const refused = async () => {
    calls++;
    throw new TypeError('fetch failed', { cause: Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:9'), { code: 'ECONNREFUSED' }) });
  };
  e = await rejection(client.query(paid, { fetch: refused }));
  assert.equal(e.code, 'NETWORK_ERROR');
  assert.ok(calls > 1, 'retried');
  assert.equal(e.attempts[0].transport, 'connect');
});

test('PayqueryError: JSON.stringify keeps the message, the facts and the attempts', async () => {
  const client = await Client.fromConfigFile(config('fubei.json'));
  const e = await rejection(client.query(read('fubei.query.json'), { fetch: faulty('system_error') }));
  const json = JSON.parse(JSON.stringify(e));
  assert.equal(json.message, e.message);
  assert.equal(json.code, 'PROVIDER_ERROR');
  assert.equal(json.retryable, true);
  assert.equal(json.attempts.length, e.attempts.length);
  assert.equal(json.name, 'PayqueryError');
});

test('client.query: a failing token store is an attempt of its own; the query still succeeds', async () => {
  class ConnectionError extends Error {}
  const down = () => {
    throw new ConnectionError('redis at 10.0.0.7 refused: key payquery:token:SECRET-ISH');
  };
  const store = { get: async () => down(), put: async () => down(), invalidate: async () => down(), lock: async () => down() };
  const client = await Client.fromConfigFile(config('wechat_mini_charge.no_token.json'));
  const result = await client.query(read('wechat_mini_charge.query.json'), { tokenStore: store });
  assert.equal(result.order.status, 'PAID');
  const failures = result.attempts.filter((a) => a.purpose === 'store');
  assert.ok(failures.length >= 1, JSON.stringify(result.attempts));
  assert.ok(failures.every((a) => a.storeError === 'ConnectionError'), JSON.stringify(failures));
  assert.ok(!JSON.stringify(result.attempts).includes('refused'), 'the store error message is never kept');
  assert.deepEqual(result.attempts.filter((a) => a.purpose !== 'store').map((a) => a.purpose), ['token', 'query']);
});

// A token store that never answers (Redis down, a client retrying its connection forever).
const never = () => new Promise(() => {});

test('client.query: a token store that never settles is bounded by the timeout and the deadline', { timeout: 30_000 }, async () => {
  const client = await Client.fromConfigFile(config('wechat_mini_charge.no_token.json'));
  const paid = read('wechat_mini_charge.query.json');
  const store = { get: never, put: never, invalidate: never, lock: never };
  // The request timeout bounds each store call: the query fetches its own token and succeeds.
  const result = await client.query(paid, { tokenStore: store, timeoutMs: 300, deadlineMs: 10_000 });
  assert.equal(result.order.status, 'PAID');
  // A store that timed out is not asked again in that query (each ask would cost a timeout).
  assert.deepEqual(result.attempts.map((a) => a.purpose), ['store', 'token', 'query']);
  assert.equal(result.attempts[0].storeError, 'Timeout');

  // The deadline bounds them too (the default timeout is longer): the query ends by itself,
  // answered or NETWORK_ERROR at the deadline, with the store's Timeout as an attempt. (A new
  // client: the first one keeps the token it fetched.)
  const fresh = await Client.fromConfigFile(config('wechat_mini_charge.no_token.json'));
  let attempts;
  try {
    attempts = (await fresh.query(paid, { tokenStore: store, deadlineMs: 1500 })).attempts;
  } catch (error) {
    assert.ok(isPayqueryError(error), String(error));
    assert.equal(error.code, 'NETWORK_ERROR', error.message);
    attempts = error.attempts;
  }
  assert.ok(attempts.some((a) => a.purpose === 'store' && a.storeError === 'Timeout'), JSON.stringify(attempts));
});

test('client.query: a token store answering the wrong type is a failed store call, not an empty store', async () => {
  const client = await Client.fromConfigFile(config('wechat_mini_charge.no_token.json'));
  const paid = read('wechat_mini_charge.query.json');
  const puts = [];
  const store = { get: async () => 42, lock: async () => 'yes', put: async (key) => void puts.push(key), invalidate: async () => {} };
  const result = await client.query(paid, { tokenStore: store });
  assert.equal(result.order.status, 'PAID');
  const stores = result.attempts.filter((a) => a.purpose === 'store');
  assert.deepEqual(stores.map((a) => a.storeError), ['TypeError', 'TypeError'], JSON.stringify(result.attempts));
  assert.deepEqual(result.attempts.filter((a) => a.purpose !== 'store').map((a) => a.purpose), ['token', 'query']);
});

// -- WeChat Pay platform certificates (QUERY-FLOW.md §7): the sandbox's auto configs ----------

/** The sandbox's platform certificates: A from start-up, B once rotated (`POST /__sandbox/rotate`). */
const CERT_A = '7132D72A03E93CDDF8C03BBD1F37EEDF7C8D7F92';
const CERT_B = '3D1A6C2F7B5E4A09C8D2E1F0A3B4C5D6E7F80912';
/** The serial the sandbox's `FAULT_UNKNOWN_SERIAL` answers claim: no certificate endpoint lists it. */
const FORGED_SERIAL = '5E7A1D00000000000000000000000000000B4D00';
/** Each WeChat Pay API's certificate endpoint (Pay Score oversea is on the Global API). */
const CERTIFICATES_PATH = { wechatpay_edu_papay: '/v3/certificates', wechatpay_payscore_oversea: '/v3/global/certificates' };

const purposes = (attempts) => attempts.map((a) => a.purpose);
const certificateRequests = async (baseUrl = sandbox.baseUrl) =>
  (await (await fetch(`${baseUrl}/__sandbox/stats`)).json()).certificate_requests;
/** `provider`'s query for order `id` (edu-papay's `out_trade_no`, Pay Score's `out_order_no`). */
const orderQuery = (provider, id) => ({
  ...read(`${provider}.query.json`),
  [provider === 'wechatpay_edu_papay' ? 'out_trade_no' : 'out_order_no']: id,
});

test('certificates: the first query downloads them, the next ones reuse them', async () => {
  for (const provider of SIGNED) {
    const client = await Client.fromConfigFile(config(`${provider}.auto.json`));
    const before = await certificateRequests();
    let result = await client.query(read(`${provider}.query.json`));
    assert.equal(result.order.status, 'PAID', provider);
    assert.equal(result.signatureSerial, CERT_A, provider);
    assert.deepEqual(purposes(result.attempts), ['certificates', 'query'], provider);
    assert.equal(new URL(result.attempts[0].url).pathname, CERTIFICATES_PATH[provider]);
    assert.ok(result.attempts.every((a) => a.error === null), JSON.stringify(result.attempts));
    assert.equal((await certificateRequests()) - before, 1, `${provider}: one download`);
    result = await client.query(read(`${provider}.query.json`));
    assert.equal(result.signatureSerial, CERT_A);
    assert.deepEqual(purposes(result.attempts), ['query'], `${provider}: the held certificate, no download`);
    assert.equal((await certificateRequests()) - before, 1, provider);
  }
});

test('certificates: downloadCertificates lists the sandbox certificate, domestic and Global', async () => {
  for (const provider of SIGNED) {
    const client = await Client.fromConfigFile(config(`${provider}.auto.json`));
    const before = await certificateRequests();
    const download = await client.downloadCertificates({ timeoutMs: 5_000 });
    assert.equal((await certificateRequests()) - before, 1, provider);
    assert.deepEqual(purposes(download.attempts), ['certificates']);
    assert.equal(new URL(download.attempts[0].url).pathname, CERTIFICATES_PATH[provider]);
    assert.deepEqual(download.certificates.map((c) => c.serialNo), [CERT_A], provider);
    const [certificate] = download.certificates;
    // Validity in Unix seconds, as bigints (2020-01-01 to 2120-01-01 UTC), from the certificate.
    assert.equal(certificate.notBefore, 1_577_836_800n);
    assert.equal(certificate.notAfter, 4_733_510_400n);
    assert.equal(new X509Certificate(certificate.certificatePem).serialNumber, CERT_A);
    // The client verifies with what it downloaded: the query downloads nothing more.
    const result = await client.query(read(`${provider}.query.json`));
    assert.deepEqual(purposes(result.attempts), ['query'], provider);

    // The central job's other use: a downloaded certificate in a fixed config verifies without
    // the APIv3 key, and nothing is downloaded.
    const { api_v3_key: _key, ...fixed } = read(`${provider}.auto.json`);
    const pinned = new Client({ ...fixed, platform_certificates: [{ serial_no: certificate.serialNo, certificate_pem: certificate.certificatePem }] });
    const pinnedResult = await pinned.query(read(`${provider}.query.json`));
    assert.equal(pinnedResult.signatureSerial, CERT_A);
    assert.deepEqual(purposes(pinnedResult.attempts), ['query']);
  }
});

test('certificates: parseCertificates checks a saved answer, sans-IO', async () => {
  const client = await Client.fromConfigFile(config('wechatpay_edu_papay.auto.json'));
  /** @type {{ status: number, headers: Headers, body: Uint8Array }} */
  let saved;
  const recording = async (url, init) => {
    const res = await fetch(url, init);
    const body = new Uint8Array(await res.arrayBuffer());
    saved = { status: res.status, headers: res.headers, body };
    return new Response(body, { status: res.status, headers: res.headers });
  };
  const download = await client.downloadCertificates({ fetch: recording });
  const fresh = await Client.fromConfigFile(config('wechatpay_edu_papay.auto.json'));
  const parsed = fresh.parseCertificates(saved);
  assert.deepEqual(parsed, { certificates: download.certificates, attempts: [] });
  assert.deepEqual(fresh.parseCertificates(saved, { now: BigInt(Math.floor(Date.now() / 1000)) }), parsed);
  // A byte of the sealed listing changed: the answer's signature no longer verifies.
  const text = new TextDecoder().decode(saved.body);
  const at = text.search(/"ciphertext"\s*:\s*"/) + 20;
  const tampered = text.slice(0, at) + (text[at] === 'A' ? 'B' : 'A') + text.slice(at + 1);
  assert.throws(
    () => fresh.parseCertificates({ ...saved, body: tampered }),
    (e) => isPayqueryError(e) && e.code === 'SIGNATURE_INVALID' && e.attempts.length === 0,
  );
});

test('certificates: an unknown serial costs one download a minute, then SIGNATURE_INVALID', async () => {
  for (const provider of SIGNED) {
    const client = await Client.fromConfigFile(config(`${provider}.auto.json`));
    await client.query(read(`${provider}.query.json`));
    const before = await certificateRequests();
    let e = await rejection(client.query(orderQuery(provider, 'FAULT_UNKNOWN_SERIAL')));
    assert.equal(e.code, 'SIGNATURE_INVALID', `${provider}: ${e.message}`);
    assert.equal(e.field, 'Wechatpay-Serial');
    assert.ok(e.message.includes(FORGED_SERIAL), e.message);
    // The same answer verified again after the download: the order is not queried twice.
    assert.deepEqual(purposes(e.attempts), ['query', 'certificates'], provider);
    assert.equal((await certificateRequests()) - before, 1, provider);
    // Within the minute, another forged answer downloads nothing.
    e = await rejection(client.query(orderQuery(provider, 'FAULT_UNKNOWN_SERIAL')));
    assert.equal(e.code, 'SIGNATURE_INVALID');
    assert.deepEqual(purposes(e.attempts), ['query'], `${provider}: no second download within 60 s`);
    assert.equal((await certificateRequests()) - before, 1, provider);
    // The held certificate still verifies the real answers.
    const result = await client.query(read(`${provider}.query.json`));
    assert.equal(result.signatureSerial, CERT_A);
  }
});

test('certificates: a failed download leaves the query going on; downloadCertificates reports it', async () => {
  // Merchant 1900000500: every download answers 500; its answers are signed with the public
  // key its config carries.
  for (const provider of SIGNED) {
    const failing = { ...read(`${provider}.json`), mchid: '1900000500', api_v3_key: read(`${provider}.auto.json`).api_v3_key };
    const client = new Client(failing);
    const result = await client.query(read(`${provider}.query.json`));
    assert.equal(result.order.status, 'PAID', provider);
    assert.deepEqual(
      result.attempts.map((a) => [a.purpose, a.httpStatus, a.error]),
      [['certificates', 500, 'PROVIDER_ERROR'], ['query', 200, null]],
      provider,
    );
    const e = await rejection(client.downloadCertificates());
    assert.equal(e.code, 'PROVIDER_ERROR');
    assert.equal(e.httpStatus, 500);
    assert.deepEqual(e.attempts.map((a) => [a.purpose, a.error]), [['certificates', 'PROVIDER_ERROR']]);
  }
});

test('certificates: a public-key-only merchant with api_v3_key is no failure', async () => {
  for (const provider of SIGNED) {
    const withKey = { ...read(`${provider}.json`), api_v3_key: read(`${provider}.auto.json`).api_v3_key };
    const client = new Client(withKey);
    let result = await client.query(read(`${provider}.query.json`));
    assert.equal(result.order.status, 'PAID', provider);
    assert.match(result.signatureSerial, /^PUB_KEY_ID_/);
    assert.deepEqual(
      result.attempts.map((a) => [a.purpose, a.httpStatus, a.error]),
      [['certificates', 404, null], ['query', 200, null]],
      provider,
    );
    result = await client.query(read(`${provider}.query.json`));
    assert.deepEqual(purposes(result.attempts), ['query'], `${provider}: not asked again`);
    const download = await new Client(withKey).downloadCertificates();
    assert.deepEqual(download.certificates, []);
    assert.deepEqual(download.attempts.map((a) => [a.purpose, a.httpStatus, a.error]), [['certificates', 404, null]]);
  }
});

test('certificates: a rotation is picked up by the next query, from the same answer', async () => {
  // Rotation cannot be undone: a sandbox of its own.
  const own = await startSandbox();
  try {
    const clients = [...SIGNED].map((provider) => [provider, new Client(own.read(`${provider}.auto.json`))]);
    for (const [provider, client] of clients) {
      assert.equal((await client.query(own.read(`${provider}.query.json`))).signatureSerial, CERT_A);
    }
    const rotated = await (await fetch(`${own.baseUrl}/__sandbox/rotate`, { method: 'POST' })).json();
    assert.equal(rotated.serial_no, CERT_B);
    for (const [provider, client] of clients) {
      const before = await certificateRequests(own.baseUrl);
      let result = await client.query(own.read(`${provider}.query.json`));
      assert.equal(result.order.status, 'PAID', provider);
      assert.equal(result.signatureSerial, CERT_B, provider);
      assert.deepEqual(purposes(result.attempts), ['query', 'certificates'], provider);
      assert.ok(result.attempts.every((a) => a.error === null), JSON.stringify(result.attempts));
      assert.equal((await certificateRequests(own.baseUrl)) - before, 1, provider);
      result = await client.query(own.read(`${provider}.query.json`));
      assert.deepEqual(purposes(result.attempts), ['query'], provider);
      // Both are held (A is still valid): merged, never replaced.
      const download = await client.downloadCertificates();
      assert.deepEqual(download.certificates.map((c) => c.serialNo).sort(), [CERT_A, CERT_B].sort(), provider);
    }
  } finally {
    await own.stop();
  }
});

test('certificates: downloadCertificates options, and clients that download none', async () => {
  const client = await Client.fromConfigFile(config('wechatpay_edu_papay.auto.json'));
  for (const [options, field, message] of [
    [{ poll: true }, 'poll', /unknown option `poll`; the options are `fetch`, `timeoutMs`, `deadlineMs`, `tokenStore`, `signal`/],
    [{ maxAttempts: 2 }, 'maxAttempts', /unknown option `maxAttempts`/],
    [{ timeoutMS: 5 }, 'timeoutMS', /did you mean `timeoutMs`/],
    [{ timeoutMs: 0 }, 'timeoutMs', /`timeoutMs` must be from 1 to 600000 milliseconds/],
    [{ deadlineMs: 1.5 }, 'deadlineMs', /`deadlineMs` must be a whole number from 1 to 86400000 milliseconds/],
    [{ tokenStore: {} }, 'tokenStore', /`tokenStore`/],
    [{ fetch: 5 }, 'fetch', /`fetch`/],
    [{ signal: {} }, 'signal', /`signal`/],
  ]) {
    const e = await rejection(client.downloadCertificates({ ...options, fetch: options.fetch ?? (() => assert.fail('sent')) }));
    assert.equal(e.code, 'INVALID_INPUT', e.message);
    assert.equal(e.field, field, JSON.stringify(options));
    assert.match(e.message, message);
  }
  // Without api_v3_key (or not WeChat Pay): INVALID_CONFIG naming the key, nothing sent.
  for (const name of ['wechatpay_edu_papay.json', 'fubei.json']) {
    const without = await Client.fromConfigFile(config(name));
    const e = await rejection(without.downloadCertificates({ fetch: () => assert.fail('sent') }));
    assert.equal(e.code, 'INVALID_CONFIG');
    assert.equal(e.field, 'api_v3_key');
    assert.throws(() => without.parseCertificates({ status: 200, body: '{"data":[]}' }), (err) => isPayqueryError(err) && err.field === 'api_v3_key');
  }
});

test('certificates: the download runs on the query driver (timeout, abort, network errors)', { timeout: 30_000 }, async () => {
  const client = await Client.fromConfigFile(config('wechatpay_edu_papay.auto.json'));
  let e = await rejection(client.downloadCertificates({ fetch: hanging, timeoutMs: 200 }));
  assert.equal(e.code, 'NETWORK_ERROR', e.message);
  assert.deepEqual(e.attempts.map((a) => [a.purpose, a.transport]), [['certificates', 'timeout']]);
  const controller = new AbortController();
  const pending = client.downloadCertificates({ fetch: hanging, signal: controller.signal });
  setTimeout(() => controller.abort(new Error('job stopped')), 100);
  await assert.rejects(pending, /job stopped/);
  // A download that timed out in a query: the query still goes on to the order (which then
  // fails here, since nothing verifies its answer).
  const certificatesHang = (url, init) => (new URL(url).pathname.endsWith('/certificates') ? hanging() : fetch(url, init));
  const fresh = await Client.fromConfigFile(config('wechatpay_edu_papay.auto.json'));
  e = await rejection(fresh.query(read('wechatpay_edu_papay.query.json'), { fetch: certificatesHang, timeoutMs: 300 }));
  assert.equal(e.code, 'SIGNATURE_INVALID', e.message);
  assert.deepEqual([e.attempts[0].purpose, e.attempts[0].transport], ['certificates', 'timeout']);
  assert.equal(e.attempts[1].purpose, 'query', JSON.stringify(e.attempts));
});

test('certificates: a token store shares the listing between clients', async () => {
  const values = new Map();
  const store = {
    get: async (key) => values.get(key) ?? null,
    put: async (key, value) => void values.set(key, value),
    invalidate: async () => {},
  };
  const before = await certificateRequests();
  const first = await Client.fromConfigFile(config('wechatpay_payscore_oversea.auto.json'));
  const download = await first.downloadCertificates({ tokenStore: store });
  assert.deepEqual(download.certificates.map((c) => c.serialNo), [CERT_A]);
  assert.deepEqual([...values.keys()], [`payquery:wechatpay_certificates:1900000109:${sandbox.baseUrl}/v3/global/certificates`]);
  // What is stored is WeChat Pay's sealed listing: no certificate and no key in clear.
  const stored = [...values.values()][0];
  assert.ok(!stored.includes('BEGIN CERTIFICATE') && !stored.includes(read('wechatpay_payscore_oversea.auto.json').api_v3_key));
  const second = await Client.fromConfigFile(config('wechatpay_payscore_oversea.auto.json'));
  const result = await second.query(read('wechatpay_payscore_oversea.query.json'), { tokenStore: store });
  assert.equal(result.signatureSerial, CERT_A);
  assert.deepEqual(purposes(result.attempts), ['query'], 'the stored listing, no download');
  assert.equal((await certificateRequests()) - before, 1);
});
