// A scripted browser without a browser: fetch with a cookie jar and form posts, for walking
// server-rendered pages (the demo's OAuth consent, tests over plain HTTP). Cookies are kept per
// name, across ports of the same host, as browsers keep them; redirects are not followed unless
// asked, so a caller can see each hop.
export class FormClient {
  private readonly cookies = new Map<string, string>();

  async request(url: string | URL, init: RequestInit = {}): Promise<Response> {
    const res = await fetch(url, {
      ...init,
      redirect: 'manual',
      headers: { ...(init.headers as Record<string, string>), cookie: this.cookieHeader() },
    });
    for (const line of res.headers.getSetCookie()) {
      const [pair = ''] = line.split(';');
      const at = pair.indexOf('=');
      const name = pair.slice(0, at);
      const value = pair.slice(at + 1);
      if (/max-age=0|expires=thu, 01 jan 1970/i.test(line) || value === '') this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
    return res;
  }

  post(url: string | URL, form: Record<string, string>): Promise<Response> {
    return this.request(url, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams(form),
    });
  }

  /** GETs `url` and follows redirects; returns the last answer and its URL. */
  async follow(url: string | URL, first?: Response): Promise<{ res: Response; url: URL }> {
    let at = new URL(url);
    let res = first ?? (await this.request(at));
    for (let hops = 0; res.status >= 300 && res.status < 400; hops += 1) {
      if (hops === 10) throw new Error(`more than 10 redirects from ${url}`);
      await res.arrayBuffer();
      at = new URL(res.headers.get('location') ?? '', at);
      res = await this.request(at);
    }
    return { res, url: at };
  }

  cookieHeader(): string {
    return [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  }

  has(name: string): boolean {
    return this.cookies.has(name);
  }
}

/** The value of a form field in a page (`name="…" value="…"`), HTML entities decoded. */
export function formField(html: string, name: string): string {
  const raw = new RegExp(`name="${name}" value="([^"]*)"`).exec(html)?.[1] ?? '';
  return raw
    .replace(/&quot;/g, '"')
    .replace(/&#39;|&#x27;/g, "'")
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');
}
