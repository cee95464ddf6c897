// Assembles the publishable npm package in bindings-wasm/pkg/ (make npm): the hand-written
// layer from npm/, the wasm-bindgen output already in pkg/native/, and the version of the Rust
// workspace, so the package and the crates never disagree about what they are.
import { chmodSync, copyFileSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const source = join(here, '..', 'npm');
const target = join(here, '..', 'pkg');
const cargo = readFileSync(join(here, '..', '..', 'Cargo.toml'), 'utf8');
const version = /\[workspace\.package\][^[]*?\nversion\s*=\s*"([^"]+)"/.exec(cargo)?.[1];
if (!version) throw new Error('no [workspace.package] version in Cargo.toml');

for (const file of ['layer.cjs', 'index.cjs', 'index.mjs', 'index.d.ts', 'models.cjs', 'models.d.ts']) {
  copyFileSync(join(source, file), join(target, file));
}
// The ES module glue (wasm-bindgen's web output, the same .wasm as the CommonJS glue, which make
// npm checks) beside the CommonJS glue, for index.mjs: it has no top-level await and reads no
// file itself; index.mjs reads the .wasm and hands it to its synchronous `initSync`.
renameSync(join(target, 'native-esm', 'payquery_wasm.js'), join(target, 'native', 'payquery_wasm.mjs'));
rmSync(join(target, 'native-esm'), { recursive: true });
// The `payquery` command: it runs the binary of the platform's optional dependency (below).
mkdirSync(join(target, 'bin'), { recursive: true });
copyFileSync(join(source, 'bin', 'payquery.cjs'), join(target, 'bin', 'payquery.cjs'));
chmodSync(join(target, 'bin', 'payquery.cjs'), 0o755);
for (const file of ['LICENSE-MIT', 'LICENSE-APACHE']) {
  copyFileSync(join(here, '..', '..', file), join(target, file));
}
// The config documents' JSON Schemas (make types writes them into schemas/), for editors.
mkdirSync(join(target, 'schemas'), { recursive: true });
for (const file of readdirSync(join(here, '..', '..', 'schemas'))) {
  if (file.endsWith('.schema.json')) copyFileSync(join(here, '..', '..', 'schemas', file), join(target, 'schemas', file));
}
// The package README (the repository README's Node section, the query's policy, errors,
// configs, the sandbox) is written by tools/package_readme.py, which make npm runs next.
// The same declarations for `import` (TypeScript reads .d.mts as ESM), and the default export
// index.mjs has (`import payquery from 'payquery'`): every named export, in one object.
const defaultExport = `
/** The ES module entry's default export (\`import payquery from 'payquery'\`): the named exports, in one object. */
declare const payquery: {
  Client: typeof Client;
  HttpRequest: typeof HttpRequest;
  PendingRequest: typeof PendingRequest;
  PayqueryError: typeof PayqueryError;
  isPayqueryError: typeof isPayqueryError;
  queryFromJson: typeof queryFromJson;
  ERROR_CODES: typeof ERROR_CODES;
};
export default payquery;
`;
writeFileSync(join(target, 'index.d.mts'), readFileSync(join(source, 'index.d.ts'), 'utf8') + defaultExport);
const manifest = JSON.parse(readFileSync(join(source, 'package.json'), 'utf8'));
manifest.version = version;
// The platform packages (make dist-npm-cli) are exactly this version: the command and the
// library it ships beside are one release.
for (const name of Object.keys(manifest.optionalDependencies)) manifest.optionalDependencies[name] = version;
writeFileSync(join(target, 'package.json'), `${JSON.stringify(manifest, null, 2)}\n`);
console.log(`assembled payquery@${version} in ${target}`);
