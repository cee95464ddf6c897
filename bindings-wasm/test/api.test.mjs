// The package's surface: argument types, defaults, the 64-bit rule, errors, and secrets kept
// out of everything a program prints.
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { inspect } from 'node:util';

import payqueryDefault, { Client, ERROR_CODES, PayqueryError, PendingRequest, isPayqueryError, queryFromJson } from 'payquery';

import { VECTORS } from './support.mjs';

const key = (name) => readFileSync(join(VECTORS, 'keys', name), 'utf8');
const SECRETS = {
  fubei: 'fubei-secret-VALUE-0001',
  vending: 'vending-secret-VALUE-0002',
  signKey: 'sign-key-VALUE-0003',
  token: 'ACCESS-TOKEN-VALUE-0004',
  appSecret: 'mini-app-secret-VALUE-0005',
  // WeChat Pay's APIv3 key: exactly 32 bytes.
  apiV3Key: 'api-v3-key-VALUE-0006-abcdefghij',
};
const privateKeyLine = key('merchant_private_key.pem').split('\n')[1];
const wechatpay = {
  provider: 'wechatpay_edu_papay',
  mchid: '1900000001',
  merchant_serial_no: '5157F09EFDC096DE15EBE81A47057A7232F1B8E1',
  merchant_private_key_pem: key('merchant_private_key.pem'),
  wechatpay_public_key_id: 'PUB_KEY_ID_0119000000012025010100000000000001',
  wechatpay_public_key_pem: key('wechatpay_public_key.pem'),
};
const configs = {
  fubei: { provider: 'fubei', app_id: '20160922135339595387', app_secret: SECRETS.fubei },
  vending: {
    provider: 'dingshang_vending',
    base_url: 'https://vending.example',
    appid: 'ds0001',
    app_secret: SECRETS.vending,
    sign_key: SECRETS.signKey,
  },
  mini: { provider: 'wechat_mini_charge', access_token: SECRETS.token, appid: 'wx01', app_secret: SECRETS.appSecret },
  wechatpay,
  wechatpayAuto: { ...wechatpay, api_v3_key: SECRETS.apiV3Key },
};
/** APIv3 keys of the wrong length (16 and 33 bytes, 32 characters that are 33 bytes): refused, never echoed. */
const BAD_API_V3_KEYS = ['api-v3-VALUE-016', `${SECRETS.apiV3Key}X`, `${SECRETS.apiV3Key.slice(0, 31)}é`];

function thrown(fn) {
  try {
    fn();
  } catch (error) {
    return error;
  }
  assert.fail('expected a throw');
}

function assertCode(fn, code, field) {
  const error = thrown(fn);
  assert.ok(error instanceof PayqueryError, `${error}`);
  assert.ok(isPayqueryError(error));
  assert.equal(error.code, code, error.message);
  if (field !== undefined) assert.equal(error.field, field, error.message);
  return error;
}

test('ESM default and named exports are the same objects', () => {
  assert.equal(payqueryDefault.Client, Client);
  assert.deepEqual([...ERROR_CODES], [
    'INVALID_INPUT',
    'INVALID_CONFIG',
    'SIGNATURE_INVALID',
    'TIMESTAMP_SKEW',
    'PROVIDER_ERROR',
    'RATE_LIMITED',
    'TOKEN_EXPIRED',
    'ORDER_NOT_FOUND',
    'DECODE_ERROR',
    'NETWORK_ERROR',
    'DECRYPT_ERROR',
  ]);
});

test('the ErrorCode union in the generated models.d.ts is exactly the core list', () => {
  const dts = readFileSync(new URL('./node_modules/payquery/models.d.ts', import.meta.url), 'utf8');
  const union = /export type ErrorCode =([^;]+);/.exec(dts)[1];
  assert.deepEqual([...union.matchAll(/'([A-Z_]+)'/g)].map((m) => m[1]), [...ERROR_CODES]);
});

