// The first administrator: created on the lake's first start, and a fresh one-time sign-in link
// printed at every start, so whoever runs `npm start` can always get in (the link is on the
// operator's terminal only; it expires in 24 h and works once).
import { createSignInLink, createUser, signInUrl } from './auth/accounts.ts';
import type { Lake } from './lake.ts';

export const FIRST_ADMIN = 'admin';

export async function ensureAdminLink(
  lake: Lake,
  baseUrl: string,
): Promise<{ name: string; url: string }> {
  const users = await lake.meta.listUsers();
  const admin = users.find((user) => user.role === 'admin' && !user.disabled);
  if (admin === undefined) {
    const { user, link } = await createUser(lake, { name: FIRST_ADMIN, role: 'admin' });
    return { name: user.name, url: signInUrl(baseUrl, link.secret) };
  }
  const link = await createSignInLink(lake, admin.id);
  return { name: admin.name, url: signInUrl(baseUrl, link.secret) };
}
