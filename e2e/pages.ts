/**
 * The pages the layout and accessibility specs visit, with data at its limits (see seed.ts), and the
 * check that a page fits its window.
 */
import type { Page } from '@playwright/test';
import { CENTRE, type Seeded } from './seed';
import { expect } from './fixtures';

export const VIEWPORTS = [
  { width: 320, height: 640 },
  { width: 390, height: 844 },
  { width: 768, height: 1024 },
  { width: 1440, height: 900 },
  { width: 2560, height: 1440 },
  { width: 844, height: 390 },
] as const;

/**
 * What does not fit, as sentences: the page wider than the screen; an interactive element outside the
 * viewport or outside the box that scrolls it; one whose centre is covered by something else; a button
 * whose label runs past its edge.
 */
export async function misfits(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    const problems: string[] = [];
    const vw = window.innerWidth;
    const vh = window.innerHeight;
    const doc = document.documentElement;
    if (doc.scrollWidth > vw) problems.push(`the page is ${doc.scrollWidth} px wide in a ${vw} px window`);
    const describe = (el: Element) => {
      const text = (el.getAttribute('aria-label') || el.textContent || (el as HTMLInputElement).value || '').trim().slice(0, 40);
      return `<${el.tagName.toLowerCase()}${el.className && typeof el.className === 'string' ? ` class="${el.className}"` : ''}> "${text}"`;
    };
    /** The nearest ancestor that clips (overflow other than visible), as a rectangle. */
    const clipBox = (el: Element) => {
      let box = { left: 0, top: 0, right: vw, bottom: vh };
      for (let p = el.parentElement; p && p !== document.body; p = p.parentElement) {
        const s = getComputedStyle(p);
        if (s.overflowX !== 'visible' || s.overflowY !== 'visible') {
          const r = p.getBoundingClientRect();
          box = { left: Math.max(box.left, r.left), top: Math.max(box.top, r.top), right: Math.min(box.right, r.right), bottom: Math.min(box.bottom, r.bottom) };
        }
      }
      return box;
    };
    const selector = 'a[href], button, input, select, textarea, summary, [tabindex]:not([tabindex="-1"]), [role="button"]';
    for (const el of Array.from(document.querySelectorAll(selector))) {
      if (el.closest('[hidden], [inert], details:not([open]) > :not(summary)')) continue;
      const style = getComputedStyle(el);
      if (style.visibility === 'hidden' || style.display === 'none') continue;
      if (el.getBoundingClientRect().width === 0) continue;
      // Leaflet's own map container takes the keyboard; it is the map, not a control.
      if (el.classList.contains('leaflet-container')) continue;
      el.scrollIntoView({ block: 'center', inline: 'nearest' });
      const r = el.getBoundingClientRect();
      const box = clipBox(el);
      if (r.left < box.left - 1 || r.right > box.right + 1) problems.push(`${describe(el)} is cut off at the side (${Math.round(r.left)}–${Math.round(r.right)} in ${Math.round(box.left)}–${Math.round(box.right)})`);
      if (r.height <= box.bottom - box.top && (r.top < box.top - 1 || r.bottom > box.bottom + 1)) {
        problems.push(`${describe(el)} is cut off at the top or bottom`);
      }
      const x = Math.min(Math.max(r.left + r.width / 2, box.left + 1), box.right - 1);
      const y = Math.min(Math.max(r.top + r.height / 2, box.top + 1), box.bottom - 1);
      const hit = document.elementFromPoint(x, y);
      const label = el.closest('label');
      if (!hit || !(hit === el || el.contains(hit) || (label && label.contains(hit)))) {
        problems.push(`${describe(el)} is covered by ${hit ? describe(hit) : 'nothing'}`);
      }
      if ((el.tagName === 'BUTTON' || el.classList.contains('btn')) && !el.classList.contains('follow-btn') && el.scrollWidth > el.clientWidth + 1) {
        problems.push(`${describe(el)}: its label runs past its edge (${el.scrollWidth} > ${el.clientWidth})`);
      }
    }
    window.scrollTo(0, 0);
    for (const s of Array.from(document.querySelectorAll('*'))) if (s.scrollTop) s.scrollTop = 0;
    return [...new Set(problems)];
  });
}

export interface PageVisit {
  name: string;
  path: string;
  ready: (page: Page) => Promise<void>;
}

