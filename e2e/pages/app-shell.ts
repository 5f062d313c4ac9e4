// Page model of the app shell: what a user sees and does, in one place for every spec.
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { expect, type Locator, type Page, type TestInfo } from '@playwright/test';

declare global {
  interface Window {
    __cspViolations?: string[];
  }
}

export class AppShell {
  readonly connectivity: Locator;
  readonly updateButton: Locator;
  readonly screenTitle: Locator;
  readonly nav: Locator;
  readonly pageErrors: string[] = [];

  constructor(
    readonly page: Page,
    readonly baseUrl: string,
    private readonly testInfo: TestInfo,
  ) {
    this.connectivity = page.getByRole('status').filter({ has: page.locator('.dot') });
    this.updateButton = page.getByRole('button', { name: 'Reload to update' });
    this.screenTitle = page.locator('#screen-title');
    this.nav = page.getByRole('navigation', { name: 'Screens' });
  }

  /** Collects CSP violations (from the page itself) and uncaught errors. */
  async watchForProblems(): Promise<void> {
    await this.page.addInitScript(() => {
      window.__cspViolations = [];
      document.addEventListener('securitypolicyviolation', (event) => {
        window.__cspViolations?.push(`${event.violatedDirective} ${event.blockedURI}`);
      });
    });
    this.page.on('pageerror', (error) => this.pageErrors.push(error.message));
    this.page.on('console', (message) => {
      if (message.type() === 'error' && /Content.Security.Policy/i.test(message.text())) {
        this.pageErrors.push(message.text());
      }
    });
  }

  async goto(pathname = '/'): Promise<void> {
    await this.page.goto(this.baseUrl + pathname);
    await expect(this.nav).toBeVisible();
  }

  /** Waits until the service worker controls the page (the first load claims it). */
  async waitForServiceWorker(): Promise<void> {
    await this.page.waitForFunction(() => navigator.serviceWorker.controller !== null, undefined, {
      timeout: 20_000,
    });
  }

  tab(name: string): Locator {
    return this.nav.getByRole('link', { name });
  }

  /** Taps on touch devices, clicks elsewhere — as the user of that device would. */
  async press(target: Locator): Promise<void> {
    if (this.testInfo.project.use.hasTouch === true) await target.tap();
    else await target.click();
  }

  async cspViolations(): Promise<string[]> {
    return this.page.evaluate(() => window.__cspViolations ?? []);
  }

  /** Full-page screenshot kept under test-results/screenshots/<project>/ for review. */
  async screenshot(name: string): Promise<void> {
    const dir = path.join('test-results', 'screenshots', this.testInfo.project.name);
    mkdirSync(dir, { recursive: true });
    const file = path.join(dir, `${name}.png`);
    await this.page.screenshot({ path: file, fullPage: true });
    await this.testInfo.attach(name, { path: file, contentType: 'image/png' });
  }
}
