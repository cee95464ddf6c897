// Mistakes the declarations must catch at compile time. Every `@ts-expect-error` line has to be
// an error: tsc fails on a directive with nothing to suppress, so a type that got looser fails
// make test. The unmarked lines next to them are the correct forms, which must compile.
import { Client, isPayqueryError, queryFromJson, type Money, type Notification, type NotificationReply, type OrderStatus, type QueryResult } from 'payquery';

const fubei = new Client({ provider: 'fubei', app_id: '1', app_secret: 's' });
const papay = new Client({
  provider: 'wechatpay_edu_papay',
  mchid: '1',
  merchant_serial_no: 'S',
  merchant_private_key_path: 'k.pem',
  wechatpay_public_key_id: 'PUB_KEY_ID_1',
  wechatpay_public_key_path: 'p.pem',
});

// @ts-expect-error a misspelt config key
new Client({ provider: 'fubei', app_id: '1', app_secret: 's', app_secert: 's' });
// @ts-expect-error a required config key left out
new Client({ provider: 'fubei', app_id: '1' });
// @ts-expect-error a provider that does not exist
new Client({ provider: 'alipay', app_id: '1', app_secret: 's' });
// @ts-expect-error a number where the config takes text
new Client({ provider: 'fubei', app_id: 1, app_secret: 's' });

fubei.buildQuery({ merchant_order_sn: 'A1' });
// @ts-expect-error a plain string is not a query (an order id passed where the query goes)
void fubei.query('ID');
// @ts-expect-error the same for building
fubei.buildQuery('A1');
void fubei.query(queryFromJson('{"merchant_order_sn":"A1"}'));
// @ts-expect-error a number for an order id
fubei.buildQuery({ merchant_order_sn: 1 });
// @ts-expect-error a WeChat Pay query given to a Fubei client
fubei.buildQuery({ out_trade_no: 'A1' });
fubei.buildQuery({ order_sn: 'F1', device_no: 'D1' });
// @ts-expect-error both order numbers: Fubei takes exactly one
fubei.buildQuery({ merchant_order_sn: 'A1', order_sn: 'F1' });
// @ts-expect-error neither order number
fubei.buildQuery({ device_no: 'D1' });
// @ts-expect-error a Fubei query given to a WeChat Pay client
papay.buildQuery({ merchant_order_sn: 'A1' });
// @ts-expect-error the vending machine's order id is text, so no host rounds it
new Client({ provider: 'dingshang_vending', base_url: 'https://v.example', appid: 'a', app_secret: 's', sign_key: 'k' }).buildQuery({ order_id: 54, machine_no: '16327129' });

export function narrowing(result: QueryResult): string {
  // @ts-expect-error a provider's detail member read before narrowing on `provider`
  void result.detail.trade_state;
  if (result.provider === 'wechatpay_edu_papay') return result.detail.trade_state;
  return result.order.rawStatus;
}

export function fromAClient(result: QueryResult<'fubei'>): bigint | undefined {
  // @ts-expect-error a Fubei client's detail is Fubei's answer
  void result.detail.transaction_id;
  // @ts-expect-error money is a bigint of minor units, never a float
  const yuan: number = result.order.amount?.minor;
  void yuan;
  return result.detail.total_fee?.minor;
}

export function statuses(status: OrderStatus, money: Money): string {
  // @ts-expect-error not an OrderStatus
  const wrong: OrderStatus = 'SUCCESS';
  void wrong;
  // @ts-expect-error an amount is a bigint of minor units
  const cash: Money = { minor: 100, currency: 'CNY' };
  void cash;
  return `${status} ${money.minor} ${money.currency}`;
}

export async function certificates(): Promise<bigint | undefined> {
  const { certificates: held, attempts } = await papay.downloadCertificates({ timeoutMs: 5_000 });
  // @ts-expect-error validity times are bigint Unix seconds, never a float
  const seconds: number | undefined = held[0]?.notAfter;
  void seconds;
  void attempts.filter((a) => a.purpose === 'certificates');
  // @ts-expect-error a download is never retried or polled: no `maxAttempts`
  void papay.downloadCertificates({ maxAttempts: 2 });
  // @ts-expect-error nor `poll`
  void papay.downloadCertificates({ poll: true });
  // @ts-expect-error `now` is Unix seconds as a number or bigint, not a Date
  papay.parseCertificates({ status: 200, body: '{}' }, { now: new Date() });
  return held[0]?.notBefore;
}

export async function notifications(headers: Headers, body: Uint8Array): Promise<bigint | undefined> {
  const { notification, reply } = await fubei.handleNotification({ method: 'POST', headers, body });
  const pairs: [string, string][] = reply.headers;
  void pairs;
  // @ts-expect-error the body is the raw bytes, never text (a provider signs the bytes)
  void fubei.handleNotification({ method: 'POST', headers, body: '{"a":1}' });
  // @ts-expect-error nor a parsed object
  void fubei.checkNotification({ method: 'POST', headers, body: { a: 1 } });
  // @ts-expect-error a notification is never polled
  void fubei.handleNotification({ method: 'POST', headers, body }, { poll: true });
  // @ts-expect-error money is a bigint of minor units, never a float
  const yuan: number | undefined = notification.detail.total_amount?.minor;
  void yuan;
  // @ts-expect-error camelCase, as Order: `eventType`
  void notification.event_type;
  return notification.detail.total_amount?.minor;
}

export function narrowNotice(notification: Notification): string | undefined {
  // @ts-expect-error a provider's notice read before narrowing on `provider`
  void notification.detail.kind;
  if (notification.provider === 'wechatpay_edu_papay') {
    // @ts-expect-error the transaction only once `kind` says so
    void notification.detail.transaction;
    if (notification.detail.kind === 'transaction') return notification.detail.transaction.trade_state;
  }
  return notification.confirmQuery ?? undefined;
}

export function refusedReply(error: unknown): NotificationReply {
  if (isPayqueryError(error) && error.reply !== null) return error.reply;
  // @ts-expect-error `reply` is null for an error that is no refused notification
  const reply: NotificationReply = isPayqueryError(error) ? error.reply : fubei.notificationRetryReply();
  return reply;
}
