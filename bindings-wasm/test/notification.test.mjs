// Provider notifications through the npm package: checkNotification (sans-IO) and
// handleNotification (the query's driver: a WeChat Pay serial not held yet is downloaded once,
// from the sandbox over real HTTP), every bad input a web server can hand over — each a
// PayqueryError carrying the exact reply to send, with no secret anywhere — and the README
// recipes (node:http, Express, a Redis dedupe) run as written.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { inspect } from 'node:util';

import { Client, isPayqueryError } from 'payquery';

import {
  API_V3_KEY,
  CERT_A,
  CERT_B,
  MCHID,
  envelope,
  fubeiNotification,
  fubeiPayResult,
  seal,
  transaction,
  vendingNotification,
  wechatPayNotification,
} from './notify-support.mjs';
import { ROOT, VECTORS, startSandbox } from './support.mjs';

const here = fileURLToPath(new URL('.', import.meta.url));
// The glue instance the ES module entry runs on (as memory.test.mjs reads it).
const native = await import('../pkg/native/payquery_wasm.mjs');

/** Every credential in the configs used here: none may show in an error or a reply. */
const FUBEI_SECRET = 'sandbox-fubei-app-secret';
const SECRETS = [API_V3_KEY, FUBEI_SECRET, 'MIIEvwIBADANBgkqhkiG9w0BAQEFAASCBKkwggSlAgEAAoIBAQDCu2TbjS4xhZII'];

/** A WeChat Pay client holding certificate A (no download needed), with the sandbox's key. */
function wechatPay(extra = {}) {
  return new Client(
    {
      provider: 'wechatpay_edu_papay',
      mchid: MCHID,
      merchant_serial_no: '5157F09EFDC096DE15EBE81A47057A7232F1B8E1',
      merchant_private_key_path: 'keys/merchant_private_key.pem',
      platform_certificates: [{ serial_no: CERT_A.serial, certificate_path: 'keys/platform_certificate.pem' }],
      api_v3_key: API_V3_KEY,
      ...extra,
    },
    { baseDir: VECTORS },
  );
}

const fubei = () => new Client({ provider: 'fubei', app_id: '20240101000000000001', app_secret: FUBEI_SECRET });

/** No secret in what a program logs of an error: message, stack, inspect, JSON, the reply. */
function assertNoSecret(error, label) {
  const shown = [error.message, error.stack, inspect(error, { depth: 8, showHidden: true }), JSON.stringify(error), JSON.stringify(error.reply)];
  for (const secret of SECRETS) {
    for (const text of shown) assert.ok(!String(text).includes(secret), `${label}: a secret shows: ${text}`);
  }
}

/** The PayqueryError `fn` throws (or its promise rejects with). */
async function refusal(fn) {
  try {
    await fn();
  } catch (error) {
    assert.ok(isPayqueryError(error), `not a PayqueryError: ${error?.stack ?? error}`);
    return error;
  }
  assert.fail('expected a PayqueryError');
}

/**
 * A WeChat Pay failure reply: the status, FAIL JSON naming the code (the reason stays in the
 * error); a 500 names no cause, only SYSTEM_ERROR ("try later").
 */
function assertWechatPayReply(reply, status, code) {
  assert.deepEqual(reply, {
    status,
    headers: [['Content-Type', 'application/json; charset=utf-8']],
    body: JSON.stringify({ code: 'FAIL', message: status === 500 ? 'SYSTEM_ERROR' : code }),
  });
}

const replace = (request, name, value) => ({ ...request, headers: request.headers.map(([n, v]) => [n, n === name ? value : v]) });