test('PayqueryError: an Error with name, code, stack and the provider facts', () => {
  const client = new Client(configs.fubei);
  const error = assertCode(() => client.buildQuery({ merchant_order_sn: 5 }), 'INVALID_INPUT');
  assert.ok(error instanceof Error);
  assert.equal(error.name, 'PayqueryError');
  assert.match(error.stack, /PayqueryError/);
  assert.equal(error.providerCode, null);
  assert.equal(error.httpStatus, null);
  assert.equal(error.retryable, false);
  assert.equal(error.backupHostApplies, false);
  assert.equal(isPayqueryError(new Error('x')), false);
  assert.equal(isPayqueryError(null), false);
  const provider = assertCode(
    () =>
      client.parseQuery(
        { status: 200, headers: {}, body: '{"result_code":500,"result_message":"busy"}' },
        { query: { merchant_order_sn: 'A' } },
      ),
    'PROVIDER_ERROR',
  );
  assert.equal(provider.providerCode, '500');
  assert.equal(provider.providerMessage, 'busy');
  assert.equal(provider.httpStatus, 200);
  assert.equal(provider.retryable, true);
});

test('wrong argument types are INVALID_INPUT / INVALID_CONFIG, never a trap', () => {
  for (const bad of [null, 5, [], true, undefined]) {
    assertCode(() => new Client(bad), 'INVALID_CONFIG');
  }
  assertCode(() => new Client('{not json'), 'INVALID_CONFIG');
  assertCode(() => new Client({ provider: 'nope' }), 'INVALID_CONFIG', 'provider');
  assertCode(() => new Client({ ...configs.fubei, app_secret: 10n }), 'INVALID_CONFIG');
  const client = new Client(configs.fubei);
  for (const query of [null, 5, 'x', [], { merchant_order_sn: null }, { merchant_order_sn: 1 }, { order_sn: 2n }]) {
    assertCode(() => client.buildQuery(query), 'INVALID_INPUT');
  }
  const q = { merchant_order_sn: 'A' };
  assertCode(() => client.buildQuery(q, { timestamp: 2 ** 53 }), 'INVALID_INPUT', 'timestamp');
  assertCode(() => client.buildQuery(q, { timestamp: 1.5 }), 'INVALID_INPUT', 'timestamp');
  assertCode(() => client.buildQuery(q, { timestamp: '1' }), 'INVALID_INPUT', 'timestamp');
  assertCode(() => client.buildQuery(q, { timestamp: 2n ** 63n }), 'INVALID_INPUT', 'timestamp');
  assertCode(() => client.buildQuery(q, { nonce: 12 }), 'INVALID_INPUT', 'nonce');
  assertCode(() => client.buildQuery(q, { nonce: 'has space' }), 'INVALID_INPUT', 'nonce');
  assertCode(() => client.buildQuery(q, 5), 'INVALID_INPUT');
  const response = { status: 200, headers: {}, body: '{}' };
  assertCode(() => client.parseQuery(response, { query: q, now: 2 ** 60 }), 'INVALID_INPUT', 'now');
  assertCode(() => client.parseQuery(response), 'INVALID_INPUT');
  assertCode(() => client.parseQuery({ ...response, status: 99.5 }, { query: q }), 'INVALID_INPUT', 'status');
  assertCode(() => client.parseQuery({ ...response, body: 5 }, { query: q }), 'INVALID_INPUT', 'body');
  assertCode(() => client.parseQuery({ ...response, headers: [['a']] }, { query: q }), 'INVALID_INPUT', 'headers');
  assertCode(() => client.parseQuery({ ...response, headers: { a: 1 } }, { query: q }), 'INVALID_INPUT', 'headers');
  assertCode(() => client.buildTokenRequest({ kind: 'stable' }), 'INVALID_CONFIG');
  // After all of that, the same client still answers correctly (the instance is not poisoned).
  const request = client.buildQuery(q, { timestamp: 1_700_000_000n, nonce: 'abc' });
  assert.equal(request.method, 'POST');
});

