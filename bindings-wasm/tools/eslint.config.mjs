// ESLint for the npm package's hand-written JavaScript (the JS layer, its build script, the tests
// and the Node benchmark); TypeScript declarations and examples are checked by `tsc --strict` instead.
// Run from the repository root (make node-test):
//   bindings-wasm/tools/node_modules/.bin/eslint -c bindings-wasm/tools/eslint.config.mjs bindings-wasm bench/node
import js from "@eslint/js";
import globals from "globals";

export default [
  { ignores: ["**/pkg/", "**/node_modules/", "**/test/.build/", "**/test/.generated/", "**/target/"] },
  js.configs.recommended,
  {
    files: ["**/*.cjs"],
    languageOptions: { sourceType: "commonjs", globals: globals.node },
  },
  {
    files: ["**/*.mjs"],
    languageOptions: { sourceType: "module", globals: globals.node },
  },
  {
    rules: {
      eqeqeq: ["error", "always"],
      "no-var": "error",
      "prefer-const": "error",
      "no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_", caughtErrors: "none" }],
    },
  },
];
