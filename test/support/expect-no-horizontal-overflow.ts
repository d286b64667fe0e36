// Browser tests: the page fits the window's width, or the failure names what sticks out.
import type { Page } from "playwright-core";
import { expect } from "vitest";

/** The page's width fits the window: nothing makes the whole page scroll sideways. */
export async function expectNoHorizontalOverflow(page: Page): Promise<void> {
  const { scrollWidth, innerWidth } = await page.evaluate(() => ({ scrollWidth: document.documentElement.scrollWidth, innerWidth: window.innerWidth }));
  expect(scrollWidth, `the page is wider than the window: ${(await overflowingElements(page)).join(", ")}`).toBeLessThanOrEqual(innerWidth);
}

/** What sticks out past the right edge of the window, for the failure message. */
function overflowingElements(page: Page): Promise<string[]> {
  return page.evaluate(() =>
    Array.from(document.querySelectorAll("body *"))
      .filter((element) => element.getBoundingClientRect().right > window.innerWidth + 0.5)
      .slice(0, 8)
      .map((element) => `${element.tagName.toLowerCase()}.${Array.from(element.classList).join(".")} right=${Math.round(element.getBoundingClientRect().right)}`),
  );
}