test('defaults: the clock and a 32-character CSPRNG nonce; bigint and safe-number times agree', () => {
  const client = new Client(wechatpay);
  const q = { out_trade_no: 'A1' };
  const before = Math.floor(Date.now() / 1000);
  const auth = (request) => Object.fromEntries([...new Map(request.headers).get('Authorization').matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1], m[2]]));
  const a = auth(client.buildQuery(q));
  const b = auth(client.buildQuery(q));
  assert.match(a.nonce_str, /^[0-9A-Za-z]{32}$/);
  assert.notEqual(a.nonce_str, b.nonce_str);
  assert.ok(Math.abs(Number(a.timestamp) - before) < 5);
  const pinned = { timestamp: 1_700_000_000, nonce: 'n1' };
  assert.deepEqual(client.buildQuery(q, pinned), client.buildQuery(q, { ...pinned, timestamp: 1_700_000_000n }));
  assertCode(() => client.buildQuery(q, { timestamp: -1 }), 'INVALID_INPUT', 'timestamp');
});

test('response headers: WHATWG Headers, pairs and objects (with array values) are all accepted', () => {
  const client = new Client(configs.fubei);
  const body = '{"result_code":400,"result_message":"x","sub_code":"ORDER_NOT_EXIST"}';
  const query = { merchant_order_sn: 'A' };
  for (const headers of [new Headers({ 'content-type': 'application/json' }), [['a', 'b']], { a: ['1', '2'], b: undefined }, undefined]) {
    assertCode(() => client.parseQuery({ status: 200, headers, body }, { query }), 'ORDER_NOT_FOUND');
  }
  for (const raw of [new TextEncoder().encode(body), new TextEncoder().encode(body).buffer, body]) {
    assertCode(() => client.parseQuery({ status: 200, headers: {}, body: raw }, { query }), 'ORDER_NOT_FOUND');
  }
});

test('no secret in util.inspect, messages or stacks', () => {
  const shown = [];
  for (const config of Object.values(configs)) {
    const client = new Client(config);
    shown.push(inspect(client, { showHidden: true, depth: 5 }), String(client), JSON.stringify(client) ?? '');
    const queries = {
      fubei: { merchant_order_sn: 'A' },
      dingshang_vending: { order_id: '1', machine_no: '12345678' },
      wechat_mini_charge: { order_id: 'DD1' },
      wechatpay_edu_papay: { out_trade_no: 'A' },
    };
    const request = client.buildQuery(queries[client.provider]);
    // What JSON loggers (pino, winston) print: JSON.stringify of the request and of objects
    // holding it.
    shown.push(inspect(request), inspect([request]), JSON.stringify(request), JSON.stringify({ request }));
    const error = thrown(() => client.parseQuery({ status: 500, headers: {}, body: '<html>' }, { query: queries[client.provider] }));
    shown.push(error.message, error.stack, inspect(error));
  }
  // A certificate answer that does not open, or is no listing: the errors name no key.
  const auto = new Client(configs.wechatpayAuto);
  const sealed = { algorithm: 'AEAD_AES_256_GCM', nonce: '0123456789ab', associated_data: 'certificate', ciphertext: Buffer.alloc(40, 1).toString('base64') };
  const listing = { data: [{ serial_no: '1A', effective_time: '2020-01-01T00:00:00+08:00', expire_time: '2120-01-01T00:00:00+08:00', encrypt_certificate: sealed }] };
  for (const body of [JSON.stringify(listing), '<html>', '{"data":5}']) {
    const error = thrown(() => auto.parseCertificates({ status: 200, headers: {}, body }, { now: 1_700_000_000 }));
    assert.ok(isPayqueryError(error), `${error}`);
    shown.push(error.message, error.stack, inspect(error), JSON.stringify(error));
  }
  const mini = new Client(configs.mini);
  for (const tokenRequest of [mini.buildTokenRequest({ kind: 'classic' }), mini.buildTokenRequest({ kind: 'stable' })]) {
    shown.push(inspect(tokenRequest), JSON.stringify(tokenRequest));
  }
  const token = mini.parseTokenResponse({ status: 200, headers: {}, body: `{"access_token":"${SECRETS.token}","expires_in":7200}` }, { now: 1 });
  assert.equal(token.accessToken, SECRETS.token, 'the token itself is returned');
  const bigintsAsText = (_key, value) => (typeof value === 'bigint' ? value.toString() : value);
  shown.push(inspect(token), JSON.stringify(token, bigintsAsText), JSON.stringify({ token }, bigintsAsText));
  for (const bad of [
    { ...configs.fubei, app_secret: `${SECRETS.fubei}\n` },
    { ...configs.vending, extra_key: SECRETS.vending },
    { ...wechatpay, merchant_private_key_pem: `-----BEGIN PRIVATE KEY-----\n${privateKeyLine}\n-----END PRIVATE KEY-----` },
    { ...configs.mini, access_token: [SECRETS.token] },
    ...BAD_API_V3_KEYS.map((key) => ({ ...wechatpay, api_v3_key: key })),
    { ...configs.wechatpayAuto, api_v3_key: [SECRETS.apiV3Key] },
  ]) {
    const error = thrown(() => new Client(bad));
    shown.push(error.message, error.stack);
  }
  const text = shown.join('\n');
  for (const secret of [...Object.values(SECRETS), ...BAD_API_V3_KEYS, privateKeyLine]) {
    assert.ok(!text.includes(secret), `secret ${secret.slice(0, 12)}… leaked:\n${text}`);
  }
  assert.match(text, /redacted/);
});

