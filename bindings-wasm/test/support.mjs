// Shared helpers for the npm package's tests: exact JSON reading, the shared vectors, the
// sandbox, and the mapping from the vectors' CLI-shaped expectations to the package's shape.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const VECTORS = join(ROOT, 'tests', 'vectors');
export const PAYQUERY_BIN = process.env.PAYQUERY_BIN ?? join(ROOT, 'target', 'debug', 'payquery');

/**
 * JSON.parse that keeps every integer exact: integers become BigInt when they are not safe
 * numbers (Node 20's JSON.parse has no access to the source text, and the vectors hold
 * 9007199254740993).
 */
export function parseJsonExact(text) {
  let i = 0;
  const fail = (why) => {
    throw new SyntaxError(`${why} at ${i}`);
  };
  const ws = () => {
    while (i < text.length && ' \t\n\r'.includes(text[i])) i++;
  };
  const value = () => {
    ws();
    const c = text[i];
    if (c === '{') {
      i++;
      const out = {};
      ws();
      if (text[i] === '}') return i++, out;
      for (;;) {
        ws();
        const key = string();
        ws();
        if (text[i++] !== ':') fail('expected :');
        out[key] = value();
        ws();
        if (text[i] === ',') i++;
        else if (text[i] === '}') return i++, out;
        else fail('expected , or }');
      }
    }
    if (c === '[') {
      i++;
      const out = [];
      ws();
      if (text[i] === ']') return i++, out;
      for (;;) {
        out.push(value());
        ws();
        if (text[i] === ',') i++;
        else if (text[i] === ']') return i++, out;
        else fail('expected , or ]');
      }
    }
    if (c === '"') return string();
    const literal = /^(?:true|false|null|-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?)/.exec(text.slice(i, i + 400));
    if (!literal) fail('unexpected token');
    i += literal[0].length;
    const token = literal[0];
    if (token === 'true') return true;
    if (token === 'false') return false;
    if (token === 'null') return null;
    if (/^-?\d+$/.test(token) && !Number.isSafeInteger(Number(token))) return BigInt(token);
    return Number(token);
  };
  const string = () => {
    if (text[i] !== '"') fail('expected a string');
    let j = i + 1;
    while (text[j] !== '"') j += text[j] === '\\' ? 2 : 1;
    const out = JSON.parse(text.slice(i, j + 1));
    i = j + 1;
    return out;
  };
  const out = value();
  ws();
  if (i !== text.length) fail('trailing text');
  return out;
}

/** Every vector file: `[{ file, doc }]`. */
export function vectorFiles() {
  return readdirSync(VECTORS)
    .filter((f) => f.endsWith('.json') && f !== 'host_types.json')
    .sort()
    .map((file) => ({ file, doc: parseJsonExact(readFileSync(join(VECTORS, file), 'utf8')) }));
}

/** A vector's response as parseQuery takes it (`body_base64` carries bytes that are not UTF-8). */
export function responseInput(response) {
  const { body_base64: b64, ...rest } = response;
  return b64 === undefined ? rest : { ...rest, body: new Uint8Array(Buffer.from(b64, 'base64')) };
}

/** Deep copy with every integer as a BigInt: the package's output convention. */
export function bigints(value) {
  if (typeof value === 'number' && Number.isInteger(value)) return BigInt(value);
  if (Array.isArray(value)) return value.map(bigints);
  if (value !== null && typeof value === 'object' && typeof value !== 'bigint') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, bigints(v)]));
  }
  return value;
}

const camel = (key) => key.replace(/_([a-z])/g, (_, c) => c.toUpperCase());

/** A vector's CLI-shaped order as the package's Order. */
export function expectedOrder(order) {
  const out = {};
  for (const [key, value] of Object.entries(order)) {
    out[camel(key)] = key === 'amount' || key === 'paid_amount' ? (value === null ? null : bigints(value)) : value;
  }
  return out;
}

/**
 * The package always checks that an answer is for the queried order (the query is required);
 * vectors without a query are answered for the order their expectation names, or for their
 * file's seed order when they expect an error, so the same check runs.
 */
export const SEED_IDS = {
  wechatpay_edu_papay: '201407033233368018',
  wechatpay_payscore_oversea: '1234323JKHDFE1243252',
  wechat_mini_charge: 'DD2981741311549200000',
  fubei: '201706011496325244549',
  dingshang_vending: '54',
};

export function queryFor(expect, provider) {
  const order = expect.order ?? {};
  const merchant = order.merchant_order_no ?? SEED_IDS[provider];
  const providers = order.provider_order_id ?? SEED_IDS[provider];
  switch (provider) {
    case 'wechatpay_edu_papay':
      return { out_trade_no: merchant };
    case 'wechatpay_payscore_oversea':
      return { service_id: '2002000000000558128851361561536', sub_mchid: '1900000109', out_order_no: merchant };
    case 'wechat_mini_charge':
      return { order_id: providers };
    case 'fubei':
      return { merchant_order_sn: merchant };
    case 'dingshang_vending':
      return { order_id: providers, machine_no: '16327129' };
    default:
      throw new Error(provider);
  }
}

/** The fields of a PayqueryError, CLI-named, for comparison with a vector's `expect.error`. */
export function errorFields(error) {
  return {
    code: error.code,
    field: error.field,
    provider_code: error.providerCode,
    provider_message: error.providerMessage,
    http_status: error.httpStatus,
    retryable: error.retryable,
    backup_host_applies: error.backupHostApplies,
  };
}

/** Starts `payquery sandbox` on a free port; returns `{ baseUrl, configs, stop }`. */
export async function startSandbox() {
  const configs = mkdtempSync(join(tmpdir(), 'payquery-sandbox-'));
  const child = spawn(PAYQUERY_BIN, ['sandbox', '--port', '0', '--write-configs', configs], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const lines = createInterface({ input: child.stdout });
  const baseUrl = await new Promise((resolveUrl, reject) => {
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`sandbox exited with ${code}`)));
    lines.once('line', (line) => {
      const match = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(line);
      if (match) resolveUrl(match[1]);
      else reject(new Error(`unexpected sandbox output: ${line}`));
    });
  });
  const stop = () =>
    new Promise((done) => {
      child.removeAllListeners('exit');
      child.once('exit', () => done());
      child.kill();
    });
  const read = (name) => parseJsonExact(readFileSync(join(configs, name), 'utf8'));
  return { baseUrl, configs, stop, read };
}

/** Sends a request descriptor with global fetch and returns the parseQuery input. */
export async function send(request, extraHeaders = []) {
  const response = await fetch(request.url, {
    method: request.method,
    headers: [...request.headers, ...extraHeaders],
    body: request.body,
  });
  return { status: response.status, headers: response.headers, body: new Uint8Array(await response.arrayBuffer()) };
}
