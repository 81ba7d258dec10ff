// One heap cap for the product's processes: the `bbetl` executable sets it in its shebang (see
// scripts/bbetl.mjs for why), the npm scripts run that executable, and the benchmarks, whose
// worker runs in the bench process, run under the same cap so that their RSS figures are the
// product's.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

const root = new URL('../../', import.meta.url);
const shebang = readFileSync(new URL('scripts/bbetl.mjs', root), 'utf8').split('\n')[0] ?? '';
const scripts = JSON.parse(readFileSync(new URL('package.json', root), 'utf8')).scripts as Record<
  string,
  string
>;

describe('the heap cap', () => {
  const cap = /--max-old-space-size=(\d+)/.exec(shebang)?.[1];

  it('is in the executable’s shebang, through env -S so that Node gets the option', () => {
    expect(shebang).toMatch(/^#!\/usr\/bin\/env -S node --max-old-space-size=\d+$/);
    expect(Number(cap)).toBeGreaterThanOrEqual(512);
  });

  it('applies to npm start and npm run demo (the executable) and to the benchmarks (the same option)', () => {
    expect(scripts.start).toMatch(/^scripts\/bbetl\.mjs /);
    expect(scripts.demo).toMatch(/^scripts\/bbetl\.mjs /);
    expect(scripts.bench).toContain(`--max-old-space-size=${cap} `);
  });
});