test('the fields a program sends stay raw; only what is printed or serialized is redacted', () => {
  const vending = new Client(configs.vending).buildQuery({ order_id: '1', machine_no: '12345678' });
  assert.equal(new Map(vending.headers).get('AppSecret'), SECRETS.vending);
  assert.deepEqual(JSON.parse(JSON.stringify(vending)).headers.find(([name]) => name === 'AppSecret'), ['AppSecret', '[redacted]']);
  const mini = new Client(configs.mini).buildQuery({ order_id: 'DD1' });
  assert.ok(mini.url.includes(`access_token=${SECRETS.token}`));
  assert.ok(JSON.stringify(mini).includes('access_token=[redacted]'));
});

test('any iterable of header pairs is taken (Headers, Map, a generator)', () => {
  const client = new Client(configs.fubei);
  const body = '{"result_code":400,"result_message":"x","sub_code":"ORDER_NOT_EXIST"}';
  const query = { merchant_order_sn: 'A' };
  function* pairs() {
    yield ['content-type', 'application/json'];
  }
  for (const headers of [new Map([['a', 'b']]), pairs(), new Headers([['a', 'b']])]) {
    assertCode(() => client.parseQuery({ status: 200, headers, body }, { query }), 'ORDER_NOT_FOUND');
  }
  assertCode(() => client.parseQuery({ status: 200, headers: new Set(['a']), body }, { query }), 'INVALID_INPUT', 'headers');
});

test('the token query refusal names the JavaScript method', () => {
  const error = assertCode(() => new Client(configs.mini).buildQuery({ token: 'stable' }), 'INVALID_INPUT', 'token');
  assert.match(error.message, /buildTokenRequest/);
  assert.doesNotMatch(error.message, /build_token_request/);
});

test('config and key files are read up to 1 MiB, never whole', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'payquery-files-'));
  const big = join(dir, 'big.pem');
  writeFileSync(big, Buffer.alloc(1024 * 1024 + 1, 'a'));
  const { merchant_private_key_pem: _key, ...keyless } = wechatpay;
  const error = assertCode(() => new Client({ ...keyless, merchant_private_key_path: big }), 'INVALID_CONFIG', 'merchant_private_key_path');
  assert.match(error.message, /larger than 1048576 bytes/);
  await assert.rejects(Client.fromConfigFile(big), (e) => isPayqueryError(e) && e.field === 'path' && /larger than 1048576 bytes/.test(e.message));
});

