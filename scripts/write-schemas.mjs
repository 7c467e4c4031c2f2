#!/usr/bin/env node
// Writes the published JSON Schemas (schemas/*.json) from the engine's own schema objects.
// A test fails when the committed files differ, so run this after changing a contract.
import { writeFileSync } from 'node:fs';
import { publishedSchemas } from '../build/runner/src/contracts/published.js';

for (const [name, schema] of Object.entries(publishedSchemas())) {
  writeFileSync(new URL(`../schemas/${name}`, import.meta.url), `${JSON.stringify(schema, null, 2)}\n`);
  process.stdout.write(`wrote schemas/${name}\n`);
}
