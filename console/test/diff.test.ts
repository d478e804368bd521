import { describe, expect, it } from 'vitest';
import { diffLines, parseJson, pretty } from '../src/components/diff';

describe('diffLines', () => {
  it('marks removed and added lines around the common ones', () => {
    const before = pretty({ price: 10, title: 'a' });
    const after = pretty({ price: 12, title: 'a' });
    const lines = diffLines(before, after);
    expect(lines.filter((l) => l.kind === 'del').map((l) => l.text.trim())).toEqual([
      '"price": 10,',
    ]);
    expect(lines.filter((l) => l.kind === 'add').map((l) => l.text.trim())).toEqual([
      '"price": 12,',
    ]);
    expect(lines.filter((l) => l.kind === 'same').map((l) => l.text.trim())).toEqual([
      '{',
      '"title": "a"',
      '}',
    ]);
  });

  it('shows a created value as all added and a deleted one as all removed', () => {
    expect(diffLines('', '"x"')).toEqual([{ kind: 'add', text: '"x"' }]);
    expect(diffLines('"x"', '')).toEqual([{ kind: 'del', text: '"x"' }]);
  });
});

describe('parseJson', () => {
  it('parses JSON and names the problem otherwise', () => {
    expect(parseJson('{"a":1}')).toEqual({ ok: true, value: { a: 1 } });
    const bad = parseJson('{a:1}');
    expect(bad.ok).toBe(false);
  });
});
