// Type declarations for the npm package `payquery`.
//
// The 64-bit rule, once: every integer payquery *returns* that is 64-bit in its model is a
// `bigint` — money (`minor`), millisecond timestamps, int64 ids, counts and statuses inside
// `detail`, token times — so nothing above 2^53 ever loses a digit. Only HTTP statuses are
// `number`s. Integer *inputs* (`timestamp`, `now`) take a `bigint` or a safe-integer `number`;
// an unsafe `number` is refused with `INVALID_INPUT`.

/** The provider ids. */
export type ProviderId =
  | 'wechat_mini_charge'
  | 'fubei'
  | 'wechatpay_edu_papay'
  | 'dingshang_vending'
  | 'wechatpay_payscore_oversea';

/** The core's stable error codes. */
export type ErrorCode =
  | 'INVALID_INPUT'
  | 'INVALID_CONFIG'
  | 'SIGNATURE_INVALID'
  | 'TIMESTAMP_SKEW'
  | 'PROVIDER_ERROR'
  | 'RATE_LIMITED'
  | 'TOKEN_EXPIRED'
  | 'ORDER_NOT_FOUND'
  | 'DECODE_ERROR';

/** Every error code, in the core's order. */
export declare const ERROR_CODES: readonly ErrorCode[];

/** The unified order status (PROVIDERS.md §6). */
export type OrderStatus =
  | 'PENDING'
  | 'PAYING'
  | 'PAID'
  | 'REFUNDING'
  | 'REFUNDED'
  | 'CLOSED'
  | 'CANCELLED'
  | 'FAILED'
  | 'EXPIRED'
  | 'UNKNOWN';

/** Qualifiers of a status. */
export type OrderFlag = 'refund_failed' | 'pickup_code' | 'test_order';

/** An exact amount: integer minor units (fen, cents) of an ISO 4217 currency. */
export interface Money {
  minor: bigint;
  currency: string;
}

/** The normalized order. Times are RFC 3339 strings in UTC. */
export interface Order {
  provider: ProviderId;
  providerOrderId: string | null;
  merchantOrderNo: string | null;
  status: OrderStatus;
  /** The provider's own status value, verbatim (numbers as decimal text). */
  rawStatus: string;
  /** The total price; null when the provider did not state the amount and its currency. */
  amount: Money | null;
  /** What the payer paid; only in PAID, REFUNDING and REFUNDED. */
  paidAmount: Money | null;
  paidAt: string | null;
  createdAt: string | null;
  flags: OrderFlag[];
}

// ---- The providers' own responses (`QueryResult.detail`), field names as the provider sends
// them. Optional members are absent when the provider left them out.

export interface WechatPayGoodsDetail {
  goods_id: string;
  quantity?: bigint;
  unit_price?: bigint;
  discount_amount?: bigint;
  goods_remark?: string;
}

export interface WechatPayPromotion {
  coupon_id: string;
  name?: string;
  scope?: string;
  type?: string;
  amount: bigint;
  stock_id?: string;
  wechatpay_contribute?: bigint;
  merchant_contribute?: bigint;
  other_contribute?: bigint;
  currency?: string;
  goods_detail?: WechatPayGoodsDetail[];
}

/** `wechatpay_edu_papay`: the edu-papay transaction. */
export interface EduPapayTransaction {
  sp_mchid: string;
  sub_mchid?: string;
  appid: string;
  sub_appid?: string;
  out_trade_no: string;
  transaction_id?: string;
  attach?: string;
  bank_type?: string;
  success_time?: string;
  trade_state: 'SUCCESS' | 'REFUND' | 'ACCEPTED' | 'PAY_FAIL' | (string & {});
  trade_state_description?: string;
  payer?: { openid: string; sub_openid?: string };
  amount: { total: bigint; payer_total?: bigint; discount_total?: bigint; currency?: string };
  device_information?: { device_id?: string; device_ip: string };
  promotion_detail?: WechatPayPromotion[];
}