describe('checkNotification (sans-IO)', () => {
  const now = 1_716_182_056;

  test('a WeChat Pay transaction: verified, decrypted, normalized; 204; bigints for 64-bit members', () => {
    const client = wechatPay();
    const { notification, reply, attempts } = client.checkNotification(wechatPayNotification(envelope(), { now }), { now });
    assert.deepEqual(reply, { status: 204, headers: [], body: '' });
    assert.deepEqual(attempts, []);
    assert.equal(notification.provider, 'wechatpay_edu_papay');
    assert.equal(notification.verified, true);
    assert.equal(notification.id, 'EV-2024052000000001');
    assert.equal(notification.eventType, 'TRANSACTION.SUCCESS');
    assert.equal(notification.signatureSerial, CERT_A.serial);
    assert.equal(notification.confirmQuery, null);
    assert.deepEqual(notification.order, {
      provider: 'wechatpay_edu_papay',
      providerOrderId: '4200000000202405200000000001',
      merchantOrderNo: 'EDU_PAID_001',
      status: 'PAID',
      rawStatus: 'SUCCESS',
      amount: { minor: 888n, currency: 'CNY' },
      paidAmount: { minor: 888n, currency: 'CNY' },
      paidAt: '2024-05-20T05:14:15Z',
      createdAt: null,
      flags: [],
    });
    assert.equal(notification.detail.kind, 'transaction');
    assert.equal(notification.detail.transaction.amount.total, 888n);
    assert.equal(notification.detail.transaction.out_trade_no, 'EDU_PAID_001');
  });

  test('headers in every shape a server has: pairs, a Headers, a plain object (IncomingHttpHeaders)', () => {
    const client = wechatPay();
    const request = wechatPayNotification(envelope(), { now });
    const lower = Object.fromEntries(request.headers.map(([n, v]) => [n.toLowerCase(), v]));
    for (const headers of [request.headers, new Headers(request.headers), lower, new Map(request.headers)]) {
      assert.equal(client.checkNotification({ ...request, headers }, { now }).reply.status, 204);
    }
    // A Uint8Array or an ArrayBuffer as well as a Buffer.
    const body = new Uint8Array(request.body);
    assert.equal(client.checkNotification({ ...request, body }, { now }).reply.status, 204);
    assert.equal(client.checkNotification({ ...request, body: body.slice().buffer }, { now }).reply.status, 204);
  });

  test('ENTRUST and other events: a contract without an order, an unknown event as its JSON', () => {
    const client = wechatPay();
    const contract = { appid: 'wx8888888888888888', openid: 'o1', plan_id: '123', contract_information: { contract_id: 'C1', contract_status: 'ADD', create_time: '2024-05-20T13:14:15+08:00' } };
    const signing = client.checkNotification(wechatPayNotification(envelope({ eventType: 'ENTRUST.SIGNING', plaintext: JSON.stringify(contract) }), { now }), { now });
    assert.equal(signing.notification.order, null);
    assert.equal(signing.notification.detail.kind, 'contract');
    assert.equal(signing.notification.detail.contract.contract_id, 'C1');
    const text = '{"mchid":"1900000109","whatever":[1,2]}';
    const other = client.checkNotification(wechatPayNotification(envelope({ eventType: 'SOMETHING.NEW', plaintext: text }), { now }), { now });
    assert.deepEqual(other.notification.detail, { kind: 'other', json: text });
  });

  test('an unknown serial is refused with 500 (sent again later), never downloaded', async () => {
    const client = new Client(readSandboxLike(), { baseDir: VECTORS });
    const error = await refusal(() => client.checkNotification(wechatPayNotification(envelope(), { now, cert: CERT_B }), { now }));
    assert.equal(error.code, 'SIGNATURE_INVALID');
    assert.equal(error.field, 'Wechatpay-Serial');
    assertWechatPayReply(error.reply, 500, 'SIGNATURE_INVALID');
    assert.deepEqual(error.attempts, []);
  });

  test("handleNotification answers within the provider's 5 s by default: a download that hangs is cut at 3 s", async () => {
    const client = new Client(readSandboxLike(), { baseDir: VECTORS });
    // A fetch that never answers (nor honours its signal): the driver gives up at the timeout.
    const hang = () => new Promise(() => {});
    const started = Date.now();
    const error = await refusal(() => client.handleNotification(wechatPayNotification(envelope()), { fetch: hang }));
    assert.ok(Date.now() - started < 10_000, 'not the 10 s query default');
    assert.equal(error.code, 'SIGNATURE_INVALID');
    assertWechatPayReply(error.reply, 500, 'SIGNATURE_INVALID');
    assert.deepEqual(error.attempts.map((a) => [a.purpose, a.error, a.transport]), [['certificates', 'NETWORK_ERROR', 'timeout']]);
    assert.ok(error.attempts[0].durationMs < 4_000, `${error.attempts[0].durationMs} ms`);
  });

  test('Fubei: an MD5-signed form, money as exact fen; SUCCESS as text/plain', () => {
    const { notification, reply } = fubei().checkNotification(fubeiNotification(FUBEI_SECRET, fubeiPayResult()), { now });
    assert.deepEqual(reply, { status: 200, headers: [['Content-Type', 'text/plain; charset=utf-8']], body: 'SUCCESS' });
    assert.equal(notification.id, 'fubei:pay:20240520000000000001:SUCCESS');
    assert.equal(notification.order.status, 'PAID');
    assert.deepEqual(notification.detail.total_amount, { minor: 29n, currency: 'CNY' });
    assert.equal(notification.detail.result_code, '200');
  });

  test('vending: unsigned, so verified false and a confirmQuery', () => {
    const client = new Client({ provider: 'dingshang_vending', base_url: 'https://v.example', appid: 'a', app_secret: 's', sign_key: 'k' });
    const { notification, reply } = client.checkNotification(vendingNotification(54, 70), { now });
    assert.equal(notification.verified, false);
    assert.equal(notification.id, 'dingshang:delivery:54:70:1');
    assert.equal(notification.confirmQuery, '{"order_id":"54"}');
    assert.equal(reply.status, 200);
  });

  test('notificationRetryReply: what makes each provider send again', () => {
    assertWechatPayReply(wechatPay().notificationRetryReply(), 500, 'NETWORK_ERROR');
    assert.deepEqual(fubei().notificationRetryReply(), { status: 500, headers: [['Content-Type', 'text/plain; charset=utf-8']], body: 'FAIL' });
  });
});

