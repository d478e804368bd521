#!/usr/bin/env node
// Builds the console into a temporary directory and fails when the result differs from the
// committed dist/ (which the minibase binary embeds): run `npm run build` and commit dist/.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const fresh = mkdtempSync(join(tmpdir(), 'console-dist-'));

function files(dir) {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? files(path) : [path];
  });
}

try {
  execFileSync('npx', ['vite', 'build', '--logLevel', 'warn'], {
    cwd: root,
    stdio: 'inherit',
    env: { ...process.env, CONSOLE_OUT_DIR: fresh },
  });
  const committedDir = join(root, 'dist');
  const built = new Map(files(fresh).map((f) => [relative(fresh, f), readFileSync(f)]));
  const committed = new Map(
    files(committedDir).map((f) => [relative(committedDir, f), readFileSync(f)]),
  );
  const problems = [];
  for (const [name, bytes] of built) {
    const old = committed.get(name);
    if (!old) problems.push(`missing from dist/: ${name}`);
    else if (!old.equals(bytes)) problems.push(`differs: ${name}`);
  }
  for (const name of committed.keys()) {
    if (!built.has(name)) problems.push(`stale in dist/: ${name}`);
  }
  if (problems.length > 0) {
    console.error(
      `${problems.join('\n')}\nthe committed dist/ is not the build: run \`npm run build\``,
    );
    process.exit(1);
  }
  console.log(`dist/ matches the build (${built.size} files)`);
} finally {
  rmSync(fresh, { recursive: true, force: true });
}
