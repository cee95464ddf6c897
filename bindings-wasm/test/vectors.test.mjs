// Every shared vector (tests/vectors/*.json, read in place) through the npm package: the same
// bytes for every request, the same orders, details and error codes as the Rust core, with
// RSA on node:crypto. WeChat Pay signatures are also checked with crypto.verify directly.
import assert from 'node:assert/strict';
import { createPublicKey, verify } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';

import { Client, PendingRequest, isPayqueryError } from 'payquery';

import { VECTORS, bigints, errorFields, expectedOrder, queryFor, responseInput, vectorFiles } from './support.mjs';

const merchantPublicKey = createPublicKey(readFileSync(join(VECTORS, 'keys', 'merchant_public_key.pem')));
const decoder = new TextDecoder();

function outcome(fn) {
  try {
    return { value: fn() };
  } catch (error) {
    assert.ok(isPayqueryError(error), `not a PayqueryError: ${error?.stack ?? error}`);
    return { error };
  }
}

function assertError(name, error, expected) {
  assert.ok(error, `${name}: expected an error ${JSON.stringify(expected)}`);
  const actual = errorFields(error);
  for (const [key, want] of Object.entries(expected)) {
    if (key === 'message_contains') {
      assert.ok(error.message.includes(want), `${name}: the message lacks ${want}: ${error.message}`);
      continue;
    }
    assert.deepEqual(actual[key], want, `${name}: error.${key} (${error.message})`);
  }
}

function requestShape(request) {
  return {
    method: request.method,
    url: request.url,
    headers: request.headers,
    body: request.body === null ? null : decoder.decode(request.body),
  };
}

/** The Authorization signature verifies over the request's own canonical message. */
function checkWechatPaySignature(name, request) {
  const auth = new Map(request.headers).get('Authorization');
  if (!auth) return false;
  const fields = Object.fromEntries([...auth.matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1], m[2]]));
  const url = new URL(request.url);
  const body = request.body === null ? '' : decoder.decode(request.body);
  const message = `${request.method}\n${url.pathname}${url.search}\n${fields.timestamp}\n${fields.nonce_str}\n${body}\n`;
  assert.ok(
    verify('sha256', Buffer.from(message), merchantPublicKey, Buffer.from(fields.signature, 'base64')),
    `${name}: crypto.verify rejects the Authorization signature`,
  );
  return true;
}

const stats = { cases: 0, signaturesChecked: 0, certificates: 0, notifications: 0, notificationCases: 0 };

/** A vector's notification request as the package takes it: the body's raw bytes. */
function notificationInput(request) {
  const { body, body_base64: b64, ...rest } = request;
  return { ...rest, body: b64 === undefined ? new TextEncoder().encode(body) : new Uint8Array(Buffer.from(b64, 'base64')) };
}

/** A vector's notification (the core's JSON) as the package's Notification. */
function expectedNotification(notification) {
  return {
    provider: notification.provider,
    verified: notification.verified,
    id: notification.id,
    eventType: notification.event_type,
    order: notification.order === null ? null : expectedOrder(notification.order),
    detail: bigints(notification.detail),
    signatureSerial: notification.signature_serial,
    confirmQuery: notification.confirm_query,
  };
}

/** A vector's CLI-shaped platform certificate as the package's PlatformCertificate. */
function expectedCertificate(certificate) {
  return {
    serialNo: certificate.serial_no,
    notBefore: BigInt(certificate.not_before),
    notAfter: BigInt(certificate.not_after),
    certificatePem: certificate.certificate_pem,
  };
}

