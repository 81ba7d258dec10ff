// Server-rendered pages: nunjucks templates in web/views with autoescaping on, so every value
// from outside (repository names, display names, commit messages) is text, never markup. Pages
// carry no inline script or style: the Content-Security-Policy forbids both.
import { fileURLToPath } from 'node:url';
import type { FastifyReply, FastifyRequest } from 'fastify';
import nunjucks from 'nunjucks';

const VIEWS_DIR = fileURLToPath(new URL('./views', import.meta.url));

const env = new nunjucks.Environment(new nunjucks.FileSystemLoader(VIEWS_DIR), {
  autoescape: true,
  throwOnUndefined: false,
  trimBlocks: true,
  lstripBlocks: true,
});

const integer = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });
const decimal = new Intl.NumberFormat('en-US', { maximumFractionDigits: 1 });

env.addFilter('num', (v: unknown) =>
  v === null || v === undefined || v === ''
    ? '–'
    : Number.isInteger(Number(v))
      ? integer.format(Number(v))
      : decimal.format(Number(v)),
);
env.addFilter('pct', (v: unknown) =>
  v === null || v === undefined || v === '' ? '–' : `${decimal.format(Number(v) * 100)}%`,
);
env.addFilter('datetime', (v: unknown) => {
  if (!v) return '–';
  const d = v instanceof Date ? v : new Date(String(v));
  return Number.isNaN(d.getTime()) ? String(v) : `${d.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
});
/** JSON for a <script type="application/json"> data island; `<` escaped so no value can close the tag. */
env.addFilter(
  'json',
  (v: unknown) => new nunjucks.runtime.SafeString(JSON.stringify(v ?? null).replace(/</g, '\\u003c')),
);

export interface PageContext {
  [key: string]: unknown;
}

/** Renders a page with the signed-in user, a CSRF token for its forms and the current path. */
export function renderPage(
  req: FastifyRequest,
  reply: FastifyReply,
  template: string,
  context: PageContext = {},
  status = 200,
): FastifyReply {
  const html = env.render(template, {
    ...context,
    user: req.user,
    csrfToken: reply.generateCsrf(),
    path: req.url.split('?')[0],
  });
  return reply.code(status).type('text/html; charset=utf-8').send(html);
}
