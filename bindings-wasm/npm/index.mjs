// ES module entry: the layer (layer.cjs) over Node's modules, imported statically, and
// wasm-bindgen's ES module glue, which finds payquery_wasm_bg.wasm with import.meta.url (beside
// the glue; in a bundle, beside the bundle). No require and no __dirname, so a bundler's ESM
// output runs. A missing .wasm is a PayqueryError naming the file.
import * as nodeCrypto from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as util from 'node:util';

import layer from './layer.cjs';

/** @type {unknown} */
let failure;
const glue = await import('./native/payquery_wasm.mjs').catch((error) => {
  failure = error;
  return undefined;
});

const payquery = layer.create({
  nodeCrypto,
  fs,
  path,
  util,
  loadNative: () => {
    if (glue === undefined) throw failure;
    return glue;
  },
});

// Exported under local names of their own: a bundler then has no second top-level
// `PayqueryError` to rename the layer's class away from (esbuild's `PayqueryError2`).
const {
  Client: _Client,
  HttpRequest: _HttpRequest,
  PendingRequest: _PendingRequest,
  PayqueryError: _PayqueryError,
  isPayqueryError: _isPayqueryError,
  queryFromJson: _queryFromJson,
  ERROR_CODES: _ERROR_CODES,
} = payquery;
export {
  _Client as Client,
  _HttpRequest as HttpRequest,
  _PendingRequest as PendingRequest,
  _PayqueryError as PayqueryError,
  _isPayqueryError as isPayqueryError,
  _queryFromJson as queryFromJson,
  _ERROR_CODES as ERROR_CODES,
};
export default payquery;