for (const { file, doc } of vectorFiles()) {
  test(`vectors: ${file}`, () => {
    const clients = new Map();
    const clientFor = (configName) => {
      if (!clients.has(configName)) {
        clients.set(configName, outcome(() => new Client(doc.configs[configName], { baseDir: VECTORS })));
      }
      return clients.get(configName);
    };
    for (const vector of doc.cases) {
      const name = `${file}: ${vector.name}`;
      const step = vector.build ?? vector.parse ?? vector.finish ?? vector.certificates ?? vector.notification;
      if (vector.notification) stats.notificationCases++;
      // A certificate parse merges into the client's set: each such case gets a fresh client.
      const made = vector.certificates
        ? outcome(() => new Client(doc.configs[vector.config], { baseDir: VECTORS }))
        : clientFor(vector.config);
      stats.cases++;
      if (made.error) {
        assertError(name, made.error, step.expect.error);
        continue;
      }
      const client = made.value;
      if (vector.finish) {
        const { pending, signature, expect } = vector.finish;
        const finished = outcome(() => PendingRequest.fromJSON(pending).finish(signature));
        assertError(name, finished.error, expect.error);
        continue;
      }
      if (vector.certificates) {
        const { now, expect } = vector.certificates;
        const parsed = outcome(() => client.parseCertificates(responseInput(vector.certificates.response), { now }));
        stats.certificates++;
        if (expect.error) {
          assertError(name, parsed.error, expect.error);
          continue;
        }
        assert.ok(!parsed.error, `${name}: ${parsed.error?.message}`);
        // The exact list, in the core's order (newest first); a parsed answer made no requests.
        assert.deepEqual(parsed.value, { certificates: expect.certificates.map(expectedCertificate), attempts: [] }, name);
        continue;
      }
      if (vector.notification) {
        // checkNotification: sans-IO, with the case's clock; the reply must match exactly,
        // accepted or refused.
        const { now, request, expect } = vector.notification;
        const checked = outcome(() => client.checkNotification(notificationInput(request), { now }));
        stats.notifications++;
        if (expect.error) {
          assertError(name, checked.error, expect.error);
          assert.deepEqual(checked.error.reply, expect.reply, `${name}: reply`);
          continue;
        }
        assert.ok(!checked.error, `${name}: ${checked.error?.message}`);
        assert.deepEqual(
          checked.value,
          { notification: expectedNotification(expect.notification), reply: expect.reply, attempts: [] },
          name,
        );
        continue;
      }
      if (vector.build) {
        const { query, timestamp, nonce, expect } = vector.build;
        const isToken = typeof query === 'object' && query !== null && 'token' in query && !('order_id' in query);
        const built = outcome(() =>
          isToken
            ? client.buildTokenRequest({ kind: query.token, forceRefresh: query.force_refresh ?? false })
            : client.buildQuery(query, { timestamp, nonce }),
        );
        if (expect.error) {
          assertError(name, built.error, expect.error);
          continue;
        }
        assert.ok(!built.error, `${name}: ${built.error?.message}`);
        const { string_to_sign: stringToSign, ...request } = expect;
        assert.deepEqual(requestShape(built.value), request, name);
        if (stringToSign !== undefined) {
          assert.equal(client.prepareQuery(query, { timestamp, nonce }).stringToSign, stringToSign, name);
        }
        if (checkWechatPaySignature(name, built.value)) stats.signaturesChecked++;
      } else {
        const { query, now, expect } = vector.parse;
        const response = responseInput(vector.parse.response);
        const isToken = query !== undefined && 'token' in query;
        const parsed = outcome(() =>
          isToken
            ? client.parseTokenResponse(response, { now })
            : client.parseQuery(response, { query: query ?? queryFor(expect, client.provider), now }),
        );
        if (expect.error) {
          assertError(name, parsed.error, expect.error);
          continue;
        }
        assert.ok(!parsed.error, `${name}: ${parsed.error?.message}`);
        if (isToken) {
          const { access_token: t } = expect;
          assert.deepEqual(
            { ...parsed.value },
            {
              accessToken: t.access_token,
              expiresIn: BigInt(t.expires_in),
              expiresAt: BigInt(t.expires_at),
              refreshAt: BigInt(t.refresh_at),
            },
            name,
          );
          continue;
        }
        assert.deepEqual(parsed.value.order, expectedOrder(expect.order), `${name}: order`);
        if ('detail' in expect) assert.deepEqual(parsed.value.detail, bigints(expect.detail), `${name}: detail`);
        if ('signature_serial' in expect) {
          assert.equal(parsed.value.signatureSerial, expect.signature_serial, `${name}: signatureSerial`);
        }
      }
    }
  });
}

test('vectors: every case ran, WeChat Pay signatures checked with crypto.verify', (t) => {
  t.diagnostic(`${stats.cases} cases, ${stats.certificates} certificate downloads, ${stats.notifications} notifications`);
  assert.ok(stats.cases >= 500, `${stats.cases} cases`);
  assert.ok(stats.signaturesChecked >= 3, `${stats.signaturesChecked} signatures`);
  assert.ok(stats.certificates >= 30, `${stats.certificates} certificate-download cases`);
  // Every notification case the vectors hold was checked (none before they landed).
  assert.equal(stats.notifications, stats.notificationCases);
});
