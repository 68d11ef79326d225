/**
 * `ratify-runbook ui` in a real headless Chromium, against the sandbox, driving the built
 * binary as a person would: open the printed address, read every step, answer the missing
 * question in the form (a refused value first), click Run all, watch the steps turn done, find
 * the signed/unsigned outcome. Then: kill the server mid-run and reopen; the page resumes from
 * the ledger. Every HTTP and event-stream response of the full run is searched for JWTs.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { Page, Response } from 'playwright-core';
import { steps } from '../../steps/index.js';
import { launchBrowser, screenshot, type Browser } from '../helpers/browser.js';
import { REPO } from '../helpers/cli.js';
import { tempDir } from '../helpers/engine-harness.js';
import { recordEvents, serve, signIn, type Served } from '../helpers/served.js';

const JWT = /eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]+/;
const stepIds = steps.map((s) => s.id);
const demoAnswers = join(REPO, 'templates/answers/demo.yaml');

let browser: Browser | undefined;
const servers: Served[] = [];
afterEach(async () => {
  await browser?.close();
  browser = undefined;
  for (const server of servers.splice(0)) if (server.child.exitCode === null) server.child.kill('SIGKILL');
});

async function start(args: readonly string[]): Promise<Served> {
  const served = await serve(['ui', '--sandbox', '--no-open', ...args]);
  servers.push(served);
  return served;
}

// Functions run in the page (the page's CSP forbids evaluating strings there); tests have no DOM types.
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- a DOM in the page, not in Node's types
declare const document: any;

function settledStatuses(): boolean {
  return [...document.querySelectorAll('[data-step]')].every((e: { dataset: { status: string } }) =>
    ['done', 'skipped'].includes(e.dataset.status),
  );
}

/** Waits until every step is done or skipped; on a timeout, says where each step stands and what the server printed. */
async function waitSettled(page: Page, served: Served): Promise<void> {
  try {
    await page.waitForFunction(settledStatuses, undefined, { timeout: 180_000 });
  } catch (error) {
    const cells = await page
      .locator('[data-step]')
      .evaluateAll((els) => els.map((e) => `${e.getAttribute('data-step')}=${e.getAttribute('data-status')}`));
    const status = await page
      .locator('#run-status')
      .textContent()
      .catch(() => '?');
    throw new Error(`${String(error)}\nsteps: ${cells.join(' ')}\nstatus: ${status}\nserver: ${served.stderr().slice(-2500)}`);
  }
}

/** Records every status each step's cell shows (window.seen), as the page swaps cells in. */
async function watchStatuses(page: Page): Promise<void> {
  await page.evaluate(`(() => {
    const seen = (window.seen = {});
    const note = () => {
      for (const cell of document.querySelectorAll('[data-step]')) {
        const list = (seen[cell.dataset.step] ??= []);
        if (list.at(-1) !== cell.dataset.status) list.push(cell.dataset.status);
      }
    };
    note();
    new MutationObserver(note).observe(document.body, { subtree: true, childList: true, attributes: true });
  })()`);
}

