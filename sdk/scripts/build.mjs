#!/usr/bin/env node
// Builds the package: dist/ (the JavaScript the mini-program loads; what "构建 npm" copies and
// what can be copied by hand) and types/ (declarations). Both are committed, so the SDK can be
// used from a clone without Node; then checks that what it built is what a mini-program can run:
// ES2017 syntax and no require() of anything but the package's own files.
//   node scripts/build.mjs           build into dist/ and types/
//   node scripts/build.mjs --check   build into a temporary folder; exit 1 when it differs from
//                                    the committed dist/ and types/
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'acorn';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const check = process.argv.includes('--check');
const out = check ? mkdtempSync(join(tmpdir(), 'minibase-sdk-build-')) : root;
const dist = join(out, 'dist');
const types = join(out, 'types');

if (!check) {
  rmSync(dist, { recursive: true, force: true });
  rmSync(types, { recursive: true, force: true });
}
const tsc = join(root, 'node_modules', 'typescript', 'bin', 'tsc');
execFileSync(
  process.execPath,
  [tsc, '-p', join(root, 'tsconfig.build.json'), '--outDir', dist, '--declarationDir', types],
  { stdio: 'inherit' },
);

function files(dir) {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? files(path) : [path];
  });
}

let problems = 0;
for (const file of files(dist)) {
  const code = readFileSync(file, 'utf8');
  const name = relative(out, file);
  try {
    parse(code, { ecmaVersion: 2017, sourceType: 'script' });
  } catch (err) {
    console.error(`${name}: not ES2017 (${err.message})`);
    problems++;
  }
  for (const [, target] of code.matchAll(/\brequire\(\s*["']([^"']+)["']\s*\)/g)) {
    if (!target.startsWith('.')) {
      console.error(
        `${name}: requires '${target}'; the mini-program runtime has only the package's own files`,
      );
      problems++;
    }
  }
}

if (check) {
  for (const folder of ['dist', 'types']) {
    const built = files(join(out, folder))
      .map((f) => relative(out, f))
      .sort();
    let committed = [];
    try {
      committed = files(join(root, folder))
        .map((f) => relative(root, f))
        .sort();
    } catch {
      // missing: reported below
    }
    const differing = [...new Set([...built, ...committed])].filter((f) => {
      try {
        return readFileSync(join(out, f), 'utf8') !== readFileSync(join(root, f), 'utf8');
      } catch {
        return true;
      }
    });
    for (const f of differing) console.error(`${f} differs from a fresh build`);
    problems += differing.length;
  }
  rmSync(out, { recursive: true, force: true });
  if (problems) console.error('Run `npm run build` and commit dist/ and types/.');
  else console.log('dist/ and types/ match a fresh build');
}
process.exit(problems ? 1 : 0);
