#!/usr/bin/env node
// Bundles the GitHub Action (build/action/src/main.js, from `npm run build`) into one file
// with @vercel/ncc: action/dist/ is committed, since a runner runs the Action without
// installing anything. `node scripts/bundle-action.mjs [OUT]` writes elsewhere, for the test
// that checks the committed bundle is what the sources give.
import { mkdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import ncc from '@vercel/ncc';

const out = path.resolve(process.argv[2] ?? 'action/dist');
const { code, assets } = await ncc(path.resolve('build/action/src/main.js'), {
  // Optional native add-ons of the SSH transport, which Podium never uses: left out, so the
  // bundle is the same whether or not this machine compiled them (both requires are guarded).
  externals: ['cpu-features', './crypto/build/Release/sshcrypto.node'],
  target: 'es2022',
  minify: false,
  sourceMap: false,
  quiet: true,
});
await rm(out, { recursive: true, force: true });
await mkdir(out, { recursive: true });
// The bundle is an ES module, where __dirname does not exist; ssh2's pure-JS Poly1305 (used
// when its native add-on is absent) still asks for it at load.
const prologue =
  "import { fileURLToPath as __podiumPath } from 'node:url';\nimport { dirname as __podiumDir } from 'node:path';\n" +
  'const __filename = __podiumPath(import.meta.url);\nconst __dirname = __podiumDir(__filename);\n';
await writeFile(path.join(out, 'index.js'), prologue + code);
for (const [name, asset] of Object.entries(assets)) {
  const file = path.join(out, name);
  await mkdir(path.dirname(file), { recursive: true });
  await writeFile(file, asset.source, { mode: asset.permissions ?? 0o644 });
}
process.stdout.write(`bundled the action into ${path.relative(process.cwd(), out) || '.'} (${Object.keys(assets).length + 1} files)\n`);