test('a *_path naming a FIFO, a device or a folder is refused, never opened to block', () => {
  const dir = mkdtempSync(join(tmpdir(), 'payquery-fifo-'));
  const fifo = join(dir, 'key.pem');
  execFileSync('mkfifo', [fifo]);
  // In a child: a blocking open of a FIFO with no writer would freeze the event loop, and with
  // it any timer this process could use to fail the test.
  const script = `
    import('payquery').then(async ({ Client, isPayqueryError }) => {
      const config = JSON.parse(process.argv[1]);
      const out = [];
      for (const file of process.argv.slice(2)) {
        try {
          new Client({ ...config, merchant_private_key_path: file });
          out.push('accepted');
        } catch (e) {
          out.push(isPayqueryError(e) ? [e.code, e.field, e.message].join(' | ') : 'raw ' + e);
        }
        try {
          await Client.fromConfigFile(file);
          out.push('accepted');
        } catch (e) {
          out.push(isPayqueryError(e) ? [e.code, e.field, e.message].join(' | ') : 'raw ' + e);
        }
      }
      console.log(JSON.stringify(out));
    });`;
  const { merchant_private_key_pem: _key, ...keyless } = wechatpay;
  const child = spawnSync(process.execPath, ['-e', script, JSON.stringify(keyless), fifo, '/dev/zero', dir], {
    encoding: 'utf8',
    timeout: 20_000,
  });
  assert.equal(child.signal, null, `the child hung on the FIFO: ${child.stderr}`);
  const out = JSON.parse(child.stdout);
  assert.equal(out.length, 6);
  for (const [i, line] of out.entries()) {
    const field = i % 2 === 0 ? 'merchant_private_key_path' : 'path';
    assert.match(line, new RegExp(`^INVALID_CONFIG \\| ${field} \\| .*not a regular file`), line);
  }
});

test('a *_path key no provider takes is an unknown key, refused before any file is read', () => {
  const dir = mkdtempSync(join(tmpdir(), 'payquery-paths-'));
  const real = join(dir, 'real.txt');
  writeFileSync(real, 'some text');
  const missing = join(dir, 'missing.pem');
  const { wechatpay_public_key_pem: _pub, ...withoutPublicKey } = wechatpay;
  for (const [config, field] of [
    [{ ...configs.fubei, foo_path: real }, 'foo_path'],
    // A missing file: not read (that would be ENOENT), refused as the key it is.
    [{ ...configs.fubei, foo_path: missing }, 'foo_path'],
    [{ ...configs.mini, merchant_private_key_path: missing }, 'merchant_private_key_path'],
    // Beside a key the provider does take, given as a path, and inside a nested object.
    [{ ...withoutPublicKey, wechatpay_public_key_path: missing, foo_path: missing }, 'foo_path'],
    [{ ...wechatpay, platform_certificates: [{ serial_no: '1', foo_path: missing }] }, 'platform_certificates[0].foo_path'],
  ]) {
    const error = assertCode(() => new Client(config), 'INVALID_CONFIG', field);
    const written = field.slice(field.lastIndexOf('.') + 1);
    assert.match(error.message, new RegExp(`unknown key \`${written}\``), error.message);
    assert.doesNotMatch(error.message, new RegExp(`${written.replace(/_path$/, '_pem')}|ENOENT|cannot read`), error.message);
  }
  // Path keys the provider takes are still read, relative to baseDir.
  writeFileSync(join(dir, 'pub.pem'), key('wechatpay_public_key.pem'));
  const client = new Client({ ...withoutPublicKey, wechatpay_public_key_path: 'pub.pem' }, { baseDir: dir });
  assert.equal(client.provider, 'wechatpay_edu_papay');
  const error = assertCode(() => new Client({ ...withoutPublicKey, wechatpay_public_key_path: 'missing.pem' }, { baseDir: dir }), 'INVALID_CONFIG', 'wechatpay_public_key_path');
  assert.match(error.message, /cannot read `wechatpay_public_key_path`.*ENOENT/);
});

test('an unknown option key is INVALID_INPUT naming it, in every method that takes options', async () => {
  const client = new Client(configs.fubei);
  const query = { merchant_order_sn: 'A1' };
  const response = { status: 200, headers: {}, body: '{}' };
  for (const [name, call] of [
    ['new Client', () => new Client(configs.fubei, { basedir: '.' })],
    ['buildQuery', () => client.buildQuery(query, { timeStamp: 1 })],
    ['prepareQuery', () => new Client(wechatpay).prepareQuery({ out_trade_no: 'A1' }, { nonse: 'x' })],
    ['parseQuery', () => client.parseQuery(response, { query, nw: 1 })],
    ['buildTokenRequest', () => new Client(configs.mini).buildTokenRequest({ kind: 'stable', force_refresh: true })],
    ['parseTokenResponse', () => new Client(configs.mini).parseTokenResponse(response, { Now: 1 })],
  ]) {
    const error = assertCode(call, 'INVALID_INPUT');
    assert.match(error.message, /^unknown option `\w+`/, `${name}: ${error.message}`);
  }
  const error = await client.buildQueryAsync(query, { signer: async () => 'x', singer: 1 }).catch((e) => e);
  assert.ok(isPayqueryError(error) && error.field === 'singer', `${error}`);
});

