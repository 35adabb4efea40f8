/**
 * Both views at phone and desktop sizes, with simulated runners on the map. Every run checks they render;
 * `npm run screenshots` also writes the pictures the README shows, under docs/screenshots/.
 */
import { join } from 'node:path';
import type { Page } from '@playwright/test';
import { WebSocket } from 'ws';
import { startSimulation } from '../server/simulator';
import { createEvent, expect, offline, test } from './fixtures';

const SIZES = {
  phone: { width: 390, height: 844 },
  desktop: { width: 1280, height: 800 },
} as const;

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

test('spectator and runner views render at phone and desktop sizes', async ({ browser, baseURL, page }, testInfo) => {
  test.setTimeout(90_000);
  const eventId = await createEvent(page.request, 'Riverside 10k');
  const sim = startSimulation({ url: `${baseURL!.replace('http', 'ws')}/ws`, event: eventId, runners: 5, intervalMs: 250 });
  try {
    const shoot = async (p: Page, name: string) => p.screenshot({ path: target(name, testInfo.outputPath.bind(testInfo)) });

    // Let the trails grow and a few happiness samples arrive.
    await page.waitForTimeout(12_000);
    for (const [size, viewport] of Object.entries(SIZES)) {
      const ctx = await browser.newContext({ baseURL, viewport, deviceScaleFactor: size === 'phone' ? 2 : 1 });
      await offline(ctx, []);
      const spectator = await ctx.newPage();
      await spectator.goto(`/e/${eventId}`);
      await expect(spectator.locator('.runner-label')).toHaveCount(5);
      await expect(spectator.getByTestId('happiness-now')).toContainText('mean of 5 runners');
      if (size === 'desktop') {
        await spectator.locator('tr.runner').first().click();
        await expect(spectator.getByRole('heading', { name: /Cheer for/ })).toBeVisible();
      }
      await spectator.waitForTimeout(500);
      await shoot(spectator, `spectator-${size}`);
      await ctx.close();
    }

    for (const [size, viewport] of Object.entries(SIZES)) {
      const ctx = await browser.newContext({
        baseURL,
        viewport,
        deviceScaleFactor: size === 'phone' ? 2 : 1,
        geolocation: { latitude: 40.7712, longitude: -73.9741, accuracy: 5 },
        permissions: ['geolocation'],
      });
      await offline(ctx, []);
      const runner = await ctx.newPage();
      await runner.goto(`/e/${eventId}/run`);
      await runner.getByLabel('Your name').fill(size === 'phone' ? 'Marta' : 'Tomás');
      await runner.getByRole('button', { name: 'Colour #4363d8' }).click();
      await runner.getByRole('button', { name: 'Start sharing' }).click();
      await expect(runner.getByTestId('acked')).toContainText('1');
      await runner.getByLabel('How do you feel?').fill('8');
      const runnerId = await runner.evaluate(
        (id) => (JSON.parse(localStorage.getItem(`trackside:${id}:runner`) ?? '{}') as { runnerId?: string }).runnerId,
        eventId,
      );
      await sendCheer(`${baseURL!.replace('http', 'ws')}/ws`, eventId, runnerId!, 'Coach', 'Lovely form, keep it steady!');
      await expect(runner.getByTestId('cheers')).toContainText('Lovely form');
      await shoot(runner, `runner-${size}`);
      await ctx.close();
    }
  } finally {
    sim.stop();
  }
});
