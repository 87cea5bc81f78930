// Lint: typescript-eslint's recommended rules for correctness, and one design
// rule — imports flow one way (import-x/no-cycle). Formatting is Prettier's.
import tseslint from 'typescript-eslint';
import importX from 'eslint-plugin-import-x';

export default tseslint.config(
  { ignores: ['dist/**', 'docs/api/**', 'node_modules/**', 'playground/dist/**', 'demo-output/**', 'examples/out/**', 'bench/out/**', '**/*.js', '**/*.cjs', '**/*.mjs'] },
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    languageOptions: { parser: tseslint.parser },
    plugins: { 'import-x': importX },
    settings: { 'import-x/extensions': ['.ts'], 'import-x/resolver': { node: { extensions: ['.ts', '.js'] } } },
    rules: {
      'import-x/no-cycle': ['error', { ignoreExternal: true }],
      // `_`-prefixed names are deliberately unused (a parameter kept for its position)
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrorsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_' }],
      // `declare namespace` merges types into a value (fast-check's `fc.Arbitrary<T>`)
      '@typescript-eslint/no-namespace': ['error', { allowDeclarations: true }],
      // the ambient declaration of the untyped `mnist` package is referenced, not imported
      '@typescript-eslint/triple-slash-reference': ['error', { path: 'always', types: 'prefer-import', lib: 'always' }],
    },
  },
  // Layers (docs/design.md): kernels know nothing of lib/; tensors know nothing of ops or autodiff;
  // the autodiff core (tracing, backward pass, customGrad, trees) knows nothing of ops — the transforms
  // that need ops (grad.ts and the forward-mode / vmap transforms) pass them in.
  {
    files: ['kernels/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', { patterns: [{ group: ['**/lib/**'], message: 'kernels/ must not import lib/' }] }] },
  },
  {
    files: ['lib/tensor/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', { patterns: [{ group: ['**/ops/**', '**/autodiff/**'], message: 'lib/tensor must not import ops or autodiff' }] }] },
  },
  {
    files: ['lib/autodiff/primitive.ts', 'lib/autodiff/backward.ts', 'lib/autodiff/custom.ts', 'lib/autodiff/tree.ts'],
    rules: { 'no-restricted-imports': ['error', { patterns: [{ group: ['**/ops/**'], message: 'the autodiff core must not import ops: take them as an Accumulator' }] }] },
  },
);