/** A WeChat Pay config without platform certificates (as the sandbox's auto config). */
function readSandboxLike() {
  return {
    provider: 'wechatpay_edu_papay',
    mchid: MCHID,
    merchant_serial_no: '5157F09EFDC096DE15EBE81A47057A7232F1B8E1',
    merchant_private_key_path: 'keys/merchant_private_key.pem',
    api_v3_key: API_V3_KEY,
    base_url: 'http://127.0.0.1:9',
  };
}

describe('bad inputs: a typed error, the right reply, no secret — both entry points', () => {
  // Each row: what a server may hand over, built for Unix time `now`.
  const TEN_MB = 10 * 1024 * 1024;
  const wechatRows = [
    ['a tampered body', (now) => {
      const request = wechatPayNotification(envelope(), { now });
      return { ...request, body: Buffer.from(request.body.toString().replace('"TRANSACTION.SUCCESS"', '"TRANSACTION.FAIL"')) };
    }, 'SIGNATURE_INVALID', 'Wechatpay-Signature', 401],
    ['the same JSON re-ordered (what a parsed body becomes)', (now) => {
      const request = wechatPayNotification(envelope(), { now });
      const reordered = Object.fromEntries(Object.entries(JSON.parse(request.body)).reverse());
      return { ...request, body: Buffer.from(JSON.stringify(reordered)) };
    }, 'SIGNATURE_INVALID', 'Wechatpay-Signature', 401],
    ['a header missing', (now) => {
      const request = wechatPayNotification(envelope(), { now });
      return { ...request, headers: request.headers.filter(([n]) => n !== 'Wechatpay-Signature') };
    }, 'SIGNATURE_INVALID', 'Wechatpay-Signature', 401],
    ['a header doubled', (now) => {
      const request = wechatPayNotification(envelope(), { now });
      return { ...request, headers: [...request.headers, ['wechatpay-timestamp', String(now)]] };
    }, 'SIGNATURE_INVALID', 'Wechatpay-Timestamp', 401],
    ["WeChat Pay's signature probe", (now) => {
      const request = wechatPayNotification(envelope(), { now });
      return replace(request, 'Wechatpay-Signature', `WECHATPAY/SIGNTEST/${'A'.repeat(40)}`);
    }, 'SIGNATURE_INVALID', 'Wechatpay-Signature', 401],
    ['stale (301 s old)', (now) => wechatPayNotification(envelope(), { now: now - 301 }), 'TIMESTAMP_SKEW', 'Wechatpay-Timestamp', 401],
    ['from the future (301 s ahead)', (now) => wechatPayNotification(envelope(), { now: now + 301 }), 'TIMESTAMP_SKEW', 'Wechatpay-Timestamp', 401],
    ['sealed with another APIv3 key', (now) => wechatPayNotification(envelope({ apiV3Key: 'AnotherApiV3Key00000000000000001' }), { now }), 'DECRYPT_ERROR', 'resource.ciphertext', 400],
    ['a ciphertext cut short', (now) => {
      const sealed = Buffer.from(seal(JSON.stringify(transaction())), 'base64');
      return wechatPayNotification(envelope({ resource: { ciphertext: sealed.subarray(0, sealed.length - 5).toString('base64') } }), { now });
    }, 'DECRYPT_ERROR', 'resource.ciphertext', 400],
    ['another algorithm', (now) => wechatPayNotification(envelope({ resource: { algorithm: 'AEAD_AES_128_GCM' } }), { now }), 'DECODE_ERROR', 'resource.algorithm', 400],
    ['bytes that are not UTF-8', (now) => wechatPayNotification(Buffer.from([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x3a, 0x31, 0x7d]), { now }), 'DECODE_ERROR', 'body', 400],
    ['a 10 MB body', (now) => wechatPayNotification(Buffer.alloc(TEN_MB, 0x20), { now }), 'INVALID_INPUT', 'body', 400],
  ];

  for (const [label, build, code, field, status] of wechatRows) {
    test(`WeChat Pay: ${label}`, async () => {
      const client = wechatPay();
      const now = Math.floor(Date.now() / 1000);
      const checked = await refusal(() => client.checkNotification(build(now), { now }));
      // handleNotification, on the query's driver: nothing to download, the same outcome.
      const handled = await refusal(() => client.handleNotification(build(Math.floor(Date.now() / 1000)), { fetch: () => assert.fail('nothing is sent') }));
      for (const error of [checked, handled]) {
        assert.equal(error.code, code, `${label}: ${error.message}`);
        assert.equal(error.field, field, label);
        assertWechatPayReply(error.reply, status, code);
        assert.deepEqual(error.attempts, []);
        assertNoSecret(error, label);
      }
      assert.deepEqual(handled.reply, checked.reply, label);
      assert.deepEqual(JSON.parse(JSON.stringify(checked)).reply, checked.reply, 'toJSON shows the reply');
    });
  }

  test('a 10 MB body: its real size named, and no more than 256 KiB ever enters wasm memory', () => {
    const client = wechatPay();
    const now = Math.floor(Date.now() / 1000);
    // Warm up (the first cap-sized body may grow the memory once), then many more.
    assert.throws(() => client.checkNotification(wechatPayNotification(Buffer.alloc(300_000), { now }), { now }));
    const before = native.wasmMemoryBytes();
    for (let i = 0; i < 20; i++) {
      const error = (() => {
        try {
          client.checkNotification(wechatPayNotification(Buffer.alloc(TEN_MB), { now }), { now });
        } catch (e) {
          return e;
        }
      })();
      assert.equal(error.code, 'INVALID_INPUT');
      assert.match(error.message, /the notification body is 10485760 bytes; at most 262144 are read/);
      assertWechatPayReply(error.reply, 400, 'INVALID_INPUT');
    }
    assert.equal(native.wasmMemoryBytes(), before, 'wasm memory grew');
  });

  test('Fubei: a field doubled, data changed, bytes that are not UTF-8', async () => {
    const client = fubei();
    const request = fubeiNotification(FUBEI_SECRET, fubeiPayResult());
    const rows = [
      [{ ...request, body: Buffer.concat([request.body, Buffer.from('&result_code=200')]) }, 'INVALID_INPUT', 'result_code', 400],
      [{ ...request, body: Buffer.from(request.body.toString().replace('0.29', '2.90')) }, 'SIGNATURE_INVALID', 'sign', 401],
      [{ ...request, body: Buffer.concat([Buffer.from('attach='), Buffer.from([0xff, 0xfe]), Buffer.from('&'), request.body]) }, 'INVALID_INPUT', 'attach', 400],
    ];
    for (const [bad, code, field, status] of rows) {
      for (const error of [await refusal(() => client.checkNotification(bad)), await refusal(() => client.handleNotification(bad))]) {
        assert.equal(error.code, code, error.message);
        assert.equal(error.field, field);
        assert.deepEqual(error.reply, { status, headers: [['Content-Type', 'text/plain; charset=utf-8']], body: 'FAIL' });
        assertNoSecret(error, `fubei ${code}`);
      }
    }
  });

  test('a body that is not bytes is refused, telling to pass the raw bytes; its reply asks for the notification again', async () => {
    const client = wechatPay();
    const request = wechatPayNotification(envelope());
    const retry = client.notificationRetryReply();
    for (const body of [request.body.toString(), JSON.parse(request.body), null, undefined]) {
      for (const error of [await refusal(() => client.checkNotification({ ...request, body })), await refusal(() => client.handleNotification({ ...request, body }))]) {
        assert.equal(error.code, 'INVALID_INPUT');
        assert.equal(error.field, 'body');
        assert.match(error.message, /pass the raw bytes as received \(a Buffer or Uint8Array\)/);
        assert.deepEqual(error.reply, retry);
        assertNoSecret(error, 'body');
      }
    }
    // The request itself, the method, an option.
    for (const [bad, field] of [[null, 'request'], [{ ...request, method: undefined }, 'method']]) {
      const error = await refusal(() => client.handleNotification(bad));
      assert.equal(error.field, field);
      assert.deepEqual(error.reply, retry);
    }
    const error = await refusal(() => client.handleNotification(request, { maxAttempts: 2 }));
    assert.equal(error.field, 'maxAttempts');
    assert.deepEqual(error.reply, retry);
  });

  test('the Mini Program sends no notifications: INVALID_INPUT, 400', async () => {
    const mini = new Client({ provider: 'wechat_mini_charge', access_token: 't' });
    const error = await refusal(() => mini.checkNotification({ method: 'POST', headers: [], body: new Uint8Array(2) }));
    assert.equal(error.code, 'INVALID_INPUT');
    assert.equal(error.reply.status, 400);
  });
});

