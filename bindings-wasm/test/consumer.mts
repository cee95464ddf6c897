// A consumer of the package as users write one, type-checked under `tsc --init`'s defaults
// (DOM lib, no @types/node, exactOptionalPropertyTypes) and with @types/node (make test):
// every header shape a program has at hand, bodies as fetch returns them, errors, tokens.
import { Client, isPayqueryError, type AccessToken, type HttpRequest, type QueryResult } from 'payquery';

const fubei = new Client({ provider: 'fubei', app_id: '1', app_secret: 's' });
const request: HttpRequest = fubei.buildQuery({ merchant_order_sn: 'A1' }, { timestamp: 1_700_000_000n });
const init: RequestInit = { method: request.method, headers: request.headers, body: request.body };

export async function roundTrip(): Promise<QueryResult> {
  const res = await fetch(request.url, { ...init, signal: AbortSignal.timeout(5_000) });
  const body = new Uint8Array(await res.arrayBuffer());
  const query = { merchant_order_sn: 'A1' };
  try {
    return fubei.parseQuery({ status: res.status, headers: res.headers, body }, { query });
  } catch (error) {
    if (isPayqueryError(error) && error.retryable) {
      return fubei.parseQuery({ status: res.status, headers: new Map([['content-type', 'application/json']]), body: await res.text() }, { query });
    }
    throw error;
  }
}

export function shapes(res: Response): void {
  const query = { merchant_order_sn: 'A1' };
  fubei.parseQuery({ status: 200, headers: [['Content-Type', 'application/json']], body: '{}' }, { query, now: 1_700_000_000 });
  fubei.parseQuery({ status: 200, headers: { 'content-type': 'application/json', 'set-cookie': ['a', 'b'] }, body: new ArrayBuffer(0) }, { query });
  fubei.parseQuery({ status: res.status, headers: res.headers, body: new Uint8Array() }, { query });
}

export function tokens(mini: Client, res: { status: number; body: string }): bigint {
  const token: AccessToken = mini.parseTokenResponse(res);
  const logged: string = JSON.stringify(request.toJSON());
  return logged.length > 0 ? token.refreshAt : token.expiresAt;
}

// The default export, as `import payquery from 'payquery'` reads it (index.mjs has one).
import payquery from 'payquery';
import type { BuildOptions, CertificateDownload, DownloadCertificatesOptions, PlatformCertificate, QueryOptions } from 'payquery';

export const viaDefault: typeof Client = payquery.Client;
export const codes: readonly string[] = payquery.ERROR_CODES;

// Options passed on from optional parameters (`undefined` where not given), as the runtime
// accepts them: each member is `?: T | undefined` (exactOptionalPropertyTypes).
export function passedOn(timeoutMs?: number, signal?: AbortSignal, poll?: boolean, timestamp?: bigint): [QueryOptions, BuildOptions] {
  return [{ timeoutMs, deadlineMs: undefined, maxAttempts: undefined, poll, pollIntervalsMs: undefined, notFoundGraceMs: undefined, tokenStore: undefined, fetch: undefined, signal }, { timestamp, nonce: undefined }];
}

// A central job's certificate download: its options passed on the same way, validity as bigints.
export async function certificates(client: Client, timeoutMs?: number, signal?: AbortSignal): Promise<bigint[]> {
  const options: DownloadCertificatesOptions = { timeoutMs, deadlineMs: undefined, tokenStore: undefined, fetch: undefined, signal };
  const download: CertificateDownload = await client.downloadCertificates(options);
  const saved: PlatformCertificate[] = client.parseCertificates({ status: 200, headers: new Headers(), body: '{}' }, { now: 1_700_000_000n }).certificates;
  return [...download.certificates, ...saved].map((c) => c.notAfter - c.notBefore);
}
