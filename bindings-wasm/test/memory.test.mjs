// Nothing stays allocated in wasm after a call returns: a batch job's synchronous loop of
// builds and parses (where no finalizer ever runs) leaves the module's memory where the first
// 10k calls left it, whether or not it reads `detail`.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { Client } from 'payquery';

// The package's own wasm module (the same instance: require resolves the symlink to pkg/).
// The glue instance the ES module entry (what `import 'payquery'` loads) runs on.
const native = await import('../pkg/native/payquery_wasm.mjs');

test('300k Fubei build + parse calls in one synchronous loop: wasm memory and RSS stay flat', () => {
  const client = new Client({ provider: 'fubei', app_id: '20160922135339595387', app_secret: 'secret' });
  const query = { merchant_order_sn: 'FB_PAID_001' };
  const body = JSON.stringify({
    result_code: 200,
    result_message: '成功',
    data: { merchant_order_sn: 'FB_PAID_001', order_sn: '20240520000000000001', trade_state: 'SUCCESS', total_fee: 0.29, pay_time: 1716182055 },
  });
  const response = { status: 200, headers: [['Content-Type', 'application/json']], body };
  const round = (i) => {
    client.buildQuery(query);
    const result = client.parseQuery(response, { query });
    assert.equal(result.order.status, 'PAID');
    // Half of the rounds read the detail, half never touch it.
    if (i % 2 === 0) assert.equal(result.detail.trade_state, 'SUCCESS');
  };
  for (let i = 0; i < 10_000; i++) round(i);
  const wasmAfterWarmUp = native.wasmMemoryBytes();
  const rssAfterWarmUp = process.memoryUsage().rss;
  for (let i = 10_000; i < 300_000; i++) round(i);
  assert.equal(native.wasmMemoryBytes(), wasmAfterWarmUp, 'wasm memory grew after the first 10k calls');
  const grown = (process.memoryUsage().rss - rssAfterWarmUp) / 2 ** 20;
  // The leak this guards against grew RSS by 260 MB over these calls; garbage the JS side has
  // not collected yet is allowed for.
  assert.ok(grown < 48, `RSS grew ${grown.toFixed(1)} MB after the first 10k calls`);
});

test('notifications: 20k checks and 2k handled (each a flow) leave wasm memory where the first ones did', async () => {
  const { API_V3_KEY, CERT_A, MCHID, envelope, wechatPayNotification } = await import('./notify-support.mjs');
  const { VECTORS } = await import('./support.mjs');
  const client = new Client(
    {
      provider: 'wechatpay_edu_papay',
      mchid: MCHID,
      merchant_serial_no: '5157F09EFDC096DE15EBE81A47057A7232F1B8E1',
      merchant_private_key_path: 'keys/merchant_private_key.pem',
      platform_certificates: [{ serial_no: CERT_A.serial, certificate_path: 'keys/platform_certificate.pem' }],
      api_v3_key: API_V3_KEY,
    },
    { baseDir: VECTORS },
  );
  const request = wechatPayNotification(envelope());
  const tampered = { ...request, body: Buffer.from(request.body.toString().replace('SUCCESS', 'FAILED!')) };
  const round = (i) => {
    // Accepted and refused alike: the refusal's error and reply are plain JS values too.
    if (i % 2 === 0) assert.equal(client.checkNotification(request).reply.status, 204);
    else assert.equal((() => { try { client.checkNotification(tampered); } catch (e) { return e.reply.status; } })(), 401);
  };
  for (let i = 0; i < 2_000; i++) round(i);
  const wasmAfterWarmUp = native.wasmMemoryBytes();
  for (let i = 2_000; i < 20_000; i++) round(i);
  for (let i = 0; i < 2_000; i++) assert.equal((await client.handleNotification(request)).reply.status, 204);
  assert.equal(native.wasmMemoryBytes(), wasmAfterWarmUp, 'wasm memory grew after the first 2k notifications');
});