describe('against the sandbox', () => {
  let sandbox;
  before(async () => {
    sandbox = await startSandbox();
  });
  after(() => sandbox?.stop());
  const config = (name) => join(sandbox.configs, name);

  test('handleNotification downloads the certificates once for a serial it does not hold, then none', async () => {
    const client = await Client.fromConfigFile(config('wechatpay_edu_papay.auto.json'));
    const first = await client.handleNotification(wechatPayNotification(envelope()));
    assert.deepEqual(first.attempts.map((a) => [a.purpose, a.httpStatus]), [['certificates', 200]]);
    assert.equal(first.notification.signatureSerial, CERT_A.serial);
    assert.equal(first.notification.order.status, 'PAID');
    assert.deepEqual(first.reply, { status: 204, headers: [], body: '' });
    const second = await client.handleNotification(wechatPayNotification(envelope({ id: 'EV-2' })));
    assert.deepEqual(second.attempts, []);
    assert.equal(second.notification.id, 'EV-2');
  });

  test('Pay Score: the Global certificates, an authorisation event kept as its JSON', async () => {
    const client = await Client.fromConfigFile(config('wechatpay_payscore_oversea.auto.json'));
    const text = JSON.stringify({ mchid: MCHID, service_id: '2002000000000558128851361561536', openid: 'o1', authorization_code: 'A1' });
    const { notification, attempts } = await client.handleNotification(
      wechatPayNotification(envelope({ eventType: 'PAYSCORE.USER_OPEN_SERVICE', plaintext: text })),
    );
    assert.deepEqual(attempts.map((a) => a.purpose), ['certificates']);
    assert.ok(attempts[0].url.endsWith('/v3/global/certificates'), attempts[0].url);
    assert.deepEqual(notification.detail, { kind: 'other', json: text });
  });

  test('Fubei, then the vending callback confirmed with the signed query (confirmNotification)', async () => {
    const app = await Client.fromConfigFile(config('fubei.json'));
    const paid = await app.handleNotification(fubeiNotification(FUBEI_SECRET, fubeiPayResult()));
    assert.equal(paid.reply.body, 'SUCCESS');
    assert.equal(paid.notification.order.merchantOrderNo, 'FB_PAID_001');
    // A signed notification needs no confirmation.
    const error = await refusal(() => app.confirmNotification(paid.notification, {}));
    assert.equal(error.field, 'confirmQuery');

    const vending = await Client.fromConfigFile(config('dingshang_vending.json'));
    const { machine_no: machineNo, order_id: orderId } = sandbox.read('dingshang_vending.query.json');
    const { notification, reply } = await vending.handleNotification(vendingNotification(Number(orderId)));
    assert.equal(reply.status, 200);
    assert.equal(notification.verified, false);
    const confirmed = await vending.confirmNotification(notification, { machine_no: machineNo });
    assert.equal(confirmed.order.status, 'PAID');
    assert.equal(confirmed.order.providerOrderId, orderId);
    // The snake_case form (a notification read back from JSON) works the same.
    const again = await vending.confirmNotification({ confirm_query: notification.confirmQuery }, { machine_no: machineNo });
    assert.equal(again.order.status, 'PAID');
  });
});