/** `wechatpay_payscore_oversea`: the Pay Score service order. */
export interface PayscoreServiceOrder {
  out_order_no: string;
  service_id: string;
  appid: string;
  mchid: string;
  sub_appid?: string;
  sub_mchid: string;
  service_introduction: string;
  state: 'CREATED' | 'DOING' | 'DONE' | 'REVOKED' | 'EXPIRED' | (string & {});
  state_description?: string;
  post_payments?: { name: string; amount?: bigint; description?: string; count?: bigint }[];
  post_discounts?: { name: string; description: string; amount?: bigint; count?: bigint }[];
  risk_fund: { name: string; amount: bigint; description?: string };
  total_amount?: bigint;
  need_collection?: boolean;
  collection?: {
    state: 'USER_PAYING' | 'USER_PAID' | (string & {});
    total_amount?: bigint;
    paying_amount?: bigint;
    paid_amount?: bigint;
    bank_type?: string;
    details?: {
      seq?: bigint;
      amount?: bigint;
      paid_type?: string;
      paid_time?: string;
      transaction_id?: string;
      promotion_detail?: WechatPayPromotion[];
    }[];
  };
  time_range: { start_time?: string; end_time?: string; start_time_remark?: string; end_time_remark?: string };
  location?: { start_location?: string; end_location?: string };
  attach?: string;
  notify_url: string;
  openid?: string;
  sub_openid?: string;
  order_id: string;
  currency?: string;
  currency_price?: bigint;
  currency_rate_info?: string;
}

/** `wechat_mini_charge`: the Mini Program charge order (WeChat's camelCase names). */
export interface MiniChargeOrder {
  orderId: string;
  /** 1 awaiting payment, 2 paid, 3 timed out, 5 refunding, 6 refunded, 7 refund failed, 9 cancelled. */
  status: bigint;
  createTime?: bigint;
  updateTime?: bigint;
  /** Fen (int64, sent by WeChat as a string). */
  orderPrice: bigint;
  payInfo?: { applyPayTime?: bigint; finishPayTime?: bigint };
  orderProductInfo?: {
    spSpuId?: string;
    spSkuId?: string;
    spBizId?: bigint;
    spuName?: string;
    skuName?: string;
    skuCnt?: bigint;
    validityBeginTime?: bigint;
    validityEndTime?: bigint;
  };
  invoiceInfo?: { invoiceApplyTime?: bigint; invoiceStatus: bigint };
  usage?: { used: bigint; all: bigint };
}

/** `fubei`: the order, yuan amounts as exact Money. */
export interface FubeiOrder {
  merchant_order_sn?: string;
  order_sn?: string;
  trade_no?: string;
  platform_order_no?: string;
  trade_state: 'USERPAYING' | 'SUCCESS' | 'REVOKED' | 'REVOKING' | 'REVOKED_ERROR' | 'CLOSED' | (string & {});
  total_fee?: Money;
  order_price?: Money;
  fee?: Money;
  net_money?: Money;
  pay_time?: bigint;
  store_id?: string;
  cashier_id?: string;
  device_no?: string;
  body?: string;
  /** 1 WeChat Pay, 2 Alipay, 5 UnionPay. */
  type?: bigint;
  discount_money?: Money;
  buyer_pay_amount?: Money;
  attach?: string;
  user_id?: string;
  user_logon_id?: string;
  cash_coupon_fee?: Money;
  no_cash_coupon_fee?: Money;
}

/** `dingshang_vending`: the vending order. */
export interface DingshangOrder {
  order_id: string;
  trade_id?: string;
  date?: string;
  amount?: Money;
  status:
    | 'SUCCESS'
    | 'REFUND'
    | 'CLOSED'
    | 'REVOKED'
    | 'USERPAYING'
    | 'PAYERROR'
    | 'PICKUPCODE'
    | 'NOTPAY'
    | 'TESTPAY'
    | (string & {});
  notify_send_count?: bigint;
  pickup_code_id?: bigint;
  records: {
    id: bigint | null;
    product_id: bigint | null;
    quantity: bigint | null;
    price?: Money;
    status?: string;
    notify_sent: boolean;
  }[];
}

/** The provider's typed response; `order.provider` says which. */
export type ProviderDetail =
  | EduPapayTransaction
  | PayscoreServiceOrder
  | MiniChargeOrder
  | FubeiOrder
  | DingshangOrder;

/** A parsed, verified order answer: plain data. */
export declare class QueryResult {
  private constructor();
  readonly order: Order;
  /** The provider's typed response; `order.provider` says which. */
  readonly detail: ProviderDetail;
  /** The serial of the key that verified the answer (WeChat Pay), else null. */
  readonly signatureSerial: string | null;
}

/**
 * A signed request to send unchanged (`fetch(req.url, { method, headers, body })`). `url`,
 * `headers` and `body` hold live credentials; `JSON.stringify` and `util.inspect` show the
 * redacted form (`toJSON()`).
 */
export declare class HttpRequest {
  private constructor();
  readonly method: 'GET' | 'POST';
  readonly url: string;
  readonly headers: [string, string][];
  /** The exact bytes that were signed (TypeScript ≥ 5.7: `fetch` takes this as a body as is). */
  readonly body: Uint8Array<ArrayBuffer> | null;
  /** Credentials replaced by `[redacted]`, the body as its length: what may be logged. */
  toJSON(): { method: 'GET' | 'POST'; url: string; headers: [string, string][]; body: string | null };
}

