// Real HTTP round trips with global fetch against `payquery sandbox` on 127.0.0.1: all five
// providers, every fault, access tokens, and a backup-host retry via failoverRequest.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, test } from 'node:test';

import { Client, isPayqueryError } from 'payquery';

import { send, startSandbox } from './support.mjs';

const PROVIDERS = [
  'wechat_mini_charge',
  'fubei',
  'wechatpay_edu_papay',
  'dingshang_vending',
  'wechatpay_payscore_oversea',
];
const FAULT_CODES = {
  rate_limit: 'RATE_LIMITED',
  system_error: 'PROVIDER_ERROR',
  truncated: 'DECODE_ERROR',
  bad_signature: 'SIGNATURE_INVALID',
  stale_timestamp: 'TIMESTAMP_SKEW',
};

let sandbox;
before(async () => {
  sandbox = await startSandbox();
});
after(async () => {
  await sandbox?.stop();
});

async function expectError(promise, code, message) {
  try {
    await promise;
  } catch (error) {
    assert.ok(isPayqueryError(error), `${message}: ${error}`);
    assert.equal(error.code, code, `${message}: ${error.message}`);
    return error;
  }
  assert.fail(`${message}: expected ${code}`);
}

async function roundTrip(client, query, extraHeaders = []) {
  const request = client.buildQuery(query);
  return client.parseQuery(await send(request, extraHeaders), { query });
}

test('every provider: build, fetch, verify and parse a PAID order', async () => {
  for (const provider of PROVIDERS) {
    const client = await Client.fromConfigFile(join(sandbox.configs, `${provider}.json`));
    assert.equal(client.provider, provider);
    const query = sandbox.read(`${provider}.query.json`);
    const result = await roundTrip(client, query);
    assert.equal(result.order.status, 'PAID', provider);
    assert.equal(result.order.provider, provider);
    assert.equal(typeof result.order.amount.minor, 'bigint');
    assert.ok(result.detail && typeof result.detail === 'object');
    const signed = provider.startsWith('wechatpay_');
    assert.equal(result.signatureSerial, signed ? 'PUB_KEY_ID_0119000000012025010100000000000001' : null);
  }
});

test('int64 values above 2^53 arrive exactly, as bigints', async () => {
  const edu = await Client.fromConfigFile(join(sandbox.configs, 'wechatpay_edu_papay.json'));
  const big = await roundTrip(edu, { out_trade_no: 'EDU_BIG_AMOUNT_001' });
  assert.equal(big.order.amount.minor, 9007199254740993n);
  assert.equal(big.detail.amount.total, 9007199254740993n);
  const mini = await Client.fromConfigFile(join(sandbox.configs, 'wechat_mini_charge.json'));
  const order = await roundTrip(mini, { order_id: 'DD_BIG_PRICE_001' });
  assert.equal(order.detail.orderPrice, 9007199254740993n);
  const fubei = await Client.fromConfigFile(join(sandbox.configs, 'fubei.json'));
  const paid = await roundTrip(fubei, { merchant_order_sn: 'FB_PAID_001' });
  assert.deepEqual(paid.order.amount, { minor: 29n, currency: 'CNY' }, '0.29 yuan is 29 fen');
});

test('faults by header and by order id become the right PayqueryError codes', async () => {
  let checked = 0;
  for (const provider of PROVIDERS) {
    const client = await Client.fromConfigFile(join(sandbox.configs, `${provider}.json`));
    const query = sandbox.read(`${provider}.query.json`);
    const faults = sandbox.read(`${provider}.faults.json`);
    for (const [fault, code] of Object.entries(FAULT_CODES)) {
      if (!(fault in faults)) continue; // the signature faults apply to WeChat Pay only
      const header = await expectError(
        roundTrip(client, query, [['X-Payquery-Sandbox-Fault', fault]]),
        code,
        `${provider} header ${fault}`,
      );
      await expectError(roundTrip(client, faults[fault]), code, `${provider} id ${fault}`);
      if (fault === 'rate_limit' || fault === 'system_error') assert.equal(header.retryable, true);
      checked++;
    }
  }
  assert.equal(checked, 2 * 5 + 3 * 3);
});

test('unknown orders: verified ORDER_NOT_FOUND from WeChat Pay and Fubei', async () => {
  const edu = await Client.fromConfigFile(join(sandbox.configs, 'wechatpay_edu_papay.json'));
  const error = await expectError(roundTrip(edu, { out_trade_no: 'NO_SUCH|ORDER*1' }), 'ORDER_NOT_FOUND', 'edu');
  assert.equal(error.providerCode, 'NOT_FOUND');
  assert.equal(error.httpStatus, 404);
  const fubei = await Client.fromConfigFile(join(sandbox.configs, 'fubei.json'));
  await expectError(roundTrip(fubei, { merchant_order_sn: '不存在的订单' }), 'ORDER_NOT_FOUND', 'fubei');
});

