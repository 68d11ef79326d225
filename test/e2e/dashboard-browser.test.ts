/**
 * The workshop dashboards in a real headless Chromium, against the sandbox: a 20-attendee
 * workshop runs with --dashboard while a read-only `workshop dashboard` watches the same dir
 * from the ledgers on disk; both pages see every attendee's row reach done. One attendee starts
 * with a broken answers file: it is listed first, and Retry failed (live page only) brings it
 * to done once the file is fixed.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { steps } from '../../steps/index.js';
import { launchBrowser, screenshot, type Browser } from '../helpers/browser.js';
import { runCli } from '../helpers/cli.js';
import { tempDir } from '../helpers/engine-harness.js';
import { serve, signIn, type Served } from '../helpers/served.js';

const ATTENDEES = 20;
let browser: Browser | undefined;
const servers: Served[] = [];
afterEach(async () => {
  await browser?.close();
  browser = undefined;
  for (const server of servers.splice(0)) if (server.child.exitCode === null) server.child.kill('SIGKILL');
});

// Functions run in the page (the page's CSP forbids evaluating strings there); tests have no DOM types.
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- a DOM in the page, not in Node's types
declare const document: any;

function rowsDone(n: number): boolean {
  return (
    document.querySelectorAll('#rows tr[data-state="done"]').length === n &&
    [...document.querySelectorAll('#rows td[data-step]')].every((td: { dataset: { status: string } }) =>
      ['done', 'skipped'].includes(td.dataset.status),
    )
  );
}

/** Counts, per cell, the statuses it showed while the page was open (window.moves). */
async function watchCells(page: Page): Promise<void> {
  await page.evaluate(`(() => {
    window.moves = 0;
    new MutationObserver((records) => {
      window.moves += records.filter((r) => r.type === 'attributes' && r.attributeName === 'data-status').length;
    }).observe(document.getElementById('rows'), { subtree: true, attributes: true, attributeFilter: ['data-status'] });
  })()`);
}

