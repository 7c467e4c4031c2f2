/** Invalid fixtures end with `# expect: LINE:COL text` lines: the problems each must produce. */
export function expectations(text: string): { pos: string; text: string }[] {
  return [...text.matchAll(/^# expect: (\d+:\d+) (.+)$/gm)].map((m) => ({ pos: m[1]!, text: m[2]! }));
}
