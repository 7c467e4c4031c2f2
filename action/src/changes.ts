/** A file a pull request touches, as the pulls API lists it. */
export interface ChangedFile {
  filename: string;
  status: string;
  previous_filename?: string;
}

export type ChangeCheck = { ok: true; team: string; name: string; folder: string } | { ok: false; why: string };

const SEGMENT = /^[a-z0-9][a-z0-9_-]*$/;

/**
 * A submission pull request adds or changes files under one `submissions/<team>/<name>/`
 * folder and nothing else: not the workflows, not competition.yml, not another team's folder.
 */
export function checkChanges(files: readonly ChangedFile[]): ChangeCheck {
  if (files.length === 0) return { ok: false, why: 'the pull request changes no files.' };
  const folders = new Set<string>();
  const outside: string[] = [];
  for (const f of files) {
    for (const p of [f.filename, ...(f.previous_filename ? [f.previous_filename] : [])]) {
      const parts = p.split('/');
      if (parts.length < 4 || parts[0] !== 'submissions' || !SEGMENT.test(parts[1]!) || !SEGMENT.test(parts[2]!)) outside.push(p);
      else folders.add(`submissions/${parts[1]}/${parts[2]}`);
    }
  }
  if (outside.length > 0)
    return {
      ok: false,
      why: `a submission changes files under submissions/<team>/<name>/ only; this pull request also changes ${list(outside)}.`,
    };
  if (folders.size > 1) return { ok: false, why: `one submission per pull request; this one touches ${list([...folders])}.` };
  const folder = [...folders][0]!;
  const [, team, name] = folder.split('/') as [string, string, string];
  return { ok: true, team, name, folder };
}

function list(items: string[]): string {
  const shown = items.slice(0, 5).join(', ');
  return items.length > 5 ? `${shown} and ${items.length - 5} more` : shown;
}
