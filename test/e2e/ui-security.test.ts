/**
 * Who may use a `ui` server: nobody without the printed token (then its cookie), no other Host,
 * no POST without the session's CSRF token or from another origin, and no cross-site form in a
 * real browser. Driven against the built binary.
 */
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { launchBrowser, type Browser } from '../helpers/browser.js';
import { REPO } from '../helpers/cli.js';
import { tempDir } from '../helpers/engine-harness.js';
import { serve, signIn, type Served } from '../helpers/served.js';

let browser: Browser | undefined;
let served: Served | undefined;
let attacker: Server | undefined;
afterEach(async () => {
  await browser?.close();
  browser = undefined;
  if (served?.child.exitCode === null) served.child.kill('SIGKILL');
  attacker?.close();
});

/** A raw request, so the Host header can be anything. */
function rawGet(port: number, path: string, headers: Record<string, string>): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, headers }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('error', reject);
    req.end();
  });
}

async function startUi(): Promise<Served> {
  const stateDir = await tempDir('rr-ui-sec-');
  // Waits at the answers table: nothing runs while the requests below are tried.
  served = await serve(['ui', '--sandbox', '--no-open', '--answers', join(REPO, 'templates/answers/demo.yaml'), '--state-dir', stateDir]);
  return served;
}

describe('ui server security', () => {
  it(
    'needs the token, then its cookie; answers to 127.0.0.1 only; POSTs need the CSRF token and our origin',
    { timeout: 60_000 },
    async () => {
      const ui = await startUi();
      const port = Number(new URL(ui.url).port);
      for (const path of ['/', '/events', '/assets/ui.css', '/docs/errata.md', '/notebook.md']) {
        expect((await fetch(`${ui.origin}${path}`, { redirect: 'manual' })).status, path).toBe(401);
      }
      expect((await fetch(`${ui.origin}/?token=wrong`, { redirect: 'manual' })).status).toBe(401);
      expect(
        (await fetch(`${ui.origin}/?token=${new URL(ui.url).searchParams.get('token')}`, { method: 'POST', redirect: 'manual' })).status,
      ).toBe(401);

      const first = await fetch(ui.url, { redirect: 'manual' });
      expect(first.status).toBe(303);
      expect(first.headers.get('location')).toBe('/');
      const setCookie = first.headers.get('set-cookie') ?? '';
      expect(setCookie).toMatch(new RegExp(`^ratify_runbook_ui_${port}=[\\w-]+; Path=/; HttpOnly; SameSite=Strict$`));
      const cookie = setCookie.split(';')[0]!;

      // DNS rebinding: another name for this address is refused, even with the cookie.
      expect(await rawGet(port, '/', { host: `evil.example:${port}`, cookie })).toBe(403);
      expect(await rawGet(port, '/', { host: `127.0.0.1:${port}`, cookie })).toBe(200);

      const page = await fetch(`${ui.origin}/`, { headers: { cookie } });
      expect(page.headers.get('content-security-policy')).toContain("script-src 'self'");
      expect(page.headers.get('x-frame-options')).toBe('DENY');
      const csrf = /name="csrf" value="([\w-]+)"/.exec(await page.text())?.[1];
      expect(csrf).toBeDefined();

      const post = (headers: Record<string, string>, body: string) =>
        fetch(`${ui.origin}/action`, {
          method: 'POST',
          headers: { cookie, 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json', ...headers },
          body,
        });
      expect((await post({}, 'action=stop')).status).toBe(403);
      expect((await post({}, 'action=stop&csrf=wrong')).status).toBe(403);
      expect((await post({ origin: 'http://evil.example' }, `action=stop&csrf=${csrf}`)).status).toBe(403);
      expect((await post({ 'sec-fetch-site': 'cross-site' }, `action=stop&csrf=${csrf}`)).status).toBe(403);
      expect((await fetch(`${ui.origin}/action`, { method: 'POST', body: `action=stop&csrf=${csrf}` })).status).toBe(401);
      // With everything right it is heard (nothing waits at a gate, so "run" is refused as such).
      const fine = await post({ origin: ui.origin }, `action=run&csrf=${csrf}`);
      expect(fine.status).toBe(409);
      expect(await fine.json()).toEqual({ ok: false, problem: expect.stringContaining('no step is waiting') });
      // GET never changes anything.
      expect((await fetch(`${ui.origin}/action?action=stop`, { headers: { cookie } })).status).toBe(404);
    },
  );

  it('refuses a cross-site form in a real browser: the run is left as it was', { timeout: 60_000 }, async () => {
    const ui = await startUi();
    browser = await launchBrowser();
    const page = await browser.newPage();
    await page.goto(ui.url);
    await page.locator('#question[data-kind="answers"]').waitFor();

    // Another site (localhost is another site than 127.0.0.1) posts a form to the ui server,
    // and a page on another port of 127.0.0.1 (same site, other origin) does too.
    attacker = createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/html' });
      res.end(`<form id=f method=post action="${ui.origin}/action"><input name=action value=stop></form><script>f.submit()</script>`);
    });
    await new Promise<void>((resolve) => attacker!.listen(0, '127.0.0.1', resolve));
    const attackerPort = (attacker.address() as AddressInfo).port;
    for (const origin of [`http://localhost:${attackerPort}`, `http://127.0.0.1:${attackerPort}`]) {
      const evil = await browser.newPage();
      const refused = evil.waitForResponse((r) => r.url() === `${ui.origin}/action`);
      await evil.goto(`${origin}/`);
      expect([401, 403], origin).toContain((await refused).status());
      await evil.close();
    }
    // The run still waits at the answers table: the Stop never happened.
    await page.reload();
    expect(await page.locator('#run-status').getAttribute('data-phase')).toBe('asking');
    expect(ui.child.exitCode).toBeNull();

    // The session cookie is HttpOnly: the page's own script cannot read it.
    expect(await page.evaluate('document.cookie')).toBe('');
    const cookie = await signIn(ui.url);
    expect(cookie).toMatch(/^ratify_runbook_ui_\d+=/);
  });
});
