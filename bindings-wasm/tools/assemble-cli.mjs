// Assembles the npm platform packages of the `payquery` command (make dist-npm-cli):
// @payquery/cli-linux-x64 and @payquery/cli-linux-arm64, each the static binary `make dist-cli`
// wrote to dist/cli/ (checked against its SHA256SUMS) as bin/payquery, a package.json whose
// `os` and `cpu` let npm install only the one that runs here, a README and the licences. The
// payquery package names both as optionalDependencies, at exactly its own version, and its
// bin/payquery.cjs runs the one npm installed.
//
// Usage: node bindings-wasm/tools/assemble-cli.mjs DIST_CLI_DIR OUT_DIR
import { createHash } from 'node:crypto';
import { chmodSync, copyFileSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..', '..');
if (process.argv.length !== 4) throw new Error('usage: assemble-cli.mjs DIST_CLI_DIR OUT_DIR');
const [cliDir, outDir] = process.argv.slice(2).map((p) => resolve(p));
const cargo = readFileSync(join(root, 'Cargo.toml'), 'utf8');
const version = /\[workspace\.package\][^[]*?\nversion\s*=\s*"([^"]+)"/.exec(cargo)?.[1];
if (!version) throw new Error('no [workspace.package] version in Cargo.toml');

// npm's `cpu` (process.arch) → the architecture in dist/cli's file names, and in words.
const PLATFORMS = [
  { cpu: 'x64', arch: 'x86_64', words: 'Linux x86-64' },
  { cpu: 'arm64', arch: 'aarch64', words: 'Linux aarch64 (arm64)' },
];

const sums = new Map(
  readFileSync(join(cliDir, 'SHA256SUMS'), 'utf8')
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => {
      const [sum, name] = line.trim().split(/\s+\*?/);
      return [name, sum];
    }),
);

for (const { cpu, arch, words } of PLATFORMS) {
  const file = `payquery-${version}-linux-${arch}`;
  const binary = readFileSync(join(cliDir, file));
  const sum = createHash('sha256').update(binary).digest('hex');
  if (sums.get(file) !== sum) throw new Error(`${file}: sha256 ${sum}, SHA256SUMS says ${sums.get(file)}`);

  const name = `@payquery/cli-linux-${cpu}`;
  const dir = join(outDir, `cli-linux-${cpu}`);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(join(dir, 'bin'), { recursive: true });
  copyFileSync(join(cliDir, file), join(dir, 'bin', 'payquery'));
  chmodSync(join(dir, 'bin', 'payquery'), 0o755);
  for (const licence of ['LICENSE-MIT', 'LICENSE-APACHE']) copyFileSync(join(root, licence), join(dir, licence));
  const manifest = {
    name,
    version,
    description: `The payquery command (payquery sandbox, query, build, parse) as a static ${words} binary, for the payquery package's \`payquery\` bin.`,
    license: 'MIT OR Apache-2.0',
    os: ['linux'],
    cpu: [cpu],
    files: ['bin/payquery', 'README.md', 'LICENSE-MIT', 'LICENSE-APACHE'],
    preferUnplugged: true,
    // A scoped package is published restricted unless it says otherwise, and then no `npx
    // payquery` could install it.
    publishConfig: { access: 'public' },
  };
  writeFileSync(join(dir, 'package.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  writeFileSync(
    join(dir, 'README.md'),
    `# ${name}\n\n` +
      `The \`payquery\` command for ${words}: a static (musl) binary, \`bin/payquery\`, the same file as\n` +
      `\`payquery-${version}-linux-${arch}\` in payquery's \`dist/cli/\`. It runs on any Linux of that\n` +
      'architecture, glibc or musl, and needs nothing else.\n\n' +
      `Do not install it directly: it is an optional dependency of [\`payquery\`](https://www.npmjs.com/package/payquery),\n` +
      'whose `payquery` bin runs it, so that\n\n' +
      '```sh\nnpm install payquery\nnpx payquery sandbox --write-configs sandbox-configs\n```\n\n' +
      'starts the local sandbox of the five providers. npm installs only the platform package whose `os`\n' +
      'and `cpu` match the machine; where none does, or optional dependencies were omitted, the bin says\n' +
      'what to install. `PAYQUERY_CLI_PATH=/path/to/payquery` makes it run that binary instead (one from\n' +
      '`dist/cli/`, or a build of your own). Licence: MIT OR Apache-2.0.\n',
  );
  console.log(`assembled ${name}@${version} in ${dir} (${(binary.length / 2 ** 20).toFixed(1)} MiB binary, sha256 ${sum.slice(0, 12)}…)`);
}
