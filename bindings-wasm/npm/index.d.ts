// Type declarations for the npm package `payquery`: the surface (Client, HttpRequest,
// PendingRequest, PayqueryError). The models it takes and returns — configs, queries, orders,
// provider details, tokens, error codes — are generated from the Rust core's own types into
// models.d.ts (tools/typegen), so they are the same in every language.
//
// The 64-bit rule, once: every integer payquery *returns* that is 64-bit in its model is a
// `bigint` — money (`minor`), millisecond timestamps, int64 ids, counts and statuses inside
// `detail`, token times, certificate validity times — so nothing above 2^53 ever loses a
// digit. Only HTTP statuses are `number`s. Integer *inputs* (`timestamp`, `now`) take a
// `bigint` or a safe-integer `number`; an unsafe `number` is refused with `INVALID_INPUT`.

import type {
  AccessToken,
  Attempt,
  CertificateDownload,
  Config,
  ErrorCode,
  Notification,
  NotificationReply,
  OrderQuery,
  ProviderId,
  QueryResult,
  TokenKind,
} from './models.js';

export * from './models.js';

/** Every error code, in the core's order. */
export declare const ERROR_CODES: readonly ErrorCode[];

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
 * Response headers: a WHATWG `Headers` (typed with or without TypeScript's `dom.iterable`, and
 * undici's), any iterable of `[name, value]` pairs, or a plain object (Node's
 * `IncomingHttpHeaders` included).
 */
export type HeadersInput =
  | Iterable<readonly [string, string]>
  | { forEach(callback: (value: string, name: string) => void): void }
  | Record<string, string | readonly string[] | undefined>;

/** A response as received. */
export interface ResponseInput {
  status: number;
  headers?: HeadersInput;
  body: Uint8Array | ArrayBuffer | string;
}

/**
 * A JSON text standing for a query (`queryFromJson(text)`): a plain string is not a query, so
 * `client.query('A1')` does not compile.
 */
export type QueryJson = string & { readonly __payqueryQueryJson: true };

/** Marks JSON text (read from a file, a queue) as a query document for the methods below. */
export declare function queryFromJson(text: string): QueryJson;

/** What `client.query` passes to `fetch` (a subset of `RequestInit`). */
export interface FetchInit {
  method: 'GET' | 'POST';
  headers: [string, string][];
  /** Absent for a GET. */
  body?: Uint8Array<ArrayBuffer>;
  signal: AbortSignal;
  redirect: 'manual';
}

/** What `client.query` reads of `fetch`'s answer: a `Response` (the global one, undici's) fits. */
export interface FetchResponse {
  readonly status: number;
  readonly headers: HeadersInput;
  readonly body: { getReader(): { read(): PromiseLike<{ done: boolean; value?: Uint8Array }>; cancel(): PromiseLike<void> } } | null;
}

/** A `fetch`: the global one, undici's, or a wrapper (a proxy, a dispatcher) with this shape. */
export type FetchFunction = (url: string, init: FetchInit) => PromiseLike<FetchResponse>;

/** A 64-bit integer input. */
export type Int64Input = bigint | number;

export interface BuildOptions {
  /** Unix seconds to sign with (default: now). */
  timestamp?: Int64Input | undefined;
  /** 1–32 ASCII letters and digits (default: 32 from the OS CSPRNG). */
  nonce?: string | undefined;
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
  /** The requests `client.query` made before it gave up (empty for other errors). */
  readonly attempts: Attempt[];
  /**
   * For a refused notification (`handleNotification`, `checkNotification`): the HTTP reply to
   * send all the same (its status tells the provider whether to send it again); else null.
   */
  readonly reply: NotificationReply | null;
  /**
   * For a `NETWORK_ERROR` from `client.query`, or a `fetch` that failed otherwise: a copy of the
   * error `fetch` threw (its name, code and message, credentials redacted; its causes likewise).
   */
  readonly cause?: unknown;
  /** What `JSON.stringify` shows: every fact above, the attempts, the cause's name, code and message. */
  toJSON(): {
    name: 'PayqueryError';
    code: ErrorCode;
    message: string;
    field: string | null;
    providerCode: string | null;
    providerMessage: string | null;
    httpStatus: number | null;
    retryable: boolean;
    backupHostApplies: boolean;
    attempts: Attempt[];
    /** Only for a refused notification. */
    reply?: NotificationReply;
    cause?: { name: string; code: string | number | null; message: string };
  };
}

