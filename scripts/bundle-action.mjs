#!/usr/bin/env node
// Bundles the GitHub Action (build/action/src/main.js, from `npm run build`) into one file
// with @vercel/ncc: action/dist/ is committed, since a runner runs the Action without
// installing anything. `node scripts/bundle-action.mjs [OUT]` writes elsewhere, for the test
// that checks the committed bundle is what the sources give. What it writes is what a
// competition gets (podium init copies action/dist): the test holds it to a size budget.
import { mkdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import ncc from '@vercel/ncc';

const out = path.resolve(process.argv[2] ?? 'action/dist');
const { code, assets } = await ncc(path.resolve('build/action/src/main.js'), {
  target: 'es2022',
  // Minified to stay within the budget that the bundle test holds it to. The readable code is
  // the sources, and `npm run build` compiles them one file per module.
  minify: true,
  sourceMap: false,
  quiet: true,
});
await rm(out, { recursive: true, force: true });
await mkdir(out, { recursive: true });
await writeFile(path.join(out, 'index.js'), code);
for (const [name, asset] of Object.entries(assets)) {
  const file = path.join(out, name);
  await mkdir(path.dirname(file), { recursive: true });
  await writeFile(file, asset.source, { mode: asset.permissions ?? 0o644 });
}
process.stdout.write(`bundled the action into ${path.relative(process.cwd(), out) || '.'} (${Object.keys(assets).length + 1} files)\n`);
