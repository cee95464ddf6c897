// `make bench`, Node part: the npm package (bindings-wasm/pkg, as built by `make npm`) against
// the floor (node:crypto's bare sign with a cached KeyObject; JSON.parse + crypto.verify) and the
// npm peer wechatpay-node-v3 building the same Authorization header. Paths compared with each
// other are measured round-robin in one process, so their ratio can be taken round by round.
// A WeChat Pay notification (the vectors' TRANSACTION.SUCCESS signed with the platform
// certificate) goes through client.checkNotification against its floor (JSON.parse, the signed
// message, crypto.verify, createDecipheriv('aes-256-gcm'), JSON.parse) and the peer's
// verifySign + decipher_gcm. Writes JSON rows to process.argv[2].
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { createDecipheriv, createPrivateKey, createPublicKey, sign, verify } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { createInterface } from 'node:readline';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';
import WechatPay from 'wechatpay-node-v3';
import { Client } from '../../bindings-wasm/pkg/index.mjs';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const VECTORS = join(ROOT, 'tests', 'vectors');
const ROUNDS = 15;

/** Times every path once per round (`iters` calls each), ROUNDS rounds, after a warm-up. */
function group(iters, paths) {
  for (const [, , fn] of paths) for (let i = 0; i < Math.min(iters, 100); i++) fn();
  const rows = paths.map(([id, label]) => ({ id, label, rounds_us: [] }));
  for (let r = 0; r < ROUNDS; r++) {
    paths.forEach(([, , fn], i) => {
      const start = process.hrtime.bigint();
      for (let n = 0; n < iters; n++) fn();
      rows[i].rounds_us.push(Number(process.hrtime.bigint() - start) / iters / 1000);
    });
  }
  return rows;
}

/** The async counterpart of `group`, for paths that do real HTTP. */
async function asyncGroup(iters, paths) {
  for (const [, , fn] of paths) for (let i = 0; i < 20; i++) await fn();
  const rows = paths.map(([id, label]) => ({ id, label, rounds_us: [] }));
  for (let r = 0; r < ROUNDS; r++) {
    for (const [i, [, , fn]] of paths.entries()) {
      const start = process.hrtime.bigint();
      for (let n = 0; n < iters; n++) await fn();
      rows[i].rounds_us.push(Number(process.hrtime.bigint() - start) / iters / 1000);
    }
  }
  return rows;
}

/** `payquery sandbox` (the debug CLI that `make build` made), with configs written for it. */
async function startSandbox() {
  const configs = mkdtempSync(join(tmpdir(), 'payquery-bench-'));
  const child = spawn(join(ROOT, 'target', 'debug', 'payquery'), ['sandbox', '--port', '0', '--write-configs', configs], {
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  const line = await new Promise((resolve) => createInterface({ input: child.stdout }).once('line', resolve));
  assert.match(line, /listening on/);
  return { configs, stop: () => child.kill() };
}

function vectorCase(file, prefix) {
  const doc = JSON.parse(readFileSync(join(VECTORS, file), 'utf8'));
  const found = doc.cases.find((c) => c.name.startsWith(prefix));
  return { config: doc.configs[found.config], step: found.build ?? found.parse ?? found.notification };
}

const fields = (auth) => Object.fromEntries([...auth.matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1], m[2]]));

const edu = vectorCase('wechatpay_edu_papay.json', 'build: seed example');
const client = new Client(edu.config, { baseDir: VECTORS });
const keyPem = readFileSync(join(VECTORS, 'keys', 'merchant_private_key.pem'));
const key = createPrivateKey(keyPem);
const message = Buffer.from(edu.step.expect.string_to_sign);
const { query, nonce } = edu.step;
const timestamp = BigInt(edu.step.timestamp);
const path = `/v3/edu-papay/transactions/out-trade-no/${query.out_trade_no}`;

// The peer, configured as its README shows (it wants a certificate only to read a serial number
// it is given here); its private key is the PEM, which it hands to node:crypto on every call.
const peer = new WechatPay({
  appid: 'wx8888888888888888',
  mchid: edu.config.mchid,
  serial_no: edu.config.merchant_serial_no,
  publicKey: readFileSync(join(VECTORS, 'keys', 'platform_certificate.pem')),
  privateKey: keyPem,
});
const peerAuthorization = (ts, n) =>
  `WECHATPAY2-SHA256-RSA2048 ${peer.getAuthorization(n, ts, peer.getSignature('GET', n, ts, path))}`;
// Both build the same Authorization for the same timestamp and nonce.
const ours = new Map(client.buildQuery(query, { timestamp, nonce }).headers).get('Authorization');
const theirs = peerAuthorization(String(timestamp), nonce);
assert.deepEqual(fields(ours), fields(theirs));
assert.equal(ours.split(' ')[0], theirs.split(' ')[0]);

