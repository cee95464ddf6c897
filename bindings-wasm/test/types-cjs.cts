// The CommonJS view of the package type-checks too (require condition, index.d.ts).
import payquery = require('payquery');

const client: payquery.Client = new payquery.Client({ provider: 'fubei', app_id: '1', app_secret: 's' });
const request: payquery.HttpRequest = client.buildQuery({ merchant_order_sn: 'A1' }, { timestamp: 1_700_000_000n });
const method: 'GET' | 'POST' = request.method;
const codes: readonly payquery.ErrorCode[] = payquery.ERROR_CODES;
const status: payquery.OrderStatus = 'PAID';
export { method, codes, status };
