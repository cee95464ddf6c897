import { Client } from 'payquery';

// Config documents as the CLI takes them; `payquery sandbox --write-configs sandbox-configs`
// writes ones for the local sandbox. `*_path` keys are read relative to the file.
const client = await Client.fromConfigFile('sandbox-configs/wechatpay_edu_papay.json');

// Signed, sent with fetch, verified, for this order only; failed over, retried and waited on as
// payquery's policy says. A failure is a PayqueryError carrying every attempt.
const result = await client.query({ out_trade_no: 'EDU_PAID_001' }, { timeoutMs: 10_000 });

const { order } = result;
console.log(order.status, order.amount?.minor, order.amount?.currency, order.paidAt, result.signatureSerial);
// → PAID 888n CNY 2024-05-20T05:14:15Z PUB_KEY_ID_0119000000012025010100000000000001