test('rotation (a sandbox of its own): a new serial is downloaded once and verified; a client that downloaded within the minute answers 500', async () => {
  const sandbox = await startSandbox();
  try {
    const path = join(sandbox.configs, 'wechatpay_edu_papay.auto.json');
    const early = await Client.fromConfigFile(path);
    assert.equal((await early.handleNotification(wechatPayNotification(envelope()))).attempts.length, 1);
    assert.equal((await fetch(`${sandbox.baseUrl}/__sandbox/rotate`, { method: 'POST' })).status, 200);

    const fresh = await Client.fromConfigFile(path);
    const { notification, attempts } = await fresh.handleNotification(wechatPayNotification(envelope({ id: 'EV-B' }), { cert: CERT_B }));
    assert.deepEqual(attempts.map((a) => a.purpose), ['certificates']);
    assert.equal(notification.signatureSerial, CERT_B.serial);

    // The keeper downloads on demand once a minute per client: WeChat Pay sends it again later.
    const error = await refusal(() => early.handleNotification(wechatPayNotification(envelope({ id: 'EV-B' }), { cert: CERT_B })));
    assert.equal(error.code, 'SIGNATURE_INVALID');
    assert.equal(error.field, 'Wechatpay-Serial');
    assertWechatPayReply(error.reply, 500, 'SIGNATURE_INVALID');
    assertNoSecret(error, 'rotation');
  } finally {
    await sandbox.stop();
  }
});

