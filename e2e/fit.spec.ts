/**
 * Proof that every page fits: each page at 320, 390, 768, 1440 and 2560 px wide and on a phone held
 * sideways, with data at its limits (see seed.ts). No page scrolls sideways; no button, link or field is
 * cut off or covered by something else; every page is photographed for a person to look at.
 */
import { offline, settled } from './fixtures';
import { expect, test } from './limits';
import { misfits, pages, VIEWPORTS } from './pages';
import { CENTRE } from './seed';

test.describe('every page fits', () => {
  for (const viewport of VIEWPORTS) {
    test(`at ${viewport.width} × ${viewport.height}`, async ({ browser, baseURL, limits: { data, runnerState } }, testInfo) => {
      test.setTimeout(180_000);
      const failures: string[] = [];
      for (const visit of pages(data)) {
        const ctx = await browser.newContext({
          baseURL,
          viewport,
          storageState: runnerState,
          geolocation: { ...CENTRE, accuracy: 5 },
          permissions: ['geolocation'],
          isMobile: viewport.width < 900,
          hasTouch: viewport.width < 900,
        });
        await offline(ctx, []);
        // The organiser page as it looks right after the event was created on this device.
        await ctx.addInitScript((id) => sessionStorage.setItem(`trackside:${id}:created`, '1'), data.big.id);
        const page = await ctx.newPage();
        await page.goto(visit.path);
        await visit.ready(page);
        await settled(page);
        for (const problem of await misfits(page)) failures.push(`${visit.name}: ${problem}`);
        await page.screenshot({ path: testInfo.outputPath(`${visit.name}-${viewport.width}x${viewport.height}.png`), fullPage: true });
        await ctx.close();
      }
      expect(failures).toEqual([]);
    });
  }
});

test('the fit check finds a page too wide, a covered button and a label that runs past its button', async ({ page }) => {
  await page.setViewportSize({ width: 390, height: 844 });
  await page.setContent(`
    <div style="width: 500px">A line wider than the phone</div>
    <button>Under the banner</button>
    <div style="position: fixed; inset: 0 0 auto 0; height: 120px; background: #c00"></div>
    <button style="width: 60px; white-space: nowrap; overflow: hidden">Start sharing now</button>`);
  const found = await misfits(page);
  expect(found.some((f) => f.includes('the page is 5'))).toBe(true);
  expect(found.some((f) => f.includes('"Under the banner" is covered'))).toBe(true);
  expect(found.some((f) => f.includes('runs past its edge'))).toBe(true);
});
