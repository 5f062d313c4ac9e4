// Signing in with the one-time link `npm start` prints: the browser lands on the app with a
// session cookie the API accepts; the link works once.
import { expect, test } from './fixtures.ts';

test('the printed admin link signs the browser in, once', async ({ shell, page, lake }) => {
  const anonymous = await page.request.get(`${lake.url}/api/session`);
  expect(anonymous.status()).toBe(401);
  await page.goto(lake.signInLink);
  await expect(page).toHaveURL(/\/datasets$/);
  await expect(shell.screenTitle).toHaveText('Datasets');
  const session = await page.evaluate(async () => {
    const response = await fetch('/api/session');
    return (await response.json()) as { user: { name: string; role: string } };
  });
  expect(session.user).toMatchObject({ name: 'admin', role: 'admin' });
  const cookies = await page.context().cookies();
  expect(cookies.find((cookie) => cookie.name === 'fieldlake_session')).toMatchObject({
    httpOnly: true,
    sameSite: 'Strict',
  });
  await shell.screenshot('signed-in');
  const again = await page.request.get(lake.signInLink, { maxRedirects: 0 });
  expect(again.status()).toBe(401);
  expect(await again.json()).toMatchObject({ error: { code: 'unauthorized' } });
  expect(shell.pageErrors).toEqual([]);
});