describe('workshop dashboards in a browser (sandbox)', () => {
  it(`shows ${ATTENDEES} attendees reaching done, live and read-only; failed first; Retry failed`, { timeout: 600_000 }, async () => {
    const root = await tempDir('rr-dash-');
    const ids = Array.from({ length: ATTENDEES }, (_, i) => `att-${String(i + 1).padStart(2, '0')}`);
    await writeFile(join(root, 'roster.csv'), `id,name\n${ids.map((id) => `${id},Attendee ${id}`).join('\n')}\n`);
    const dir = join(root, 'ws');
    const init = await runCli(['workshop', 'init', '--roster', join(root, 'roster.csv'), '--out', dir]);
    expect(init.code, init.stderr).toBe(0);
    // One attendee's answers are broken: that run stops before any step (exit 2).
    const broken = ids[7]!;
    const answersFile = join(dir, broken, 'answers.yaml');
    const good = await readFile(answersFile, 'utf8');
    await writeFile(answersFile, `${good}tag: "-bad tag"\n`);

    const watcher = await serve(['workshop', 'dashboard', '--dir', dir, '--no-open']);
    servers.push(watcher);
    browser = await launchBrowser();
    const readOnly = await browser.newPage();
    await readOnly.goto(watcher.url);
    await readOnly.locator('body[data-live="yes"]').waitFor();
    expect(await readOnly.locator('#rows tr[data-attendee]').count()).toBe(ATTENDEES);
    expect(await readOnly.locator('td[data-attendee][data-step][data-status]').count()).toBe(ATTENDEES * steps.length);
    await watchCells(readOnly);

    const live = await serve(['workshop', 'run', '--dir', dir, '--sandbox', '--dashboard', '--no-open', '--concurrency', '8']);
    servers.push(live);
    const page = await browser.newPage();
    await page.goto(live.url);
    await page.locator('body[data-live="yes"]').waitFor();
    // The first HTML already holds every attendee x step cell.
    const cookie = await signIn(live.url);
    const first = await (await fetch(`${live.origin}/`, { headers: { cookie } })).text();
    for (const id of ids) for (const step of steps) expect(first).toContain(`data-attendee="${id}" data-step="${step.id}" data-status=`);
    await watchCells(page);

    await live.waitForStderr(/The dashboard stays served until Ctrl-C/, 480_000);
    await page
      .waitForFunction((n) => document.querySelectorAll('#rows tr[data-state="done"]').length === n, ATTENDEES - 1, {
        timeout: 30_000,
      })
      .catch(async (error: Error) => {
        // Say which attendees did not reach done, and why, rather than only "timeout".
        const notDone = await page.evaluate(`[...document.querySelectorAll('#rows tr[data-attendee]')]
          .filter((tr) => tr.dataset.state !== 'done')
          .map((tr) => tr.dataset.attendee + ' ' + tr.dataset.state + ': ' + (tr.querySelector('.hint')?.textContent ?? ''))`);
        throw new Error(`${error.message}\nnot done: ${JSON.stringify(notDone, null, 1)}\nrun's stderr:\n${live.stderr().slice(-3000)}`);
      });
    // The failed attendee is listed first, with why.
    const firstRow = page.locator('#rows tr').first();
    expect(await firstRow.getAttribute('data-attendee')).toBe(broken);
    expect(await firstRow.getAttribute('data-state')).toBe('failed');
    expect(await firstRow.locator('.hint').textContent()).toContain('tag');
    expect(Number(await page.evaluate('window.moves'))).toBeGreaterThan(ATTENDEES * 10);
    await screenshot(page, 'dashboard-1-one-failed');

    // Their notebook and log, a click away.
    await page.locator(`#rows a[href="/attendee/${broken}"]`).click();
    await page.locator(`#attendee[data-attendee="${broken}"]`).waitFor();
    expect(await page.locator('#attendee pre.log').first().textContent()).toContain('tag');
    await page.goto(`${live.origin}/attendee/${ids[0]}`);
    expect(await page.locator('[data-step="verify"]').getAttribute('data-status')).toBe('done');
    await screenshot(page, 'dashboard-2-attendee');

    // Fix the file, Retry failed from the page: only that attendee runs again, and reaches done.
    await writeFile(answersFile, good);
    await page.goto(live.origin);
    await page.getByRole('button', { name: /Retry failed/ }).click();
    await page.waitForFunction(rowsDone, ATTENDEES, { timeout: 180_000 });
    await page.locator('#batch[data-running="no"][data-runs="2"]').waitFor();
    await screenshot(page, 'dashboard-3-all-done');

    // The read-only page followed the whole run from the ledgers, and offers no retry.
    await readOnly.waitForFunction(rowsDone, ATTENDEES, { timeout: 30_000 });
    expect(Number(await readOnly.evaluate('window.moves'))).toBeGreaterThan(ATTENDEES * 10);
    expect(await readOnly.getByRole('button', { name: /Retry failed/ }).count()).toBe(0);
    await screenshot(readOnly, 'dashboard-4-read-only');
    const watcherCookie = await signIn(watcher.url);
    const csrf = /name="csrf" value="([\w-]+)"/.exec(
      await (await fetch(`${watcher.origin}/`, { headers: { cookie: watcherCookie } })).text(),
    );
    expect(csrf).toBeNull(); // no form at all on the read-only page
    const refused = await fetch(`${watcher.origin}/retry-failed`, {
      method: 'POST',
      headers: { cookie: watcherCookie, origin: watcher.origin },
    });
    expect(refused.status).toBe(403); // no CSRF token to give: refused before any route

    live.child.kill('SIGINT');
    expect(await live.exited).toBe(0);
    watcher.child.kill('SIGINT');
    expect(await watcher.exited).toBe(0);
  });
});
