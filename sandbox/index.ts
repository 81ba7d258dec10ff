// startSandbox(): the Bitbucket Cloud emulator as a library (tests, demo, benchmarks).
import { createServer } from 'node:net';
import { type SandboxOptions, sandboxOptionsSchema } from './options';
import { buildSandbox, type SandboxParts } from './server';

export interface SandboxUrls {
  apiUrl: string;
  oauthUrl: string;
  controlUrl: string;
  clientId: string;
  clientSecret: string;
  redirectUris: string[];
  workspaces: string[];
}

export interface Sandbox extends SandboxParts {
  urls: SandboxUrls;
  close(): Promise<void>;
}

async function freePort(host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.on('error', reject);
    server.listen(0, host, () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

export async function startSandbox(input: SandboxOptions = {}): Promise<Sandbox> {
  const options = sandboxOptionsSchema.parse(input);
  // Links in responses carry the server's own address, so the port is fixed before building.
  const port = options.port === 0 ? await freePort(options.host) : options.port;
  const baseUrl = `http://${options.host}:${port}`;
  const parts = buildSandbox(options, baseUrl);
  await parts.app.listen({ port, host: options.host });
  return {
    ...parts,
    urls: {
      apiUrl: `${baseUrl}/2.0`,
      oauthUrl: `${baseUrl}/site/oauth2`,
      controlUrl: `${baseUrl}/_sandbox`,
      clientId: parts.grants.consumer.clientId,
      clientSecret: parts.grants.consumer.clientSecret,
      redirectUris: parts.grants.consumer.redirectUris,
      workspaces: parts.store.world.workspaces.map((w) => w.slug),
    },
    close: () => parts.app.close(),
  };
}

export type { SandboxOptions } from './options';
