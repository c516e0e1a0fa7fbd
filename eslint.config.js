// Type-aware lint: no promise may float or be handed to something that ignores it, and no catch
// may swallow an error without saying why (a comment in the block satisfies no-empty).
import tseslint from 'typescript-eslint';

export default tseslint.config(
  {
    // Only TypeScript is linted; the .js/.mjs/.cjs files are build output, scripts, fixtures and benches.
    ignores: ['**/dist/**', '**/node_modules/**', '**/*.js', '**/*.mjs', '**/*.cjs', 'bench/**', 'scripts/**', '**/test-artifacts/**'],
  },
  {
    files: ['**/*.ts'],
    plugins: { '@typescript-eslint': tseslint.plugin },
    languageOptions: {
      parser: tseslint.parser,
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      'no-empty': ['error', { allowEmptyCatch: false }],
      '@typescript-eslint/no-empty-function': 'error',
    },
  },
  {
    // Tests are outside the packages' tsconfig.json files: they are typed by tsconfig.test.json.
    files: ['apps/*/test/**/*.ts', 'libs/*/test/**/*.ts', '**/*.test.ts', 'vitest.config.ts', 'tests/**/*.ts', 'vitest.hosts.config.ts'],
    languageOptions: {
      parserOptions: { projectService: false, project: './tsconfig.test.json', tsconfigRootDir: import.meta.dirname },
    },
  },
);
