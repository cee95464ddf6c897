#!/usr/bin/env node
// @ts-check
'use strict';
// The `payquery` command of the npm package (`npx payquery sandbox`): the static binary from
// the platform's optional dependency (@payquery/cli-linux-x64, @payquery/cli-linux-arm64, the
// files `make dist-cli` writes to dist/cli/), run with this command's arguments and stdio. This
// file only finds and starts it: no install script, no download. PAYQUERY_CLI_PATH, when set,
// names the binary to run instead (a build of your own, or one from dist/cli/).

const { spawn } = require('node:child_process');
const { constants } = require('node:os');

/** `${process.platform} ${process.arch}` → the package that holds the binary for it. */
const PLATFORM_PACKAGES = {
  'linux x64': '@payquery/cli-linux-x64',
  'linux arm64': '@payquery/cli-linux-arm64',
};

/**
 * @param {string} line
 * @returns {never}
 */
function fail(line) {
  process.stderr.write(`payquery: ${line}\n`);
  process.exit(1);
}

/** @returns {string} the path of the binary to run */
function binary() {
  const override = process.env.PAYQUERY_CLI_PATH;
  if (override) return override;
  const platform = `${process.platform} ${process.arch}`;
  const name = PLATFORM_PACKAGES[/** @type {keyof typeof PLATFORM_PACKAGES} */ (platform)];
  if (name === undefined) {
    return fail(
      `no payquery binary is published for ${process.platform}-${process.arch} (only linux-x64 and linux-arm64); ` +
        'build one (cargo build --release -p payquery-cli) and set PAYQUERY_CLI_PATH to it',
    );
  }
  try {
    return require.resolve(`${name}/bin/payquery`);
  } catch {
    const { version } = require('../package.json');
    return fail(
      `the binary package ${name} is not installed (an optional dependency of payquery, skipped by --omit=optional or --no-optional): ` +
        `run \`npm install ${name}@${version}\`, or set PAYQUERY_CLI_PATH to a static Linux binary from dist/cli/`,
    );
  }
}

const path = binary();
const child = spawn(path, process.argv.slice(2), { stdio: 'inherit' });

// A signal sent to this process (kill, a supervisor, a terminal's Ctrl-C) reaches the binary too.
/** @type {NodeJS.Signals[]} */
const FORWARDED = ['SIGINT', 'SIGTERM', 'SIGHUP'];
const forward = (/** @type {NodeJS.Signals} */ signal) => {
  child.kill(signal);
};
for (const signal of FORWARDED) process.on(signal, forward);

child.on('error', (error) => fail(`cannot run ${path}: ${error.message}`));
child.on('exit', (code, signal) => {
  for (const forwarded of FORWARDED) process.off(forwarded, forward);
  if (signal === null) {
    process.exit(code ?? 1);
  }
  // Ended by a signal: end the same way, so the caller sees what the binary saw; should Node
  // survive its own signal, exit as a shell reports it.
  process.kill(process.pid, signal);
  setTimeout(() => process.exit(128 + (constants.signals[signal] ?? 0)), 1000);
});
