/**
 * Both views at phone and desktop sizes, with simulated runners on the map. Every run checks they render;
 * `npm run screenshots` also writes the pictures the README shows, under docs/screenshots/.
 */
import { join } from 'node:path';
import type { Page } from '@playwright/test';
import { WebSocket } from 'ws';
import { startSimulation } from '../server/simulator';
import { createEvent, expect, offline, test } from './fixtures';

const PHONE = { width: 390, height: 844 };
const DESKTOP = { width: 1440, height: 900 };
/** Each picture: a size, and the dark theme or the outdoor (high-contrast) mode where named. */
const SHOTS = [
  { size: 'phone', viewport: PHONE, dark: false, outdoor: false, runner: 'Marta' },
  { size: 'desktop', viewport: DESKTOP, dark: false, outdoor: false, runner: 'Tomás' },
  { size: 'phone-dark', viewport: PHONE, dark: true, outdoor: false, runner: 'Noor' },
  { size: 'phone-outdoor', viewport: PHONE, dark: false, outdoor: true, runner: 'Kofi' },
] as const;

const contextFor = (shot: (typeof SHOTS)[number]) => ({
  viewport: shot.viewport,
  deviceScaleFactor: shot.viewport === PHONE ? 2 : 1,
  colorScheme: shot.dark ? ('dark' as const) : ('light' as const),
});

/** Cheer as a spectator would, over the public protocol. */
function sendCheer(url: string, event: string, runnerId: string, from: string, text: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url);
    ws.on('open', () => ws.send(JSON.stringify({ type: 'cheer', event, runnerId, from, text })));
    ws.on('message', (data) => {
      if ((JSON.parse(data.toString()) as { type: string }).type !== 'cheered') return;
      ws.close();
      resolve();
    });
    ws.on('error', reject);
  });
}

function target(name: string, outputPath: (name: string) => string): string {
  return process.env.SCREENSHOTS ? join(__dirname, '..', 'docs', 'screenshots', `${name}.png`) : outputPath(`${name}.png`);
}

test('spectator and runner views render at phone and desktop sizes, dark and outdoor', async ({ browser, baseURL, page }, testInfo) => {
  test.setTimeout(180_000);
  const eventId = await createEvent(page.request, 'Riverside 10k');
  const sim = startSimulation({ url: `${baseURL!.replace('http', 'ws')}/ws`, event: eventId, runners: 5, intervalMs: 250 });
  try {
    const shoot = async (p: Page, name: string) => p.screenshot({ path: target(name, testInfo.outputPath.bind(testInfo)) });

    // Let the trails grow and a few happiness samples arrive.
    await page.waitForTimeout(12_000);
    for (const shot of SHOTS) {
      const size = shot.size;
      const ctx = await browser.newContext({ baseURL, ...contextFor(shot) });
      await offline(ctx, []);
      if (shot.outdoor) await ctx.addInitScript(() => localStorage.setItem('trackside:contrast', 'high'));
      const spectator = await ctx.newPage();
      await spectator.goto(`/e/${eventId}`);
      await expect(spectator.locator('.runner-label')).toHaveCount(5);
      await expect(spectator.getByTestId('happiness-now')).toContainText('mean of 5 runners');
      if (size !== 'phone') {
        await spectator.locator('tr.runner').first().click();
        await expect(spectator.getByRole('heading', { name: /Cheer for/ })).toBeVisible();
      }
      await spectator.waitForTimeout(500);
      await shoot(spectator, `spectator-${size}`);
      await ctx.close();
    }

    for (const shot of SHOTS) {
      const size = shot.size;
      const ctx = await browser.newContext({
        baseURL,
        ...contextFor(shot),
        geolocation: { latitude: 40.7712, longitude: -73.9741, accuracy: 5 },
        permissions: ['geolocation'],
      });
      await offline(ctx, []);
      if (shot.outdoor) await ctx.addInitScript(() => localStorage.setItem('trackside:contrast', 'high'));
      const runner = await ctx.newPage();
      await runner.goto(`/e/${eventId}/run`);
      await runner.getByLabel('Your name').fill(shot.runner);
      await runner.getByRole('button', { name: 'Blue', exact: true }).click();
      await runner.getByRole('button', { name: 'Start sharing' }).click();
      await expect(runner.getByTestId('acked')).toContainText('1');
      // Up the park at a running pace (for the README pictures; quicker otherwise), so the runner's own
      // numbers and trail show.
      for (let i = 1; i <= 5; i++) {
        await runner.waitForTimeout(process.env.SCREENSHOTS ? 2500 : 200);
        await ctx.setGeolocation({ latitude: 40.7712 + i * 0.0001, longitude: -73.9741 + (i % 2) * 0.00005, accuracy: 5 });
        await expect(runner.getByTestId('acked')).toHaveText(String(i + 1));
      }
      await runner.getByLabel('How do you feel?').fill('8');
      const runnerId = await runner.evaluate(
        (id) => (JSON.parse(localStorage.getItem(`trackside:${id}:runner`) ?? '{}') as { runnerId?: string }).runnerId,
        eventId,
      );
      await sendCheer(`${baseURL!.replace('http', 'ws')}/ws`, eventId, runnerId!, 'Coach', 'Lovely form, keep it steady!');
      await expect(runner.getByTestId('cheers')).toContainText('Lovely form');
      await expect(runner.getByTestId('cheer-toast')).toContainText('Lovely form');
      await runner.evaluate(() => window.scrollTo(0, 0));
      await runner.waitForTimeout(300);
      await shoot(runner, `runner-${size}`);
      await ctx.close();
    }
  } finally {
    sim.stop();
  }
});