const parse = vectorCase('wechatpay_edu_papay.json', 'parse: seed example').step;
const { headers, body: text } = parse.response;
const body = new TextEncoder().encode(text);
const publicKey = createPublicKey(readFileSync(join(VECTORS, 'keys', 'wechatpay_public_key.pem')));
const signed = Buffer.from(`${headers['Wechatpay-Timestamp']}\n${headers['Wechatpay-Nonce']}\n${text}\n`);
const signature = Buffer.from(headers['Wechatpay-Signature'], 'base64');
assert.ok(verify('sha256', signed, publicKey, signature));
const parseOptions = { query: { out_trade_no: '201407033233368018' }, now: 1_700_000_000n };
client.parseQuery({ status: 200, headers, body }, parseOptions);

// A notification: the vectors' edu-papay TRANSACTION.SUCCESS signed with the platform
// certificate, checked sans-IO (checkNotification: no download can happen, as in the floor).
const notify = vectorCase('wechatpay_edu_papay.json', 'notification: TRANSACTION.SUCCESS signed with the platform certificate');
const notifier = new Client(notify.config, { baseDir: VECTORS });
const notifyNow = BigInt(notify.step.now);
const notifyText = notify.step.request.body;
const notifyRequest = { method: 'POST', headers: notify.step.request.headers, body: new TextEncoder().encode(notifyText) };
const notifyHeaders = new Map(notify.step.request.headers);
const [notifyTs, notifyNonce, notifySignature, notifySerial] = ['Timestamp', 'Nonce', 'Signature', 'Serial'].map((n) =>
  notifyHeaders.get(`Wechatpay-${n}`),
);
const certificatePem = readFileSync(join(VECTORS, 'keys', 'platform_certificate.pem'), 'utf8');
const certificateKey = createPublicKey(certificatePem);
const apiV3Key = Buffer.from(notify.config.api_v3_key);
/** The floor: what a hand-written handler cannot skip, with node:crypto (which the package uses too). */
const notifyFloor = () => {
  const envelope = JSON.parse(notifyText);
  const message = Buffer.from(`${notifyTs}\n${notifyNonce}\n${notifyText}\n`);
  assert.ok(verify('sha256', message, certificateKey, Buffer.from(notifySignature, 'base64')));
  const { ciphertext, nonce: iv, associated_data: aad } = envelope.resource;
  const sealed = Buffer.from(ciphertext, 'base64');
  const decipher = createDecipheriv('aes-256-gcm', apiV3Key, iv);
  decipher.setAuthTag(sealed.subarray(sealed.length - 16));
  decipher.setAAD(Buffer.from(aad));
  return JSON.parse(Buffer.concat([decipher.update(sealed.subarray(0, sealed.length - 16)), decipher.final()]).toString('utf8'));
};
const notifyCheck = () => notifier.checkNotification(notifyRequest, { now: notifyNow });
assert.equal(notifyCheck().reply.status, 204);
assert.equal(notifyCheck().notification.order.status, 'PAID');
assert.equal(notifyFloor().out_trade_no, notifyCheck().notification.order.merchantOrderNo);
// The peer's handling as its README shows: verifySign (async; the certificate put where its
// own download would, keyed by serial, so it never downloads) and decipher_gcm, which parses the
// resource. It never calls decipher.final(), so it does not check the GCM tag.
WechatPay.certificates = { ...WechatPay.certificates, [notifySerial]: certificatePem };
const notifyPeer = async () => {
  const ok = await peer.verifySign({ timestamp: notifyTs, nonce: notifyNonce, body: notifyText, serial: notifySerial, signature: notifySignature });
  assert.ok(ok);
  const { resource } = JSON.parse(notifyText);
  return peer.decipher_gcm(resource.ciphertext, resource.associated_data, resource.nonce, notify.config.api_v3_key);
};
assert.equal((await notifyPeer()).out_trade_no, notifyFloor().out_trade_no);

const fubeiCase = vectorCase('fubei.json', 'build: seed request');
const fubei = new Client(fubeiCase.config);
const fubeiOptions = { timestamp: BigInt(fubeiCase.step.timestamp), nonce: fubeiCase.step.nonce };

