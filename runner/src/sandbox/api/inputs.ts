import { headerOf } from '../../scoring/predictions.js';
import { formatOf, readTable } from '../../scoring/table.js';

/** The test inputs as one object per item, every column as text, for API requests. */
export async function readInputs(file: string): Promise<Record<string, string>[]> {
  const format = formatOf(file);
  const header = await headerOf({ path: file }, format);
  const table = await readTable(
    { path: file },
    header.map((name) => ({ name, kind: 'key' as const })),
    format,
  );
  const columns = header.map((name) => {
    const c = table.columns.get(name)!;
    if (c.kind !== 'key') throw new Error('inputs are read as text');
    return [name, c.keys] as const;
  });
  const items: Record<string, string>[] = [];
  for (let i = 0; i < table.n; i++) {
    const item: Record<string, string> = {};
    for (const [name, keys] of columns) item[name] = keys.get(i);
    items.push(item);
  }
  return items;
}
