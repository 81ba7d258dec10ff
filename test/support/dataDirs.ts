// BBETL_DATA_DIRs that tests make for bbetl processes, removed after each test file
// (setupFile.ts): before, every pipeline fixture left one in the temporary folder.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const made: string[] = [];

export function newDataDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'bbetl-data-'));
  made.push(dir);
  return dir;
}

export function removeDataDirs(): void {
  for (const dir of made.splice(0)) rmSync(dir, { recursive: true, force: true });
}