/** True for a PayqueryError (from any copy of this package). */
export declare function isPayqueryError(value: unknown): value is PayqueryError;

/**
 * Where Mini Program access tokens and WeChat Pay platform-certificate listings are shared
 * between processes (Redis, a database): values are opaque text holding the token, or the
 * listing as WeChat Pay sent it (encrypted with the APIv3 key; each process decrypts and checks
 * it itself), so keep them as private as the token. `lock` (optional) lets one process of a
 * fleet fetch while the others wait.
 */
export interface TokenStore {
  /** The value under `key`, or null. */
  get(key: string): Promise<string | null | undefined> | string | null | undefined;
  /** Stores `value` under `key` for `ttlMs` milliseconds. */
  put(key: string, value: string, ttlMs: number): Promise<void> | void;
  /** Deletes `key` if it still holds exactly `value` (compare-and-delete). */
  invalidate(key: string, value: string): Promise<void> | void;
  /** Takes a lock on `key` for `ttlMs` (e.g. `SET key:lock NX PX ttl`); true when taken. */
  lock?(key: string, ttlMs: number): Promise<boolean> | boolean;
}

/** How `client.query` runs; every member is optional (`undefined` stands for not given). */
export interface QueryOptions {
  /**
   * Sends the requests (default: the global `fetch`). Its signal is honoured either way: a
   * fetch that ignores it is abandoned at the timeout, the deadline or the caller's abort.
   */
  fetch?: FetchFunction | undefined;
  /** Per-request timeout in milliseconds (default 10 000). */
  timeoutMs?: number | undefined;
  /** The whole query's deadline in milliseconds (default 30 000; with `poll` 600 000). */
  deadlineMs?: number | undefined;
  /** At most this many requests per query (per poll with `poll`; default 4). */
  maxAttempts?: number | undefined;
  /** Query again until the status is final; at the deadline the result has `settled: false`. */
  poll?: boolean | undefined;
  /** Waits between polls in milliseconds, the last repeated (default 5 s, 10 s, 20 s, 30 s, 60 s). */
  pollIntervalsMs?: number[] | undefined;
  /** With `poll`: how long `ORDER_NOT_FOUND` is polled again (default 30 000). */
  notFoundGraceMs?: number | undefined;
  /**
   * Shares Mini Program tokens and WeChat Pay platform-certificate listings between processes
   * (default: this client only, in memory).
   */
  tokenStore?: TokenStore | undefined;
  /** Cancels the query (the promise rejects with the signal's reason). */
  signal?: AbortSignal | undefined;
}

/**
 * How `client.downloadCertificates` runs: the options of `query` that apply to one download (it
 * is never polled or retried).
 */
export type DownloadCertificatesOptions = Pick<QueryOptions, 'fetch' | 'timeoutMs' | 'deadlineMs' | 'tokenStore' | 'signal'>;

/**
 * A provider's callback as the web server received it. `body` is the raw bytes: providers sign
 * the exact bytes, so a string (decoded text) or a parsed object is refused (`INVALID_INPUT`
 * naming `body`). `headers` as received, repeated names kept: `req.headers` of node:http, a
 * WHATWG `Headers`, or `[name, value]` pairs.
 */
export interface NotificationInput {
  method: string;
  headers: HeadersInput;
  body: Uint8Array | ArrayBuffer;
}

/** An accepted notification and the reply that tells the provider so. */
export interface HandledNotification<P extends ProviderId = ProviderId> {
  notification: Notification<P>;
  /**
   * Send it once the notification is stored; if storing fails, send
   * `client.notificationRetryReply()` instead, so that the provider sends it again.
   */
  reply: NotificationReply;
  /** The requests made for it: a certificate download for an unknown WeChat Pay serial, or none. */
  attempts: Attempt[];
}

/**
 * How `client.handleNotification` runs: the options of `query` that apply to the one certificate
 * download an unknown WeChat Pay serial starts. Defaults: `timeoutMs` 3 000 and `deadlineMs`
 * 4 000, within the 5 s the provider waits for the reply.
 */
export type HandleNotificationOptions = DownloadCertificatesOptions;

export interface ClientOptions {
  /** What `*_path` keys are relative to (default: the working directory). */
  baseDir?: string | undefined;
}

/**
 * One configured provider client. Keys are parsed once; share it freely. Made from a config of
 * one provider (`new Client({ provider: 'fubei', … })`), it is a `Client<'fubei'>`: it takes
 * that provider's queries only, and its results' `detail` is that provider's answer.
 */
