// The `bbetl` command line bundled into plain JavaScript, so that a command starts without
// compiling TypeScript through tsx's loader hooks: `bbetl config env` took 0.8 CPU-seconds that
// way and takes 0.25 bundled; a command that opens the embedded warehouse, 2.4 and 1.6.
//
// Built by `npm ci` (postinstall, unless current) and `npm run build`, into a folder of .build/cli/ named by the
// build, beside a manifest of every source file it holds (path, size, mtime); .build/cli/current
// names the folder. The executable runs the bundle only while each of those files is unchanged:
// after any edit, checkout or move it runs the TypeScript through tsx as before, so a stale bundle
// can cost speed, never correctness. A build never touches the folder a running `bbetl` loaded
// (its commands load chunks lazily), and removes only folders a day old. Packages stay outside
// the bundle (`packages: 'external'`): Node loads them from node_modules as usual. Each module's
// `import.meta.url` is its source file's URL, so the paths it resolves (sql/, web/views/,
// workflows/) are the ones it resolves unbundled.
//
// `node scripts/cliBundle.mjs` builds it. This module imports only node: at load; esbuild only to
// build.
import { existsSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const CLI_BUNDLE_DIR = join(root, '.build', 'cli');
const CURRENT = 'current';
const ENTRY = 'cli.js';
const MANIFEST = 'sources.json';
const KEEP_MS = 24 * 3_600_000;

const signature = (path) => {
  const s = statSync(path);
  return [s.size, s.mtimeMs];
};

/**
 * The bundle's entry as a file URL when the bundle in `dir` was built from the source files as
 * they are now; otherwise why not (missing, or the first source file that changed).
 */
export function cliBundleStatus(dir = CLI_BUNDLE_DIR) {
  let build;
  let manifest;
  try {
    build = join(dir, readFileSync(join(dir, CURRENT), 'utf8').trim());
    manifest = JSON.parse(readFileSync(join(build, MANIFEST), 'utf8'));
  } catch {
    return { fresh: false, reason: `not built (${dir})` };
  }
  if (!manifest.sources || !existsSync(join(build, ENTRY))) return { fresh: false, reason: 'incomplete' };
  for (const [path, [size, mtimeMs]] of Object.entries(manifest.sources)) {
    let now;
    try {
      now = signature(path);
    } catch {
      return { fresh: false, reason: `${path} is gone` };
    }
    if (now[0] !== size || now[1] !== mtimeMs) return { fresh: false, reason: `${path} changed` };
  }
  return { fresh: true, entry: pathToFileURL(join(build, ENTRY)).href };
}

/** Replaces each TypeScript module's `import.meta.url` with its source file's URL. */
const sourceUrls = {
  name: 'source-import-meta-url',
  setup(build) {
    build.onLoad({ filter: /\.ts$/ }, (args) => ({
      contents: readFileSync(args.path, 'utf8').replaceAll(
        'import.meta.url',
        JSON.stringify(pathToFileURL(args.path).href),
      ),
      loader: 'ts',
    }));
  },
};

/** Builds the bundle into a new folder of `dir`, then names it current. */
export async function buildCliBundle(dir = CLI_BUNDLE_DIR) {
  const { build } = await import('esbuild');
  const name = `${Date.now()}-${process.pid}`;
  const out = join(dir, name);
  const result = await build({
    absWorkingDir: root,
    entryPoints: { cli: join(root, 'scripts', 'cli.ts') },
    outdir: out,
    bundle: true,
    // Commands import their heavy modules (the Temporal SDK, the warehouses) lazily: chunks keep
    // that. In one file, esbuild hoists every package import to the top, and `bbetl config env`
    // took longer than through tsx.
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    packages: 'external',
    // Error classes are recognised by name (scripts/cli.ts), and stack traces name the sources.
    keepNames: true,
    sourcemap: true,
    metafile: true,
    plugins: [sourceUrls],
    logLevel: 'error',
  });
  const sources = {};
  // tsconfig.json too: esbuild, like tsx, reads it (class field semantics follow its target).
  for (const input of [...Object.keys(result.metafile.inputs), 'tsconfig.json']) {
    const path = resolve(root, input);
    sources[path] = signature(path);
  }
  writeFileSync(join(out, MANIFEST), `${JSON.stringify({ sources }, null, 1)}\n`);
  // Named current at once (a rename), so a `bbetl` starting meanwhile reads one build or the other.
  const pointer = join(dir, `${CURRENT}.${name}`);
  writeFileSync(pointer, `${name}\n`);
  renameSync(pointer, join(dir, CURRENT));
  for (const entry of readdirSync(dir)) {
    const path = join(dir, entry);
    if (entry !== name && entry !== CURRENT && Date.now() - statSync(path).mtimeMs > KEEP_MS) {
      rmSync(path, { recursive: true, force: true });
    }
  }
  return { dir: out, sources: Object.keys(sources).length };
}

/** Builds the bundle unless the current one is fresh; says which. */
export async function ensureCliBundle(dir = CLI_BUNDLE_DIR) {
  const status = cliBundleStatus(dir);
  if (status.fresh) return { built: false, entry: status.entry };
  return { built: true, ...(await buildCliBundle(dir)) };
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const { dir, sources } = await buildCliBundle();
  console.log(`bbetl: bundled ${sources} source files into ${dir}`);
}