/**
 * A response as received. `headers`: a WHATWG `Headers` (it is an iterable of pairs), any
 * iterable of `[name, value]` pairs, or a plain object (Node's `IncomingHttpHeaders` included).
 */
export interface ResponseInput {
  status: number;
  headers?: Iterable<readonly [string, string]> | Record<string, string | readonly string[] | undefined>;
  body: Uint8Array | ArrayBuffer | string;
}

/** A 64-bit integer input. */
export type Int64Input = bigint | number;

export interface BuildOptions {
  /** Unix seconds to sign with (default: now). */
  timestamp?: Int64Input;
  /** 1–32 ASCII letters and digits (default: 32 from the OS CSPRNG). */
  nonce?: string;
}

/** A config document, as for the CLI (see the README); `*_path` keys name PEM files. */
export type ConfigDocument = { provider: ProviderId } & Record<string, unknown>;

/** A query document: `{ out_trade_no, sub_mchid? }`, `{ order_id }`, … (see the README). */
export type QueryDocument = Record<string, unknown>;

/** A WeChat Mini Program access token; `util.inspect` redacts `accessToken`. */
export interface AccessToken {
  accessToken: string;
  expiresIn: bigint;
  /** Unix seconds. */
  expiresAt: bigint;
  /** When to fetch a new one (Unix seconds). */
  refreshAt: bigint;
}

/** A WeChat Pay request waiting for its signature (keys in a KMS or HSM). */
export declare class PendingRequest {
  private constructor();
  /** Reads a parked pending request (the output of `toJSON`); it is validated again. */
  static fromJSON(value: string | object): PendingRequest;
  /** The exact UTF-8 message to sign with RSASSA-PKCS1-v1_5 / SHA-256. */
  readonly stringToSign: string;
  readonly timestamp: bigint;
  readonly nonce: string;
  /** Attaches the standard-base64 signature of `stringToSign`. */
  finish(signatureBase64: string): HttpRequest;
  toJSON(): object;
}

/** Every failure: a stable `code` and what is needed to react to it. Never contains a secret. */
export declare class PayqueryError extends Error {
  readonly name: 'PayqueryError';
  readonly code: ErrorCode;
  /** The input or response field concerned, e.g. `out_trade_no`, `Wechatpay-Signature`. */
  readonly field: string | null;
  /** The provider's own code (`SYSTEM_ERROR`, `42001`, …). */
  readonly providerCode: string | null;
  readonly providerMessage: string | null;
  readonly httpStatus: number | null;
  /** Sending the same request again later is safe and may succeed. */
  readonly retryable: boolean;
  /** The provider's backup host may answer: see `Client.failoverRequest`. */
  readonly backupHostApplies: boolean;
}

/** True for a PayqueryError (from any copy of this package). */
export declare function isPayqueryError(value: unknown): value is PayqueryError;

/** One configured provider client. Keys are parsed once; share it freely. */
export declare class Client {
  /** `baseDir`: what `*_path` keys are relative to (default: the working directory). */
  constructor(config: ConfigDocument | string, options?: { baseDir?: string });
  /** Reads a config file; `*_path` keys are relative to the file. */
  static fromConfigFile(path: string): Promise<Client>;
  readonly provider: ProviderId;
  /** The signed request for an order query. */
  buildQuery(query: QueryDocument | string, options?: BuildOptions): HttpRequest;
  /** Two-phase signing, phase one (WeChat Pay). */
  prepareQuery(query: QueryDocument | string, options?: BuildOptions): PendingRequest;
  /** Builds the request with an asynchronous signer, e.g. a KMS: `signer(stringToSign)` → base64. */
  buildQueryAsync(
    query: QueryDocument | string,
    options: BuildOptions & { signer: (stringToSign: string) => Promise<string> | string },
  ): Promise<HttpRequest>;
  /** Verifies and parses the answer to `query`; an answer for another order is refused. */
  parseQuery(response: ResponseInput, options: { query: QueryDocument | string; now?: Int64Input }): QueryResult;
  /** The same request for the provider's backup host, or null. */
  failoverRequest(request: HttpRequest): HttpRequest | null;
  /** A Mini Program access-token request. */
  buildTokenRequest(options: { kind: 'stable' | 'classic'; forceRefresh?: boolean }): HttpRequest;
  /** Parses an access-token answer. */
  parseTokenResponse(response: ResponseInput, options?: { now?: Int64Input }): AccessToken;
}