export declare class Client<P extends ProviderId = ProviderId> {
  constructor(config: { provider: P } & Config<P>, options?: ClientOptions);
  /** A config document as JSON text (its provider is known at run time only). */
  constructor(config: string, options?: ClientOptions);
  /** Reads a config file; `*_path` keys are relative to the file. */
  static fromConfigFile(path: string): Promise<Client>;
  readonly provider: P;
  /**
   * The one-call query: sends with `fetch`, verifies and parses, failing over, retrying,
   * waiting and fetching Mini Program tokens as payquery's policy says (the same in every
   * language). The result carries its `attempts`; a failure is a `PayqueryError` with them.
   */
  query(query: OrderQuery<P> | QueryJson, options?: QueryOptions): Promise<QueryResult<P>>;
  /** The signed request for an order query. */
  buildQuery(query: OrderQuery<P> | QueryJson, options?: BuildOptions): HttpRequest;
  /** Two-phase signing, phase one (WeChat Pay). */
  prepareQuery(query: OrderQuery<P> | QueryJson, options?: BuildOptions): PendingRequest;
  /** Builds the request with an asynchronous signer, e.g. a KMS: `signer(stringToSign)` → base64. */
  buildQueryAsync(
    query: OrderQuery<P> | QueryJson,
    options: BuildOptions & { signer: (stringToSign: string) => Promise<string> | string },
  ): Promise<HttpRequest>;
  /** Verifies and parses the answer to `query`; an answer for another order is refused. */
  parseQuery(response: ResponseInput, options: { query: OrderQuery<P> | QueryJson; now?: Int64Input | undefined }): QueryResult<P>;
  /** The same request for the provider's backup host, or null. */
  failoverRequest(request: HttpRequest): HttpRequest | null;
  /** A Mini Program access-token request. */
  buildTokenRequest(options: { kind: TokenKind; forceRefresh?: boolean | undefined }): HttpRequest;
  /** Parses an access-token answer; `JSON.stringify` and `util.inspect` of it hide the token. */
  parseTokenResponse(response: ResponseInput, options?: { now?: Int64Input | undefined }): AccessToken;
  /**
   * Downloads the WeChat Pay platform certificates now (a config with `api_v3_key`; otherwise
   * `INVALID_CONFIG` naming `api_v3_key`), driven like `query`. `query` downloads by itself when
   * due; this is for a central job (with a `tokenStore`, it fills the fleet's store) or for
   * writing certificates out. Resolves to every certificate held, newest first (empty for a
   * public-key-only merchant), with the `attempts`.
   */
  downloadCertificates(options?: DownloadCertificatesOptions): Promise<CertificateDownload>;
  /**
   * Checks a saved certificate-download answer (sans-IO) and merges its certificates into those
   * this client verifies with; `now` is Unix seconds (default: the clock). `attempts` is empty.
   */
  parseCertificates(response: ResponseInput, options?: { now?: Int64Input | undefined }): CertificateDownload;
  /**
   * Verifies (or, for an unsigned provider, decodes) one callback and says what to answer:
   * resolves to the notification and its `reply`; rejects with a `PayqueryError` whose `reply`
   * is the reply to send all the same. Driven like `query`: for a WeChat Pay serial this client
   * does not hold yet, it downloads the certificates once and checks again.
   */
  handleNotification(request: NotificationInput, options?: HandleNotificationOptions): Promise<HandledNotification<P>>;
  /**
   * The same check, sans-IO, at `now` (Unix seconds; default: the clock): an unknown WeChat Pay
   * serial is refused (reply 500), never downloaded. `attempts` is empty.
   */
  checkNotification(request: NotificationInput, options?: { now?: Int64Input | undefined }): HandledNotification<P>;
  /** The reply that makes the provider send a notification again: for a notification the program could not store. */
  notificationRetryReply(): NotificationReply;
  /**
   * Confirms an unsigned notification with the signed order query:
   * `query({ ...JSON.parse(notification.confirmQuery), ...extra }, options)`, `extra` holding the
   * query members the callback does not carry. A notification without `confirmQuery` is refused.
   */
  confirmNotification(
    notification: Pick<Notification<P>, 'confirmQuery'>,
    extra: Partial<OrderQuery<P>>,
    options?: QueryOptions,
  ): Promise<QueryResult<P>>;
}
