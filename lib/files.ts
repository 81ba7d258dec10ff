import { linkSync, unlinkSync, writeFileSync } from 'node:fs';

/**
 * Creates `path` with `content` only if it does not exist yet, and never lets a reader see a
 * half-written file: the content is written aside, then hard-linked into place (atomic, and it
 * fails if the name exists). Returns false when another process created the file first.
 */
export function createFileExclusive(
  path: string,
  content: string,
  options: { mode: number; tempTag: string },
): boolean {
  const temp = `${path}.${options.tempTag}.tmp`;
  writeFileSync(temp, content, { mode: options.mode });
  try {
    linkSync(temp, path);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw err;
  } finally {
    unlinkSync(temp);
  }
}
