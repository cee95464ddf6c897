// ESM entry: the same instance as the CommonJS entry (one wasm module per process, no dual
// package hazard).
import payquery from './index.cjs';

export const { Client, HttpRequest, PendingRequest, PayqueryError, isPayqueryError, ERROR_CODES } =
  payquery;
export default payquery;
