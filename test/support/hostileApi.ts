// A proxy in front of the sandbox's API that rewrites its JSON answers before they reach bbetl:
// how a test feeds odd payloads (huge strings, NUL characters, nulls and wrong types, new
// fields) through the real client, extractor, loader and models. Links in the answers are
// pointed at the proxy, as the client follows links to its own API host only.
import { createServer } from 'node:http';
import { freePort } from '../../lib/net';
import type { Sandbox } from '../../sandbox/index';

/** Rewrites one parsed answer of `path` (e.g. /2.0/repositories/acme/api/pullrequests). */
export type Rewrite = (path: string, body: unknown) => unknown;

export interface HostileApi {
  /** The sandbox, as seen through the proxy (pass it to pipelineServices). */
  sb: Sandbox;
  close(): Promise<void>;
}

export async function startHostileApi(sb: Sandbox, rewrite: Rewrite): Promise<HostileApi> {
  const upstream = new URL(sb.urls.apiUrl).origin;
  const port = await freePort();
  const origin = `http://127.0.0.1:${port}`;
  const server = createServer(async (req, res) => {
    try {
      // bbetl only reads the API: GETs carrying its bearer token.
      const answer = await fetch(`${upstream}${req.url}`, {
        headers: { authorization: req.headers.authorization ?? '' },
        redirect: 'manual',
      });
      let text = await answer.text();
      const path = new URL(req.url ?? '/', origin).pathname;
      if (answer.ok && path.startsWith('/2.0/') && answer.headers.get('content-type')?.includes('json'))
        text = JSON.stringify(rewrite(path, JSON.parse(text)));
      const headers: Record<string, string> = {};
      answer.headers.forEach((value, name) => {
        if (!['content-length', 'content-encoding', 'transfer-encoding', 'connection'].includes(name))
          headers[name] = value;
      });
      res.writeHead(answer.status, headers).end(text.replaceAll(upstream, origin));
    } catch (err) {
      res.writeHead(502).end(String(err));
    }
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return {
    sb: { ...sb, urls: { ...sb.urls, apiUrl: `${origin}/2.0` } },
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
