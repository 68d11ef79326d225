// @ts-check
import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';

/**
 * Type-aware lint (`npm run lint`, with `prettier --check` for the format). The rules turned
 * off say why; everything else of typescript-eslint's recommendedTypeChecked applies.
 */
export default tseslint.config(
  { ignores: ['dist/', 'node_modules/', 'test-artifacts/', '.ratify-runbook-demo/'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: { allowDefaultProject: ['vitest.config.ts'] }, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      // Long messages stay whole on one line, so a user's error text can be found with grep.
      'max-len': ['error', { code: 140, ignoreUrls: true, ignoreRegExpLiterals: true, ignoreStrings: true, ignoreTemplateLiterals: true }],
      // An async function may implement a Promise-returning contract without awaiting;
      // the promise bugs are caught by no-floating-promises and no-misused-promises.
      '@typescript-eslint/require-await': 'off',
      // Terminal text is handled here: regexes match ANSI escapes on purpose.
      'no-control-regex': 'off',
      // `_name` marks a value left out on purpose (e.g. `const { status: _status, ...rest } = o`).
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrorsIgnorePattern: '^_', ignoreRestSiblings: true },
      ],
    },
  },
  {
    // The simulated services print fields of JSON documents typed `unknown`, as kubectl's printers do.
    files: ['sandbox/**/*.ts'],
    rules: { '@typescript-eslint/no-base-to-string': 'off' },
  },
  {
    // Tests read tools' JSON output and mocks' members: strict `any` tracking adds casts, not safety.
    files: ['test/**/*.ts'],
    rules: {
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
      '@typescript-eslint/unbound-method': 'off',
    },
  },
  {
    files: ['**/*.js', '**/*.mjs'],
    ...tseslint.configs.disableTypeChecked,
    languageOptions: { parserOptions: { projectService: false, program: null }, globals: globals.node },
  },
  {
    // The bundle's CommonJS shims (scripts/bundle-shims/).
    files: ['**/*.cjs'],
    ...tseslint.configs.disableTypeChecked,
    languageOptions: { parserOptions: { projectService: false, program: null }, globals: globals.node, sourceType: 'commonjs' },
    // A shim's point is to require its module late.
    rules: { ...tseslint.configs.disableTypeChecked.rules, '@typescript-eslint/no-require-imports': 'off' },
  },
  {
    // The pages' own scripts: plain browser JavaScript, no build step.
    files: ['ui/assets/**/*.js'],
    languageOptions: { globals: globals.browser, sourceType: 'script' },
  },
);
