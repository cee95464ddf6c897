// The declarations under `lib: ["es2022", "dom"]` without `dom.iterable` (a common browser-ish
// setup): the DOM's Headers and Response, typed without their iterators, still fit.
import { Client } from 'payquery';

const fubei = new Client({ provider: 'fubei', app_id: '1', app_secret: 's' });

export async function parse(res: Response): Promise<string> {
  const body = new Uint8Array(await res.arrayBuffer());
  const result = fubei.parseQuery({ status: res.status, headers: res.headers, body }, { query: { merchant_order_sn: 'A1' } });
  return result.order.status;
}

export async function query(): Promise<string> {
  const result = await fubei.query({ merchant_order_sn: 'A1' }, { fetch: (url, init) => fetch(url, init) });
  return result.order.status;
}
