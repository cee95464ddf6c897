// @ts-check
'use strict';
// CommonJS entry: the layer (layer.cjs) over Node's modules and wasm-bindgen's CommonJS glue,
// which reads payquery_wasm_bg.wasm from its own folder (in a bundle: the bundle's folder).

module.exports = require('./layer.cjs').create({
  nodeCrypto: require('node:crypto'),
  fs: require('node:fs'),
  path: require('node:path'),
  util: require('node:util'),
  loadNative: () => require('./native/payquery_wasm.js'),
});