test('a NaN or Infinity in a config is refused, not read as the default', () => {
  for (const value of [NaN, Infinity, -Infinity]) {
    const error = assertCode(() => new Client({ ...wechatpay, max_response_bytes: value }), 'INVALID_CONFIG', 'max_response_bytes');
    assert.match(error.message, /finite/);
  }
  // A query too: INVALID_INPUT naming the member.
  assertCode(() => new Client({ provider: 'fubei', app_id: '1', app_secret: 's' }).buildQuery({ merchant_order_sn: NaN }), 'INVALID_INPUT', 'merchant_order_sn');
});

test('queryFromJson: JSON text stands for a query', () => {
  const client = new Client({ provider: 'fubei', app_id: '1', app_secret: 's' });
  const text = queryFromJson('{"merchant_order_sn":"A1"}');
  assert.equal(text, '{"merchant_order_sn":"A1"}');
  assert.equal(client.buildQuery(text, { timestamp: 1, nonce: 'n' }).url, client.buildQuery({ merchant_order_sn: 'A1' }, { timestamp: 1, nonce: 'n' }).url);
  assertCode(() => queryFromJson({}), 'INVALID_INPUT', 'query');
});

test('PendingRequest: parked as JSON, read back validated, finished', () => {
  const { merchant_private_key_pem: _key, ...keyless } = wechatpay;
  const client = new Client(keyless);
  const pending = client.prepareQuery({ out_trade_no: 'A1' }, { timestamp: 1_700_000_000, nonce: 'abc' });
  assert.equal(pending.stringToSign, 'GET\n/v3/edu-papay/transactions/out-trade-no/A1\n1700000000\nabc\n\n');
  assert.equal(pending.timestamp, 1_700_000_000n);
  const parked = JSON.stringify(pending);
  const restored = PendingRequest.fromJSON(parked);
  assert.equal(restored.stringToSign, pending.stringToSign);
  const tampered = JSON.parse(parked);
  tampered.nonce = 'abc",signature="X';
  assertCode(() => PendingRequest.fromJSON(tampered), 'INVALID_INPUT', 'nonce');
  tampered.nonce = 'abd';
  assertCode(() => PendingRequest.fromJSON(tampered), 'INVALID_INPUT', 'string_to_sign');
  assertCode(() => restored.finish('bm90IGEgc2lnbmF0dXJl'), 'INVALID_INPUT', 'signature');
  assertCode(() => restored.finish(5), 'INVALID_INPUT', 'signature');
  assert.throws(() => new PendingRequest({}), TypeError);
  const md5 = new Client(configs.fubei);
  assertCode(() => md5.prepareQuery({ merchant_order_sn: 'A' }), 'INVALID_CONFIG');
});

/** tests/vectors/host_types.json: a tagged value as the JS value it stands for. */
function hostValue(value) {
  if (Array.isArray(value)) return value.map(hostValue);
  if (value === null || typeof value !== 'object') return value;
  switch (value.$) {
    case 'undefined':
      return undefined;
    case 'bytes':
      return new TextEncoder().encode(value.value);
    case 'float':
      return value.value;
    case 'unsafe_integer':
      return Number(value.value);
    case 'bigint':
      return BigInt(value.value);
    default:
      return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, hostValue(v)]));
  }
}

