import { Client, isPayqueryError, type HttpRequest, type QueryResult } from 'payquery';

// Config documents as the CLI takes them; `payquery sandbox --write-configs sandbox-configs`
// writes ones for the local sandbox. `*_path` keys are read relative to the file.
const client = await Client.fromConfigFile('sandbox-configs/wechatpay_edu_papay.json');
const query = { out_trade_no: 'EDU_PAID_001' };

async function send(request: HttpRequest) {
  const { method, url, headers, body } = request;
  const res = await fetch(url, { method, headers, body, signal: AbortSignal.timeout(10_000) });
  return { status: res.status, headers: res.headers, body: new Uint8Array(await res.arrayBuffer()) };
}

const request = client.buildQuery(query); // signed now, with a fresh CSPRNG nonce
let result: QueryResult;
try {
  result = client.parseQuery(await send(request), { query }); // verified, for this order only
} catch (error) {
  // A network failure or timeout (fetch throws a TypeError or a TimeoutError), or an answer that
  // says so, may be tried once on the provider's backup host; anything else is the answer.
  const backup = client.failoverRequest(request);
  if (backup === null || (isPayqueryError(error) && !error.backupHostApplies)) throw error;
  result = client.parseQuery(await send(backup), { query });
}

const { order } = result;
console.log(order.status, order.amount?.minor, order.amount?.currency, order.paidAt, result.signatureSerial);
// → PAID 888n CNY 2024-05-20T05:14:15Z PUB_KEY_ID_0119000000012025010100000000000001
