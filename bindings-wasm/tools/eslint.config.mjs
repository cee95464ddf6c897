// ESLint for the npm package's hand-written JavaScript (the JS layer, its build script and the
// tests); TypeScript declarations and examples are checked by `tsc --strict` instead.
// Run from bindings-wasm/ (make lint): tools/node_modules/.bin/eslint -c tools/eslint.config.mjs .
import js from "@eslint/js";
import globals from "globals";

export default [
  { ignores: ["pkg/", "**/node_modules/", "test/.build/"] },
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
