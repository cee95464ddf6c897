// Notifications as the providers send them, built here with node:crypto (an implementation
// independent of payquery's): WeChat Pay's signed envelope with its AES-256-GCM resource, Fubei's
// MD5-signed form, the vending vendor's unsigned JSON. The keys are the sandbox's test keys.
import { createCipheriv, createHash, createPrivateKey, sign } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import { VECTORS } from './support.mjs';

const key = (name) => createPrivateKey(readFileSync(join(VECTORS, 'keys', name)));

/** The sandbox's platform certificate A and the key that signs as it. */
export const CERT_A = { serial: '7132D72A03E93CDDF8C03BBD1F37EEDF7C8D7F92', key: key('platform_cert_private_key.pem') };
/** Certificate B, which the sandbox lists after `POST /__sandbox/rotate`. */
export const CERT_B = { serial: '3D1A6C2F7B5E4A09C8D2E1F0A3B4C5D6E7F80912', key: key('platform_cert_next_private_key.pem') };
/** The sandbox's auto configs' APIv3 key and merchant. */
export const API_V3_KEY = 'PayquerySandboxApiV3Key000000001';
export const MCHID = '1900000109';

/** AES-256-GCM as WeChat Pay seals a resource: base64 of ciphertext ‖ 16-byte tag. */
export function seal(plaintext, { apiV3Key = API_V3_KEY, nonce = 'r2ZkD0Z6xHhN', aad = 'transaction' } = {}) {
  const cipher = createCipheriv('aes-256-gcm', Buffer.from(apiV3Key), Buffer.from(nonce));
  cipher.setAAD(Buffer.from(aad));
  return Buffer.concat([cipher.update(plaintext), cipher.final(), cipher.getAuthTag()]).toString('base64');
}

/** An edu-papay transaction as the notification's resource carries it. */
export function transaction(outTradeNo = 'EDU_PAID_001', overrides = {}) {
  return {
    sp_mchid: MCHID,
    appid: 'wx8888888888888888',
    out_trade_no: outTradeNo,
    transaction_id: '4200000000202405200000000001',
    trade_state: 'SUCCESS',
    trade_state_description: '支付成功',
    success_time: '2024-05-20T13:14:15+08:00',
    payer: { openid: 'oUpF8uMuAJOM2pxb1Q' },
    amount: { total: 888, payer_total: 888, currency: 'CNY' },
    ...overrides,
  };
}

/** The envelope's text around a sealed resource (`resource` members may be overridden). */
export function envelope({ id = 'EV-2024052000000001', eventType = 'TRANSACTION.SUCCESS', plaintext, apiV3Key, resource = {} } = {}) {
  const text = plaintext ?? JSON.stringify(transaction());
  return JSON.stringify({
    id,
    create_time: '2024-05-20T13:14:16+08:00',
    resource_type: 'encrypt-resource',
    event_type: eventType,
    summary: '支付成功',
    resource: {
      original_type: 'transaction',
      algorithm: 'AEAD_AES_256_GCM',
      ciphertext: seal(text, { apiV3Key }),
      associated_data: 'transaction',
      nonce: 'r2ZkD0Z6xHhN',
      ...resource,
    },
  });
}

/**
 * A WeChat Pay notification: `body` (text or bytes) signed as `TS\nNONCE\nBODY\n` with the
 * certificate's key. `now` in Unix seconds.
 */
export function wechatPayNotification(body, { cert = CERT_A, now = Math.floor(Date.now() / 1000), nonce = 'Gc7HtkRXjf9xCdBnZhL2Pq0aWs5e1Nv3' } = {}) {
  const bytes = typeof body === 'string' ? Buffer.from(body) : Buffer.from(body);
  const message = Buffer.concat([Buffer.from(`${now}\n${nonce}\n`), bytes, Buffer.from('\n')]);
  return {
    method: 'POST',
    headers: [
      ['Content-Type', 'application/json'],
      ['Request-ID', '08F78BB5AF0610D302A6DE8C0A'],
      ['Wechatpay-Nonce', nonce],
      ['Wechatpay-Serial', cert.serial],
      ['Wechatpay-Signature', sign('sha256', message, cert.key).toString('base64')],
      ['Wechatpay-Signature-Type', 'WECHATPAY2-SHA256-RSA2048'],
      ['Wechatpay-Timestamp', String(now)],
    ],
    body: bytes,
  };
}

/** Fubei's result form: every field but `sign` signed (keys sorted, empty values kept). */
export function fubeiNotification(appSecret, data, { resultCode = '200', resultMessage = '成功', extra = '' } = {}) {
  const fields = { data: JSON.stringify(data), result_code: resultCode, result_message: resultMessage };
  const signed = Object.keys(fields)
    .sort()
    .map((k) => `${k}=${fields[k]}`)
    .join('&');
  const signature = createHash('md5').update(signed + appSecret, 'utf8').digest('hex').toUpperCase();
  const form = new URLSearchParams({ ...fields, sign: signature }).toString() + extra;
  return { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: Buffer.from(form) };
}

/** A Fubei pay result for an order. */
export function fubeiPayResult(merchantOrderSn = 'FB_PAID_001') {
  return {
    order_sn: '20240520000000000001',
    merchant_order_sn: merchantOrderSn,
    order_status: 'SUCCESS',
    total_amount: 0.29,
    net_amount: 0.29,
    buyer_pay_amount: 0.29,
    fee: 0,
    pay_type: 'wxpay',
    finish_time: '20240520131415',
  };
}

/** The vending vendor's (unsigned) delivery callback. */
export function vendingNotification(orderId = 1001, recordId = 70) {
  const body = JSON.stringify({ method: 'device.delivery.response', order_id: orderId, record_id: recordId, deliver_status: '1', floor_status: '0' });
  return { method: 'POST', headers: new Headers({ 'Content-Type': 'application/json' }), body: new TextEncoder().encode(body) };
}