export function pages(data: Seeded): PageVisit[] {
  const { big, finished } = data;
  return [
    {
      name: 'landing',
      path: '/',
      ready: async (p) => {
        await expect(p.locator('.event-list')).toContainText(big.name);
      },
    },
    {
      name: 'spectator',
      path: `/e/${big.id}`,
      ready: async (p) => {
        // Everyone seeded but the runner who never sent a fix, plus the runner page's own runner.
        await expect(p.getByRole('heading', { name: /^Runners \(\d+\)$/ })).toHaveText(`Runners (${big.runnerIds.length})`);
        await expect(p.locator('.runner-label').first()).toBeVisible();
        // Follow the runner with the longest name without spaces: their sheet (opened in full on a phone), the
        // cheer box and their label come up.
        await p.locator('tr.runner').first().getByRole('button').click();
        const sheet = p.getByTestId('follow-sheet');
        await expect(sheet.getByRole('heading', { name: /^Following/ })).toBeVisible();
        const more = sheet.getByRole('button', { name: 'More' });
        if (await more.isVisible()) await more.click();
        await expect(p.getByRole('heading', { name: /^Cheer for/ })).toBeVisible();
        await expect(p.locator('.runner-label.followed')).toHaveCount(1);
      },
    },
    {
      name: 'finished',
      path: `/e/${finished.id}`,
      ready: async (p) => {
        await expect(p.getByTestId('event-status')).toHaveText('Finished');
        await expect(p.locator('tr.runner')).toHaveCount(6);
      },
    },
    {
      name: 'runner',
      path: `/e/${big.id}/run`,
      ready: async (p) => {
        await expect(p.getByTestId('cheers').locator('li')).toHaveCount(3);
        await expect(p.getByTestId('runner-status')).toHaveText('Sharing');
        // The page took a fix on opening: confirmed before coverage goes, so that what waits below is only
        // what was taken offline, however long the server took to answer.
        await expect(p.getByTestId('last-fix')).not.toHaveText('—');
        await expect(p.getByTestId('waiting')).toHaveText('0');
        // The phone goes out of coverage and keeps taking fixes.
        await p.context().setOffline(true);
        for (let i = 1; i <= 2; i++) {
          await p.context().setGeolocation({ latitude: CENTRE.latitude + 0.001 * i, longitude: CENTRE.longitude, accuracy: 5 });
          await expect(p.getByTestId('waiting')).toHaveText(String(i));
        }
        await expect(p.getByTestId('runner-status')).toHaveText('Offline, 2 waiting');
      },
    },
    {
      name: 'organiser',
      path: `/e/${big.id}/organise#token=${big.token}`,
      ready: async (p) => {
        await expect(p.locator('tr[data-runner]')).toHaveCount(big.runnerIds.length + 1);
        await expect(p.getByTestId('organiser-link-fresh')).toBeVisible();
        await expect(p.locator('.link-list li')).toHaveCount(2);
      },
    },
    {
      name: 'race-control',
      path: `/e/${big.id}/control#token=${big.token}`,
      ready: async (p) => {
        // Runners of the seed went quiet minutes ago at most; a mood of 2 or below puts some on the watchlist.
        await expect(p.getByTestId('watch-open').getByTestId('watch-item').first()).toBeVisible();
      },
    },
    {
      name: 'share-link',
      path: `/s/${data.share}`,
      ready: async (p) => {
        await expect(p.locator('tr.runner')).toHaveCount(4);
      },
    },
    {
      name: 'finish-line',
      path: `/e/${big.id}/finish`,
      ready: async (p) => {
        // No course: nobody is expected and nobody has finished; the page says so in its large type.
        await expect(p.getByText('No finishers yet.')).toBeVisible();
      },
    },
    {
      name: 'embed',
      path: `/embed/${big.id}`,
      ready: async (p) => {
        await expect(p.getByTestId('embed-row').first()).toBeVisible();
      },
    },
    {
      name: 'embed-dark',
      path: `/embed/${big.id}?theme=dark`,
      ready: async (p) => {
        await expect(p.getByTestId('embed-row').first()).toBeVisible();
      },
    },
    {
      name: 'not-found',
      path: '/e/no-such-event-anywhere',
      ready: async (p) => {
        await expect(p.getByRole('heading', { name: 'No such event' })).toBeVisible();
      },
    },
  ];
}