test('the shared host-type cases: every wrong JS type is the expected PayqueryError', () => {
  const { cases } = JSON.parse(readFileSync(join(VECTORS, 'host_types.json'), 'utf8'));
  let ran = 0;
  for (const { name, config, call, args: raw, expect } of cases) {
    if (!('js' in expect)) continue;
    const args = hostValue(raw);
    const client = new Client(config, { baseDir: VECTORS });
    const run = {
      build_query: () => client.buildQuery(args.query, { timestamp: args.timestamp, nonce: args.nonce }),
      parse_query: () => client.parseQuery(args.response, { query: args.query, now: args.now }),
      client: () => new Client(args.config),
      failover_request: () => client.failoverRequest(args.request),
      finish: () => client.prepareQuery({ out_trade_no: 'A1' }).finish(args.signature),
    }[call];
    if (expect.js === null) {
      run();
    } else {
      let threw;
      try {
        run();
      } catch (error) {
        threw = error;
      }
      assert.ok(isPayqueryError(threw), `${name}: expected ${expect.js}, got ${threw}`);
      assert.equal(threw.code, expect.js, `${name}: ${threw.message}`);
    }
    ran++;
    // The same client still answers a good request afterwards: the wasm instance is not poisoned.
    assert.ok(client.buildQuery(client.provider === 'fubei' ? QUERIES.fubei : { out_trade_no: 'A1' }), name);
  }
  assert.ok(ran >= 40, `${ran} host-type cases`);
});

const QUERIES = { fubei: { merchant_order_sn: 'A' } };

test('api_v3_key: exactly 32 bytes, else INVALID_CONFIG naming it and never echoing it', () => {
  for (const key of [...BAD_API_V3_KEYS, '', 32]) {
    for (const config of [{ ...wechatpay, api_v3_key: key }, JSON.stringify({ ...wechatpay, api_v3_key: key })]) {
      const error = assertCode(() => new Client(config), 'INVALID_CONFIG', 'api_v3_key');
      if (typeof key === 'string' && key !== '') {
        for (const shown of [error.message, error.stack, inspect(error), JSON.stringify(error)]) {
          assert.ok(!shown.includes(key), `the key is echoed: ${shown}`);
        }
      }
    }
  }
  assert.match(thrown(() => new Client({ ...wechatpay, api_v3_key: BAD_API_V3_KEYS[0] })).message, /16 bytes/);
  // The refresh interval: at least 60 s.
  assertCode(() => new Client({ ...configs.wechatpayAuto, certificate_refresh_s: 59 }), 'INVALID_CONFIG', 'certificate_refresh_s');
  assert.equal(new Client({ ...configs.wechatpayAuto, certificate_refresh_s: 60 }).provider, 'wechatpay_edu_papay');
  // Without a public key or platform certificates, the APIv3 key alone is a whole config.
  const { wechatpay_public_key_id: _id, wechatpay_public_key_pem: _pem, ...keyOnly } = configs.wechatpayAuto;
  assert.equal(new Client(keyOnly).provider, 'wechatpay_edu_papay');
  assertCode(() => new Client({ ...keyOnly, api_v3_key: undefined }), 'INVALID_CONFIG');
});

test('parseCertificates: argument types, and only for a client with api_v3_key', () => {
  const auto = new Client(configs.wechatpayAuto);
  const response = { status: 200, headers: {}, body: '{"data":[]}' };
  assertCode(() => auto.parseCertificates(response, { now: 2 ** 60 }), 'INVALID_INPUT', 'now');
  assertCode(() => auto.parseCertificates(response, { now: '1' }), 'INVALID_INPUT', 'now');
  assertCode(() => auto.parseCertificates(response, { nw: 1 }), 'INVALID_INPUT', 'nw');
  assertCode(() => auto.parseCertificates(null), 'INVALID_INPUT', 'response');
  assertCode(() => auto.parseCertificates({ ...response, body: 5 }), 'INVALID_INPUT', 'body');
  // An empty listing with a public key configured: a public-key-only merchant, no failure.
  assert.deepEqual(auto.parseCertificates(response, { now: 1_700_000_000n }), { certificates: [], attempts: [] });
  for (const config of [configs.wechatpay, configs.fubei]) {
    assertCode(() => new Client(config).parseCertificates(response), 'INVALID_CONFIG', 'api_v3_key');
  }
});
