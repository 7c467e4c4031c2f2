import js from '@eslint/js';
import tseslint from 'typescript-eslint';

/** An import path that reaches the GitHub adapter or the site from the engine. */
const ONE_WAY = /(^|\/)(action|leaderboard-site)\//;
const ONE_WAY_MESSAGE =
  'runner/ is the engine: it never imports action/ or leaderboard-site/ (they import it). Hand what it needs in, as CliDeps does.';

export default tseslint.config(
  { ignores: ['build/', 'node_modules/', '.demo/', 'coverage/', 'action/dist/', 'tool/dist/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { process: 'readonly', console: 'readonly', URL: 'readonly', fetch: 'readonly' } },
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    // One direction of dependency: action/ and leaderboard-site/ import runner/, never the reverse.
    files: ['runner/**'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [{ regex: ONE_WAY.source, message: ONE_WAY_MESSAGE }] }],
      'no-restricted-syntax': [
        'error',
        { selector: `ImportExpression > Literal[value=${ONE_WAY}]`, message: ONE_WAY_MESSAGE },
        { selector: `ImportExpression > TemplateLiteral > TemplateElement[value.raw=${ONE_WAY}]`, message: ONE_WAY_MESSAGE },
      ],
    },
  },
);
