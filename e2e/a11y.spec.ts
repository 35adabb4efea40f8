/**
 * WCAG 2.2 AA as axe-core checks it, on every page, at phone and desktop sizes, in the light, dark and
 * outdoor (high-contrast) themes. Any serious or critical violation fails.
 */
import AxeBuilder from '@axe-core/playwright';
import type { Page } from '@playwright/test';
import { offline } from './fixtures';
import { expect, test } from './limits';
import { pages } from './pages';
import { CENTRE } from './seed';

const VARIANTS = [
  { name: 'phone', viewport: { width: 390, height: 844 }, colorScheme: 'light', outdoor: false, only: null },
  { name: 'desktop', viewport: { width: 1440, height: 900 }, colorScheme: 'light', outdoor: false, only: null },
  // The themes change colours only: the pages with the most of them are enough.
  { name: 'phone, dark', viewport: { width: 390, height: 844 }, colorScheme: 'dark', outdoor: false, only: ['spectator', 'runner', 'organiser'] },
  { name: 'phone, outdoor mode', viewport: { width: 390, height: 844 }, colorScheme: 'dark', outdoor: true, only: ['spectator', 'runner', 'landing'] },
] as const;

async function violations(page: Page): Promise<string[]> {
  const result = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa']).analyze();
  return result.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id} (${v.impact}): ${v.help} — ${v.nodes.map((n) => `${n.target.join(' ')}${n.failureSummary ? ` [${n.failureSummary.split('\n').slice(1).join(' ').trim()}]` : ''}`).slice(0, 5).join('; ')}`);
}

test('the check fails on a serious problem: white text on the old orange', async ({ page }) => {
  await page.setContent('<main><h1>Cheer</h1><button style="background: #ff6b35; color: #fff; border: 0">Cheer</button></main>');
  expect((await violations(page)).some((v) => v.startsWith('color-contrast (serious)'))).toBe(true);
});

// Fewer runners than the fit check: axe-core walks every row.
test.use({ seedRunners: 40 });

test.describe('accessibility', () => {
  for (const variant of VARIANTS) {
    test(`every page passes axe-core: ${variant.name}`, async ({ browser, baseURL, limits: { data, runnerState } }) => {
      test.setTimeout(180_000);
      const found: string[] = [];
      for (const visit of pages(data).filter((p) => !variant.only || (variant.only as readonly string[]).includes(p.name))) {
        const ctx = await browser.newContext({
          baseURL,
          viewport: variant.viewport,
          colorScheme: variant.colorScheme,
          storageState: runnerState,
          geolocation: { ...CENTRE, accuracy: 5 },
          permissions: ['geolocation'],
        });
        await offline(ctx, []);
        await ctx.addInitScript(
          ({ id, outdoor }) => {
            sessionStorage.setItem(`trackside:${id}:created`, '1');
            if (outdoor) localStorage.setItem('trackside:contrast', 'high');
          },
          { id: data.big.id, outdoor: variant.outdoor },
        );
        const page = await ctx.newPage();
        await page.goto(visit.path);
        await visit.ready(page);
        for (const v of await violations(page)) found.push(`${visit.name}: ${v}`);
        if (visit.name === 'spectator') {
          // The join popover, open.
          await page.getByRole('button', { name: 'Run in this event' }).click();
          await expect(page.getByRole('dialog', { name: 'Run in this event' })).toBeVisible();
          for (const v of await violations(page)) found.push(`${visit.name} with the popover open: ${v}`);
        }
        await ctx.close();
      }
      expect(found).toEqual([]);
    });
  }
});