describe('README recipes, run as written', () => {
  let sandbox;
  let cwd;
  before(async () => {
    sandbox = await startSandbox();
    cwd = mkdtempSync(join(tmpdir(), 'payquery-notify-'));
    cpSync(sandbox.configs, join(cwd, 'sandbox-configs'), { recursive: true });
    // express is a build-tools devDependency; the recipe imports it by name from here.
    const link = join(here, 'node_modules', 'express');
    if (!existsSync(link)) {
      mkdirSync(join(here, 'node_modules'), { recursive: true });
      symlinkSync(join(here, '..', 'tools', 'node_modules', 'express'), link);
    }
  });
  after(() => sandbox?.stop());

  test('README.md shows the recipes verbatim', () => {
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    for (const file of ['readme-notify-http.mjs', 'readme-notify-express.mjs', 'readme-notify-dedupe.mjs']) {
      assert.ok(readme.includes(`\`\`\`js\n${readFileSync(join(here, file), 'utf8')}\`\`\``), `README.md lacks bindings-wasm/test/${file} verbatim`);
    }
  });

  /** Starts a recipe program; resolves to `{ url, lines, stop }` once it listens. */
  async function serve(file) {
    const child = spawn(process.execPath, [join(here, file)], { cwd, env: { ...process.env, PORT: '0' }, stdio: ['ignore', 'pipe', 'inherit'] });
    const lines = [];
    const reader = createInterface({ input: child.stdout });
    const port = await new Promise((resolve, reject) => {
      child.once('exit', (code) => reject(new Error(`${file} exited with ${code}`)));
      reader.on('line', (line) => {
        const match = /^listening on (\d+)$/.exec(line);
        if (match) resolve(match[1]);
        else lines.push(line);
      });
    });
    const stop = () =>
      new Promise((done) => {
        child.removeAllListeners('exit');
        child.once('exit', done);
        child.kill();
      });
    return { url: `http://127.0.0.1:${port}`, lines, stop };
  }

  const post = (url, { headers, body }) => fetch(url, { method: 'POST', headers, body });

  test('node:http: the raw body in, the reply out; a refused notification gets its own', async () => {
    const server = await serve('readme-notify-http.mjs');
    try {
      let res = await post(`${server.url}/notify`, wechatPayNotification(envelope({ id: 'EV-HTTP-1' })));
      assert.equal(res.status, 204);
      assert.equal(await res.text(), '');
      const tampered = wechatPayNotification(envelope({ id: 'EV-HTTP-2' }));
      res = await post(`${server.url}/notify`, { ...tampered, body: Buffer.from(tampered.body.toString().replace('EV-HTTP-2', 'EV-HTTP-3')) });
      assert.equal(res.status, 401);
      assert.equal(res.headers.get('content-type'), 'application/json; charset=utf-8');
      assert.equal((await res.json()).code, 'FAIL');
      assert.deepEqual(server.lines, ['EV-HTTP-1 TRANSACTION.SUCCESS PAID']);
    } finally {
      await server.stop();
    }
  });

  test('Express with express.raw: a Fubei form verified as sent', async () => {
    const server = await serve('readme-notify-express.mjs');
    try {
      const request = fubeiNotification(FUBEI_SECRET, fubeiPayResult());
      let res = await post(`${server.url}/notify/fubei`, request);
      assert.equal(res.status, 200);
      assert.equal(await res.text(), 'SUCCESS');
      assert.match(res.headers.get('content-type'), /^text\/plain/);
      res = await post(`${server.url}/notify/fubei`, { ...request, body: Buffer.from(request.body.toString().replace('0.29', '0.30')) });
      assert.equal(res.status, 401);
      assert.equal(await res.text(), 'FAIL');
      assert.deepEqual(server.lines, ['fubei:pay:20240520000000000001:SUCCESS PAID 29n']);
    } finally {
      await server.stop();
    }
  });

  test("the sandbox's POST /__sandbox/notify, sent to the recipes: each kind gets its reply", async () => {
    const notify = async (body) => {
      const res = await fetch(`${sandbox.baseUrl}/__sandbox/notify`, { method: 'POST', body: JSON.stringify(body) });
      assert.equal(res.status, 200, JSON.stringify(body));
      return res.json();
    };
    const http = await serve('readme-notify-http.mjs');
    try {
      const rows = { ok: 204, probe: 401, stale: 401, tampered: 401, wrong_key: 400, unknown_serial: 500 };
      for (const [kind, status] of Object.entries(rows)) {
        const sent = await notify({ config: 'wechatpay_edu_papay.auto', order: 'EDU_PAID_001', to: `${http.url}/notify`, kind });
        assert.equal(sent.reply_status, status, `${kind}: ${sent.reply_body}`);
        if (status !== 204) assert.equal(JSON.parse(sent.reply_body).code, 'FAIL', kind);
      }
      // Only the genuine one was stored.
      assert.equal(http.lines.length, 1, http.lines.join('\n'));
      assert.match(http.lines[0], / TRANSACTION\.SUCCESS PAID$/);
    } finally {
      await http.stop();
    }
    const express = await serve('readme-notify-express.mjs');
    try {
      const sent = await notify({ config: 'fubei', order: 'FB_PAID_001', to: `${express.url}/notify/fubei`, kind: 'ok' });
      assert.deepEqual([sent.reply_status, sent.reply_body], [200, 'SUCCESS']);
      const tampered = await notify({ config: 'fubei', order: 'FB_PAID_001', to: `${express.url}/notify/fubei`, kind: 'tampered' });
      assert.deepEqual([tampered.reply_status, tampered.reply_body], [401, 'FAIL']);
      assert.equal(express.lines.length, 1, express.lines.join('\n'));
      assert.match(express.lines[0], / PAID \d+n$/);
    } finally {
      await express.stop();
    }
  });

  test('Redis dedupe on notification.id: a second delivery is acknowledged, not processed again', async (t) => {
    const url = process.env.PAYQUERY_REDIS_URL;
    // make node-test runs this file through tools/with-redis.sh; make node-matrix (other Node
    // lines, no Redis) leaves the Redis recipe to it, as it does redis-store.test.mjs.
    if (url === undefined) return t.skip('no Redis here (PAYQUERY_REDIS_URL): make node-test runs it');
    process.env.REDIS_URL = url;
    const { processOnce, redis } = await import('./readme-notify-dedupe.mjs');
    t.after(() => redis.quit());
    await redis.del(['notified:EV-DEDUPE-1', 'notified:EV-DEDUPE-2']);
    const client = await Client.fromConfigFile(join(sandbox.configs, 'wechatpay_edu_papay.auto.json'));
    const processed = [];
    /** The handler a server runs: verify, process once, reply (the retry reply if processing failed). */
    const deliver = async (request, work) => {
      const { notification, reply } = await client.handleNotification(request);
      try {
        await processOnce(notification, work);
        return reply;
      } catch {
        return client.notificationRetryReply();
      }
    };
    const request = wechatPayNotification(envelope({ id: 'EV-DEDUPE-1' }));
    const record = async (n) => processed.push(n.id);
    assert.equal((await deliver(request, record)).status, 204);
    // WeChat Pay sends it again (its reply was lost): acknowledged with the same reply, not processed.
    assert.equal((await deliver(request, record)).status, 204);
    assert.deepEqual(processed, ['EV-DEDUPE-1']);
    // Processing that fails asks for the notification again, and the next delivery processes it.
    const failing = wechatPayNotification(envelope({ id: 'EV-DEDUPE-2' }));
    assert.equal((await deliver(failing, () => Promise.reject(new Error('database down')))).status, 500);
    assert.equal((await deliver(failing, record)).status, 204);
    assert.deepEqual(processed, ['EV-DEDUPE-1', 'EV-DEDUPE-2']);
    assert.ok((await redis.ttl('notified:EV-DEDUPE-1')) > 86_000);
  });
});
