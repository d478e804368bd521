#!/usr/bin/env node
// The SDK reference, generated from the sources' types and comments by TypeDoc into
// docs/sdk-reference/ of the repository.
//   node scripts/docs.mjs           write it
//   node scripts/docs.mjs --check   exit 1 when the committed reference differs from the sources
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const committed = resolve(root, '..', 'docs', 'sdk-reference');
const check = process.argv.includes('--check');
const out = check ? mkdtempSync(join(tmpdir(), 'minibase-sdk-docs-')) : committed;

if (!check) rmSync(committed, { recursive: true, force: true });
const typedoc = join(root, 'node_modules', 'typedoc', 'bin', 'typedoc');
execFileSync(process.execPath, [typedoc, '--out', out, '--logLevel', 'Warn'], {
  cwd: root,
  stdio: 'inherit',
});

if (check) {
  const list = (dir) => {
    try {
      return readdirSync(dir, { recursive: true }).map(String).sort();
    } catch {
      return [];
    }
  };
  const names = [...new Set([...list(out), ...list(committed)])];
  const differing = names.filter((name) => {
    try {
      return readFileSync(join(out, name), 'utf8') !== readFileSync(join(committed, name), 'utf8');
    } catch {
      return true;
    }
  });
  rmSync(out, { recursive: true, force: true });
  if (differing.length) {
    console.error(`docs/sdk-reference/{${differing.join(',')}} differ from the sources.`);
    console.error('Run `npm run docs` and commit docs/sdk-reference/.');
    process.exit(1);
  }
  console.log('docs/sdk-reference matches the sources');
}