test('access tokens: stable and classic tokens are issued and work', async () => {
  const client = await Client.fromConfigFile(join(sandbox.configs, 'wechat_mini_charge.json'));
  const config = sandbox.read('wechat_mini_charge.json');
  for (const kind of ['stable', 'classic']) {
    const request = client.buildTokenRequest({ kind });
    const token = client.parseTokenResponse(await send(request));
    assert.equal(token.expiresIn, 7200n);
    assert.equal(token.refreshAt, token.expiresAt - 300n);
    const withToken = new Client({ ...config, access_token: token.accessToken });
    const result = await roundTrip(withToken, { order_id: 'DD_PAID_001' });
    assert.equal(result.order.status, 'PAID');
  }
  const expired = new Client({ ...config, access_token: 'SANDBOX_EXPIRED_TOKEN_0001' });
  const error = await expectError(roundTrip(expired, { order_id: 'DD_PAID_001' }), 'TOKEN_EXPIRED', 'expired');
  assert.equal(error.providerCode, '42001');
});

test('backup host: a network failure and a SYSTEM_ERROR are retried via failoverRequest', async () => {
  // A client on WeChat Pay's real main host, and a fake network that routes both WeChat Pay
  // hosts to the sandbox, the main one only while it is "up". The host is not signed, so the
  // sandbox verifies the failover request's signature unchanged.
  const config = sandbox.read('wechatpay_edu_papay.json');
  delete config.base_url;
  delete config.backup_base_url;
  const client = new Client(config);
  const hosts = ['https://api.mch.weixin.qq.com', 'https://api2.mch.weixin.qq.com'];
  const network = { mainHostUp: false };
  const route = (request) => {
    const host = hosts.find((h) => request.url.startsWith(`${h}/`));
    if (host === undefined) throw new Error(`unexpected host: ${request.url}`);
    if (host === hosts[0] && !network.mainHostUp) throw new TypeError('fetch failed: ECONNREFUSED');
    return { ...request, url: sandbox.baseUrl + request.url.slice(host.length) };
  };
  const query = { out_trade_no: 'EDU_PAID_001' };
  const request = client.buildQuery(query);
  assert.ok(request.url.startsWith(`${hosts[0]}/`));
  const backup = client.failoverRequest(request);
  assert.ok(backup.url.startsWith(`${hosts[1]}/`));
  assert.deepEqual(backup.headers, request.headers, 'same signature: the host is not signed');
  assert.equal(client.failoverRequest(backup), null, 'failover happens once');

  // 1. The main host is unreachable: retry on the backup host.
  assert.throws(() => route(request), /ECONNREFUSED/);
  assert.equal(client.parseQuery(await send(route(backup)), { query }).order.status, 'PAID');

  // 2. The main host answers a signed 500 SYSTEM_ERROR: the error says the backup host applies.
  network.mainHostUp = true;
  const answer = await send(route(request), [['X-Payquery-Sandbox-Fault', 'system_error']]);
  const error = await expectError(
    Promise.resolve().then(() => client.parseQuery(answer, { query })),
    'PROVIDER_ERROR',
    'system_error',
  );
  assert.equal(error.backupHostApplies, true);
  assert.equal(error.retryable, true);
  assert.equal(client.parseQuery(await send(route(client.failoverRequest(request))), { query }).order.status, 'PAID');

  // A client on a custom base URL has no backup host unless its config names one.
  const { backup_base_url: backupBase, ...withoutBackup } = sandbox.read('wechatpay_edu_papay.json');
  const custom = new Client(withoutBackup);
  assert.equal(custom.failoverRequest(custom.buildQuery(query)), null);
  const named = await Client.fromConfigFile(join(sandbox.configs, 'wechatpay_edu_papay.json'));
  assert.ok(named.failoverRequest(named.buildQuery(query)).url.startsWith(`${backupBase}/`));
});

test('two-phase signing: an async signer (a KMS) produces the same request', async () => {
  const { createPrivateKey, sign } = await import('node:crypto');
  const { readFileSync } = await import('node:fs');
  const { VECTORS } = await import('./support.mjs');
  const key = createPrivateKey(readFileSync(join(VECTORS, 'keys', 'merchant_private_key.pem')));
  const config = sandbox.read('wechatpay_edu_papay.json');
  delete config.merchant_private_key_pem;
  const keyless = new Client(config);
  const query = { out_trade_no: 'EDU_PAID_001' };
  await expectError(Promise.resolve().then(() => keyless.buildQuery(query)), 'INVALID_CONFIG', 'no key');
  const request = await keyless.buildQueryAsync(query, {
    signer: async (message) => sign('sha256', Buffer.from(message), key).toString('base64'),
  });
  const result = keyless.parseQuery(await send(request), { query });
  assert.equal(result.order.status, 'PAID');
});
