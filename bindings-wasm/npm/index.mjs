// ES module entry: the layer (layer.cjs) over Node's modules and wasm-bindgen's ES module glue
// (its web output), all imported statically. No top-level await, no require: a bundler's ESM
// and CommonJS output (esbuild's default for --platform=node) both run. The .wasm is read here,
// synchronously, and handed to the glue's `initSync`: from beside this module (a bundle, where
// it ships beside the bundle) or from ./native/ (the installed package). A missing .wasm is a
// PayqueryError naming the file.
import * as nodeCrypto from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as url from 'node:url';
import * as util from 'node:util';

import layer from './layer.cjs';
// Named imports only: the glue's async default (fetch-based) init is left out of a bundle.
import {
  initSync,
  WasmClient,
  WasmPending,
  WasmQueryFlow,
  errorCodes,
  maxDocumentBytes,
  maxNotificationBytes,
  redactRequest,
  wasmMemoryBytes,
} from './native/payquery_wasm.mjs';

/** The folder this module runs from: import.meta.url, or __dirname in a CommonJS bundle. */
function here() {
  const meta = import.meta.url;
  if (typeof meta === 'string' && meta !== '') return path.dirname(url.fileURLToPath(meta));
  // A bundler's CommonJS output has no import.meta, but its module has __dirname.
  return typeof __dirname === 'string' ? __dirname : process.cwd();
}

function loadNative() {
  const dir = here();
  const besides = path.join(dir, layer.WASM_FILE);
  let bytes;
  try {
    bytes = fs.readFileSync(besides);
  } catch (error) {
    if (/** @type {any} */ (error)?.code !== 'ENOENT') throw error;
    try {
      bytes = fs.readFileSync(path.join(dir, 'native', layer.WASM_FILE));
    } catch {
      // Neither: name the file where a bundle looks for it.
      throw error;
    }
  }
  initSync({ module: bytes });
  return { WasmClient, WasmPending, WasmQueryFlow, errorCodes, maxDocumentBytes, maxNotificationBytes, redactRequest, wasmMemoryBytes };
}

const payquery = layer.create({
  nodeCrypto,
  fs,
  path,
  util,
  loadNative: /** @type {any} */ (loadNative),
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
