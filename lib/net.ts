// Ports for the servers bbetl starts on this machine.
import { createServer } from 'node:net';

function listenOnce(host: string, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(port, host, () => {
      const bound = (server.address() as { port: number }).port;
      server.close(() => resolve(bound));
    });
  });
}

/** A port nothing listens on right now (the OS picks it). */
export function freePort(host = '127.0.0.1'): Promise<number> {
  return listenOnce(host, 0);
}

/** `preferred` if nothing listens on it, else a free port; 0 always means "any free port". */
export async function portOr(preferred: number, host = '127.0.0.1'): Promise<number> {
  if (preferred === 0) return freePort(host);
  return listenOnce(host, preferred).catch(() => freePort(host));
}
