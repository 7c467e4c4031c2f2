#!/usr/bin/env node
// Makes `npm run demo` and `npm test` work on a fresh clone: installs the locked dependencies
// when node_modules is missing or was installed from a different package-lock.json.
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { execSync } from 'node:child_process';

const lock = readFileSync('package-lock.json');
const want = createHash('sha256').update(lock).digest('hex');
const stamp = 'node_modules/.podium-lock-hash';
const have = existsSync(stamp) ? readFileSync(stamp, 'utf8').trim() : '';
if (have !== want) {
  process.stderr.write('Installing dependencies (npm ci)…\n');
  execSync('npm ci --no-audit --no-fund --loglevel=error', { stdio: 'inherit' });
  writeFileSync(stamp, `${want}\n`);
}
