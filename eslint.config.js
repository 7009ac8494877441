// Lint configuration (build tooling, flat config): JS/TS/Vue rules for every layer, plus the design's dependency rule as import restrictions.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import vue from 'eslint-plugin-vue';
import vueParser from 'vue-eslint-parser';
import globals from 'globals';

// The dependency rule (docs/HELPERS.md, DESIGN.md): renderer → shared ← engine ← (ipc, server, cli) ← main.
// tests/architecture/dependencies.test.ts checks the same rule over dynamic import() too, which this rule cannot see.
const electronOnlyInMainAndPreload = {
  name: 'electron',
  message: 'Only electron/main.ts and electron/preload.ts import electron; pass what you need through the shared contract.',
};
const nodeBuiltins = {
  group: ['node:*'],
  message: 'This layer also runs in a browser (or is the shared contract): no Node built-ins.',
};

export default tseslint.config(
  {
    ignores: ['dist/**', 'release/**', 'out/**', 'runs/**', 'scratch/**', 'test-results/**', 'native/build/**', '**/node_modules/**'],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  ...vue.configs['flat/recommended'],
  {
    languageOptions: { ecmaVersion: 2023, sourceType: 'module', globals: { ...globals.node } },
    rules: {
      // `_`-prefixed names mark a parameter kept for its position in a signature (callbacks, handlers).
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
    },
  },
  {
    files: ['**/*.vue'],
    rules: {
      // Template layout, not correctness: the templates are written compactly (several attributes and short text on one
      // line) on purpose, and there is no formatter to apply these three mechanically. Every other rule of the set applies.
      'vue/max-attributes-per-line': 'off',
      'vue/singleline-html-element-content-newline': 'off',
      'vue/html-self-closing': 'off',
    },
  },
  {
    files: ['**/*.vue'],
    languageOptions: {
      parser: vueParser,
      parserOptions: { parser: tseslint.parser, extraFileExtensions: ['.vue'], sourceType: 'module' },
    },
  },
  {
    files: ['renderer/**/*.{ts,vue}', 'tests/renderer/**/*.ts'],
    languageOptions: { globals: { ...globals.browser } },
  },
  {
    files: ['renderer/**/*.{ts,vue}'],
    rules: {
      'no-restricted-imports': ['error', {
        paths: [electronOnlyInMainAndPreload],
        patterns: [
          nodeBuiltins,
          { group: ['**/electron/**'], message: 'The renderer reaches the main side only through the shared contract (shared/).' },
          { group: ['@tensorflow/*'], message: 'The renderer never runs TensorFlow.js; the engine does.' },
        ],
      }],
    },
  },
  {
    files: ['shared/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', {
        paths: [electronOnlyInMainAndPreload],
        patterns: [nodeBuiltins, { group: ['**/electron/**', '**/renderer/**'], message: 'shared/ is the contract: it imports nothing from the app.' }],
      }],
    },
  },
  {
    files: ['electron/engine/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', {
        paths: [electronOnlyInMainAndPreload],
        patterns: [
          { group: ['electron/*'], message: 'The engine never imports electron.' },
          {
            group: ['**/ipc/*', '**/server/*', '**/cli/*', '**/main.js', '**/preload.js', '**/renderer/**'],
            message: 'The engine sits below ipc, server, cli and main: they import it, never the other way round.',
          },
        ],
      }],
    },
  },
  {
    files: ['electron/ipc/**/*.ts', 'electron/server/**/*.ts', 'electron/cli/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', {
        paths: [electronOnlyInMainAndPreload],
        patterns: [{ group: ['**/main.js', '../renderer/**', '../../renderer/**'], message: 'Nothing imports main, and only the shared contract is shared with the renderer.' }],
      }],
    },
  },
  {
    files: ['electron/cli/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', {
        paths: [electronOnlyInMainAndPreload],
        patterns: [{ group: ['**/ipc/*', '**/server/*', '**/main.js'], message: 'The CLI stays headless: no ipc, server or main.' }],
      }],
    },
  },
);
