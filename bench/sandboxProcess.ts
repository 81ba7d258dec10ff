// The sandbox as a child process (`bbetl sandbox`), as in real use: its memory is not counted as
// the worker's, and the benchmarks drive it only through its HTTP control API.
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import type { SandboxUrls } from '../sandbox/index';
import { peakRssMb } from './memory';

/** What GET /_sandbox/stats answers (since the last reset). */
export interface SandboxServed {
  requests: number;
  records: number;
  rateLimited: number;
  byStatus: Record<string, number>;
  /** By route pattern, e.g. `/2.0/repositories/:workspace/:repo_slug/commits`. */
  byRoute: Record<string, number>;
}

export interface SandboxLimits {
  rateLimitPerHour?: number;
  rateWindowSeconds?: number;
}

export interface SandboxProcess {
  urls: Omit<SandboxUrls, 'redirectUris'>;
  /** The sandbox clock (ISO-8601). */
  now(): Promise<string>;
  advanceClock(by: { hours: number }): Promise<void>;
  /** Ground truth: how many records each list of the workspace holds (one entry per parent). */
  listSizes(workspace: string): Promise<Record<string, number[]>>;
  setLimits(limits: SandboxLimits): Promise<void>;
  resetStats(): Promise<void>;
  stats(): Promise<SandboxServed>;
  /** A client-credentials access token, as any OAuth client of the consumer gets one. */
  accessToken(): Promise<string>;
  peakRssMb(): number;
  close(): void;
}

const bin = fileURLToPath(new URL('../scripts/bbetl.mjs', import.meta.url));
/** The benchmarks that do not measure rate limiting lift the default 1,000 requests an hour. */
export const UNLIMITED: SandboxLimits = { rateLimitPerHour: 100_000_000, rateWindowSeconds: 3600 };

export async function startSandboxProcess(scale: string, limits = UNLIMITED): Promise<SandboxProcess> {
  const child = spawn('node', [bin, 'sandbox', '--scale', scale, '--seed', '1'], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const firstLine = await new Promise<string>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`bbetl sandbox exited with ${code}`)));
    createInterface({ input: child.stdout }).once('line', resolve);
  });
  const urls = JSON.parse(firstLine) as SandboxProcess['urls'];
  const control = async <T>(method: string, path: string, body?: unknown): Promise<T> => {
    const res = await fetch(`${urls.controlUrl}${path}`, {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${await res.text()}`);
    return (await res.json()) as T;
  };
  const sandbox: SandboxProcess = {
    urls,
    now: async () => (await control<{ now: string }>('GET', '/state')).now,
    advanceClock: async (by) => {
      await control('POST', '/clock/advance', by);
    },
    listSizes: async (workspace) =>
      (
        await control<{ lists: Record<string, number[]> }>(
          'GET',
          `/truth?workspace=${encodeURIComponent(workspace)}`,
        )
      ).lists,
    setLimits: async (next) => {
      await control('PUT', '/limits', next);
    },
    resetStats: async () => {
      await control('POST', '/stats/reset', {});
    },
    stats: () => control<SandboxServed>('GET', '/stats'),
    accessToken: async () => {
      const res = await fetch(`${urls.oauthUrl}/access_token`, {
        method: 'POST',
        headers: {
          authorization: `Basic ${Buffer.from(`${urls.clientId}:${urls.clientSecret}`).toString('base64')}`,
          'content-type': 'application/x-www-form-urlencoded',
        },
        body: 'grant_type=client_credentials',
      });
      if (!res.ok) throw new Error(`token request: ${res.status} ${await res.text()}`);
      return ((await res.json()) as { access_token: string }).access_token;
    },
    peakRssMb: () => peakRssMb(child.pid as number),
    close: () => {
      child.kill('SIGTERM');
    },
  };
  await sandbox.setLimits(limits);
  return sandbox;
}