const rows = [
  ...group(60, [
    ['sign_floor', 'crypto.sign RSA-2048 (bare, cached KeyObject)', () => sign('sha256', message, key)],
    ['build_edu', 'client.buildQuery edu-papay (given timestamp, nonce)', () => client.buildQuery(query, { timestamp, nonce })],
    ['build_edu_default', 'client.buildQuery edu-papay (clock + CSPRNG nonce)', () => client.buildQuery(query)],
    [
      'peer_build',
      'wechatpay-node-v3 getSignature + getAuthorization',
      () => peerAuthorization(String(Math.floor(Date.now() / 1000)), Math.random().toString(36).slice(2, 18)),
    ],
  ]),
  ...group(1000, [
    ['parse_floor', 'JSON.parse + crypto.verify (bare, cached KeyObject)', () => {
      JSON.parse(text);
      verify('sha256', signed, publicKey, signature);
    }],
    ['parse_edu', 'client.parseQuery edu-papay (verify, decode, normalize)', () => client.parseQuery({ status: 200, headers, body }, parseOptions)],
  ]),
  ...group(1000, [
    ['notify_floor', 'JSON.parse + crypto.verify + aes-256-gcm decipher + JSON.parse (bare, cached KeyObject)', notifyFloor],
    ['notify_check', 'client.checkNotification edu-papay TRANSACTION.SUCCESS (verify, decrypt, type, reply)', notifyCheck],
  ]),
  // Every path awaited, since the peer's verifySign is async (one microtask each, ~0.1 µs).
  ...(await asyncGroup(1000, [
    ['notify_floor_awaited', 'the notification floor, awaited', async () => notifyFloor()],
    ['notify_check_awaited', 'client.checkNotification, awaited', async () => notifyCheck()],
    ['peer_notify', 'wechatpay-node-v3 verifySign + decipher_gcm + JSON.parse, awaited', notifyPeer],
  ])),
  ...group(10_000, [
    ['build_fubei', 'client.buildQuery fubei (MD5)', () => fubei.buildQuery(fubeiCase.step.query, fubeiOptions)],
    ['noop_call', 'client.provider (one call across the boundary, no work)', () => fubei.provider],
  ]),
];

// The one-call query against hand-written build → fetch → parse: the same sandbox, the same
// HTTP client (global fetch), edu-papay (sign + verify), round-robin.
const sandbox = await startSandbox();
const live = await Client.fromConfigFile(join(sandbox.configs, 'wechatpay_edu_papay.json'));
const liveQuery = JSON.parse(readFileSync(join(sandbox.configs, 'wechatpay_edu_papay.query.json'), 'utf8'));
const byHand = async () => {
  const { method, url, headers: sent, body: payload } = live.buildQuery(liveQuery);
  const res = await fetch(url, { method, headers: sent, body: payload ?? undefined, signal: AbortSignal.timeout(10_000) });
  return live.parseQuery({ status: res.status, headers: res.headers, body: new Uint8Array(await res.arrayBuffer()) }, { query: liveQuery });
};
assert.equal((await live.query(liveQuery)).order.status, 'PAID');
assert.equal((await byHand()).order.status, 'PAID');
rows.push(
  ...(await asyncGroup(100, [
    ['query_by_hand', 'buildQuery → fetch → parseQuery, edu-papay, sandbox', byHand],
    ['query_flow', 'client.query (the one-call flow), edu-papay, sandbox', () => live.query(liveQuery)],
  ])),
);
sandbox.stop();

// Cold start: require('payquery') in a new process, minus `node -e 0`, interleaved round by round
// (the figure); and the .wasm compiled alone (new WebAssembly.Module on its bytes), the
// part of that start which only a smaller module shortens.
const launch = (code) => {
  const start = process.hrtime.bigint();
  execFileSync(process.execPath, ['-e', code]);
  return Number(process.hrtime.bigint() - start) / 1000;
};
const pkgPath = JSON.stringify(join(ROOT, 'bindings-wasm', 'pkg'));
const wasmPath = JSON.stringify(join(ROOT, 'bindings-wasm', 'pkg', 'native', 'payquery_wasm_bg.wasm'));
const cold = [
  { id: 'require_payquery', label: "require('payquery') − node -e 0 (µs, new process)", rounds_us: [] },
  { id: 'require_wasm_compile', label: 'new WebAssembly.Module(the .wasm) − node -e 0', rounds_us: [] },
];
for (let r = 0; r < ROUNDS; r++) {
  const bare = launch('0');
  cold[0].rounds_us.push(launch(`require(${pkgPath})`) - bare);
  cold[1].rounds_us.push(launch(`new WebAssembly.Module(require('fs').readFileSync(${wasmPath}))`) - bare);
}
rows.push(...cold);

const require = createRequire(import.meta.url);
const payqueryVersion = JSON.parse(readFileSync(join(ROOT, 'bindings-wasm', 'pkg', 'package.json'), 'utf8')).version;
const peerVersion = require('wechatpay-node-v3/package.json').version;
writeFileSync(process.argv[2], JSON.stringify({
  language: 'node',
  runtime: `Node ${process.version}, payquery ${payqueryVersion} (npm package, wasm + node:crypto), wechatpay-node-v3 ${peerVersion}`,
  rows,
}, null, 1));
for (const row of rows) {
  const median = [...row.rounds_us].sort((a, b) => a - b)[Math.floor(ROUNDS / 2)];
  console.log(`${row.id.padEnd(20)} ${row.label.padEnd(60)} ${median.toFixed(2).padStart(10)} µs`);
}
