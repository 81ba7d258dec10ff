#!/bin/sh
":" //; exec node --max-old-space-size=1024 "$0" "$@"
// The `bbetl` executable: runs the CLI from its bundle (scripts/cliBundle.mjs) while that is built
// from the sources as they are, and otherwise the TypeScript itself through tsx, so no build step
// is ever needed.
//
// Line 2 is read by sh, where it starts Node with a heap cap, and by Node as a string and
// a comment: a shebang cannot pass Node an option everywhere (`env -S` is in GNU's and macOS's
// env, not BusyBox's, so not in Alpine's Node images; biome.json leaves this file unformatted,
// since its formatter would break that line in two for sh). Why the cap: with Node's default (a
// quarter of the machine's memory, up to 4 GB) V8 grows the heap with the allocation rate, so a
// worker's RSS grew with the size of the backfill although what it keeps is small (79 MB live at
// the large scale's peak). Capped, V8 collects sooner: the same large repositories took 529 MB
// uncapped, 366 MB with 1,024 MB (13× that live set). `node --max-old-space-size=N
// scripts/bbetl.mjs` sets another cap.
import { cliBundleStatus } from './cliBundle.mjs';

const bundle = cliBundleStatus();
// For `bbetl doctor`, which says how the CLI runs.
process.env.BBETL_CLI_RUNS = bundle.fresh ? 'bundle' : `tsx: ${bundle.reason}`;
if (bundle.fresh) {
  // Stack traces name the TypeScript sources, as under tsx.
  process.setSourceMapsEnabled(true);
  await import(bundle.entry);
} else {
  const { register } = await import('tsx/esm/api');
  register();
  await import('./cli.ts');
}
