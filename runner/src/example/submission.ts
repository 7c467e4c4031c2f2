/** The submission.yml of an example's baseline: team baseline, a predictions file, what the method does. */
export function submissionYml(name: string, file: string, description: readonly string[]): string {
  return [
    '# yaml-language-server: $schema=../../../.podium/schemas/submission.schema.json',
    'team: baseline',
    `name: ${name}`,
    'kind: predictions',
    `predictions: ${file}`,
    'description: >-',
    ...description.map((line) => `  ${line}`),
    '',
  ].join('\n');
}
