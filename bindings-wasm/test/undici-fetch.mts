// npm undici's own fetch (a proxy agent, a dispatcher) as `QueryOptions.fetch`, and a wrapper
// that drops the signal: compiled with @types/node (tsconfig.init-node.json).
import { Client, type QueryOptions, type QueryResult } from 'payquery';
import { fetch as undiciFetch } from '../tools/node_modules/undici/index.js';

const fubei = new Client({ provider: 'fubei', app_id: '1', app_secret: 's' });

export async function withUndici(): Promise<QueryResult<'fubei'>> {
  const options: QueryOptions = { fetch: undiciFetch };
  await fubei.query({ merchant_order_sn: 'A1' }, options);
  return fubei.query({ merchant_order_sn: 'A1' }, { fetch: (url, init) => undiciFetch(url, { method: init.method, headers: init.headers }) });
}
