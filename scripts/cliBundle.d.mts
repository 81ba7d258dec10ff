// Types of scripts/cliBundle.mjs (plain JavaScript, so that the executable needs no compiler).
export declare const CLI_BUNDLE_DIR: string;
export type CliBundleStatus = { fresh: true; entry: string } | { fresh: false; reason: string };
export declare function cliBundleStatus(dir?: string): CliBundleStatus;
export declare function buildCliBundle(dir?: string): Promise<{ dir: string; sources: number }>;
export declare function ensureCliBundle(
  dir?: string,
): Promise<{ built: false; entry: string } | { built: true; dir: string; sources: number }>;
