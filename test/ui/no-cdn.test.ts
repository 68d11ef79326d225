/**
 * Every asset a page loads comes from the package: the pages name only /assets/ files that
 * exist in ui/assets/, and no asset reaches for another host (no CDN, no web font).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createProgressBus } from '../../runner/progress-bus.js';
import { steps } from '../../steps/index.js';
import { dashboardPage } from '../../ui/dashboard/render.js';
import { DashboardSource } from '../../ui/dashboard/source.js';
import { notebookPage } from '../../ui/notebook/render.js';
import { NotebookSession } from '../../ui/notebook/session.js';
import { assetsDir } from '../../ui/package-files.js';

const assets = readdirSync(assetsDir());

function loadedUrls(page: string): string[] {
  return [...page.matchAll(/<(?:script|link|img)\b[^>]*?\b(?:src|href)="([^"]+)"/g)].map((m) => m[1]!);
}

describe('no CDN', () => {
  it('the pages load only /assets/ files the package ships', () => {
    const session = new NotebookSession({
      steps,
      stateDir: '/nowhere',
      bus: createProgressBus(),
      unattended: true,
      attempt: async () => 0,
      report: () => 0,
      clock: { now: () => new Date(), sleep: async () => {} },
      signal: new AbortController().signal,
    });
    const source = new DashboardSource(
      '/nowhere',
      steps.map((s) => s.id),
      ['alice', 'bob'],
    );
    const pages = [notebookPage({ session, csrf: 'x' }).text, dashboardPage({ source, steps, canRetry: true, csrf: 'x' }).text];
    for (const page of pages) {
      const urls = loadedUrls(page);
      expect(urls.length).toBeGreaterThanOrEqual(3);
      for (const url of urls) {
        expect(url).toMatch(/^\/assets\//);
        expect(assets).toContain(url.slice('/assets/'.length));
      }
    }
  });

  it('no asset reaches for another host', () => {
    expect(assets).toEqual(expect.arrayContaining(['ui.css', 'live.js', 'notebook.js', 'dashboard.js', 'attendee.js']));
    for (const name of assets) {
      const text = readFileSync(join(assetsDir(), name), 'utf8');
      expect(text, name).not.toMatch(/(?:import|from|url\(|src=|href=)\s*["'(]?\s*(?:https?:)?\/\//);
      expect(text, name).not.toMatch(/@import/);
    }
  });
});