describe('ratify-runbook ui in a browser (sandbox)', () => {
  it(
    'shows every step, asks the missing answer in a form, runs all on a click, and shows the outcome; no JWT in any response',
    { timeout: 240_000 },
    async () => {
      const dir = await tempDir('rr-ui-');
      // The demo answers without aksName: the form asks for it.
      const answers = join(dir, 'answers.yaml');
      await writeFile(answers, (await readFile(demoAnswers, 'utf8')).replace(/^aksName: .*\n/m, ''));
      const stateDir = join(dir, 'state');
      // Demo latency: the steps after the reload below take seconds (the policy sync alone takes
      // 6 s), so the page is watching before verify starts. An instant run could end during the reload.
      const served = await start(['--answers', answers, '--state-dir', stateDir, '--sandbox-latency', 'demo']);
      expect(served.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/\?token=[\w-]{20,}$/);

      // The first HTML, before any script: every step, with its status word.
      const cookie = await signIn(served.url);
      const first = await (await fetch(`${served.origin}/`, { headers: { cookie } })).text();
      for (const id of stepIds) expect(first).toMatch(new RegExp(`data-step="${id}" data-status="pending"`));
      expect(first).not.toContain('<script>'); // no inline script: the page's only script is an asset
      const events = recordEvents(served.origin, cookie);

      browser = await launchBrowser();
      const page = await browser.newPage();
      const bodies: Promise<string>[] = [];
      page.on('response', (response: Response) => {
        if (!response.url().endsWith('/events')) bodies.push(response.text().catch(() => ''));
      });
      await page.goto(served.url);
      expect(new URL(page.url()).search).toBe(''); // the token left the address bar
      await page.locator('body[data-live="yes"]').waitFor();
      await expect.poll(() => page.locator('[data-step]').count()).toBe(stepIds.length);
      await watchStatuses(page);

      // The answers found are shown as one table; then the missing one is asked.
      await page.locator('#question[data-kind="answers"]').waitFor();
      await screenshot(page, 'ui-1-answers-table');
      await page.getByRole('button', { name: 'Use these answers' }).click();
      const question = page.locator('#question[data-question="aksName"]');
      await question.waitFor();
      await expect.poll(() => question.textContent()).toContain('AKS cluster name');
      await page.locator('#answer-value').fill('-starts-with-a-dash');
      await page.getByRole('button', { name: 'Continue' }).click();
      await page.locator('#question .problem').waitFor();
      await screenshot(page, 'ui-2-refused-answer');
      await page.locator('#answer-value').fill('myAKSCluster');
      await page.getByRole('button', { name: 'Continue' }).click();

      // The guided gate before the first step that does something: its exact commands, Run / Skip / Run all / Stop.
      const gate = page.locator('[data-step="preflight"] .gate');
      await gate.waitFor();
      await expect.poll(() => page.locator('[data-step="preflight"] .commands').textContent()).toContain('az account show');
      await screenshot(page, 'ui-3-gate');
      await page.locator('#run-status').getByRole('button', { name: 'Run all remaining' }).click();

      // A reload mid-run starts from where the run is.
      await page.locator('[data-step="key-vault"][data-status="done"]').waitFor({ timeout: 120_000 });
      await page.reload();
      await page.locator('body[data-live="yes"]').waitFor();
      expect(await page.locator('[data-step="key-vault"]').getAttribute('data-status')).toBe('done');
      await watchStatuses(page);

      await waitSettled(page, served);
      await page.locator('#run-status[data-outcome="done"]').waitFor();
      const seen = await page.evaluate<Record<string, string[]>>('window.seen');
      expect(seen.verify).toEqual(expect.arrayContaining(['running', 'done']));
      const summary = await page.locator('#summary').textContent();
      expect(summary).toContain('The signed image ran');
      expect(summary).toMatch(/The unsigned image was denied: .*net-watcher.* Subject failed verification/s);
      expect(await page.locator('[data-step="verify"] [data-output="unsignedDenied"]').textContent()).toContain('true');
      await screenshot(page, 'ui-4-done');

      // Explanations link the docs; every docs link on the page is served, and its anchor is on that page.
      const links = new Set(await page.locator('a[href^="/docs/"]').evaluateAll((as) => as.map((a) => a.getAttribute('href')!)));
      expect(links.size).toBeGreaterThan(5);
      const docs = new Map<string, string>();
      for (const link of links) {
        const [path, anchor] = link.split('#') as [string, string | undefined];
        if (!docs.has(path)) {
          const response = await fetch(`${served.origin}${path}`, { headers: { cookie } });
          expect(response.status, path).toBe(200);
          docs.set(path, await response.text());
        }
        if (anchor) expect(docs.get(path), link).toContain(`id="${anchor}"`);
      }
      bodies.push(...[...docs.values()].map((text) => Promise.resolve(text)));
      bodies.push(fetch(`${served.origin}/notebook.md`, { headers: { cookie } }).then((r) => r.text()));

      // No JWT-shaped string in anything the server sent (the sandbox's tokens are JWTs).
      events.stop();
      const stream = events.text();
      expect(stream).toContain('event: patch');
      expect(stream.length).toBeGreaterThan(10_000);
      const sent = [first, stream, ...(await Promise.all(bodies))];
      expect(sent.join('\n').length).toBeGreaterThan(50_000);
      for (const text of sent) expect(text).not.toMatch(JWT);

      // After the run the page stays served; Ctrl-C ends with the run's exit code.
      expect(served.child.exitCode).toBeNull();
      served.child.kill('SIGINT');
      expect(await served.exited).toBe(0);
    },
  );

  it('resumes from the ledger after the server is killed mid-run (SIGKILL) and started again', { timeout: 240_000 }, async () => {
    const stateDir = await tempDir('rr-ui-kill-');
    const args = ['--answers', demoAnswers, '--state-dir', stateDir, '--sandbox-latency', 'demo', '--yes', '--serial'];
    const served = await start(args);
    browser = await launchBrowser();
    const page = await browser.newPage();
    await page.goto(served.url);
    // --yes: nothing is asked; the page watches the run. The kill lands while the policy step
    // polls for the add-on's sync, a second after its last change: the sandbox on this branch
    // saves its world every 200 ms, so a kill right after a change could lose it (the cloud
    // itself would not), which is not what this test is about.
    const cutAt = 'policy';
    await page
      .locator(`[data-step="${cutAt}"][data-status="running"] .commands:has-text("policy assignment create")`)
      .waitFor({ timeout: 120_000 });
    await page.waitForTimeout(1_000);
    expect(await page.locator(`[data-step="${cutAt}"]`).getAttribute('data-status')).toBe('running');
    served.child.kill('SIGKILL');
    expect(await served.exited).toBeNull();
    await page.locator('body[data-live="no"]').waitFor();
    await screenshot(page, 'ui-5-killed');

    const ledger = JSON.parse(await readFile(join(stateDir, 'state.json'), 'utf8'));
    const doneBefore = stepIds.filter((id) => ledger.steps[id]?.status === 'done');
    expect(doneBefore).toContain('key-vault');

    const again = await start(args.filter((a) => a !== '--yes' && a !== '--serial'));
    await page.goto(again.url);
    // The first page is the ledger's: what was done is done; the cut-off step is not "running" any more.
    for (const id of doneBefore) expect(await page.locator(`[data-step="${id}"]`).getAttribute('data-status'), id).toBe('done');
    expect(ledger.steps[cutAt].status).toBe('running');
    expect(await page.locator(`[data-step="${cutAt}"]`).getAttribute('data-status')).toBe('interrupted');
    // Guided this time: the answers found are confirmed, then the first gate is at a step still to do
    // (preflight, which checks every time, or the one the kill cut off), never at a finished one.
    await page.getByRole('button', { name: 'Use these answers' }).click();
    await page.locator('.gate').waitFor({ timeout: 60_000 });
    const gateStep = await page.locator('[data-step]:has(.gate)').getAttribute('data-step');
    expect(['preflight', cutAt]).toContain(gateStep);
    await screenshot(page, 'ui-6-resumed');
    await page.locator('#run-status').getByRole('button', { name: 'Run all remaining' }).click();
    await waitSettled(page, again);
    // Steps done before the kill were not repeated: the run reused them.
    for (const id of doneBefore.filter((i) => i !== 'preflight')) {
      expect(await page.locator(`[data-step="${id}"]`).getAttribute('data-phase'), id).toBe('reused');
    }
    const after = JSON.parse(await readFile(join(stateDir, 'state.json'), 'utf8'));
    for (const id of doneBefore.filter((i) => i !== 'preflight')) expect(after.steps[id].attempts, id).toBe(ledger.steps[id].attempts);
    again.child.kill('SIGINT');
    expect(await again.exited).toBe(0);
  });
});
