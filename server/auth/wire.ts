// Response shapes of the session, user and token routes (docs/lake-api.md, "Authentication").
// They belong in src/shared/wire once a browser client reads them; until then they live here.
import type { Role } from '../meta/types.ts';

export interface WireSessionUser {
  id: string;
  name: string;
  role: Role;
  /** Sites granted (they restrict technicians only). */
  sites: string[];
}

/** `POST /api/session`. */
export interface SessionCreated {
  user: WireSessionUser;
  expiresAt: number;
  /** The session's bearer secret, for workers and tests (browsers use the cookie). */
  token: string;
}

/** `GET /api/session`. */
export interface SessionInfo {
  user: WireSessionUser;
  /** null: the credential never expires (device tokens without expiry). */
  expiresAt: number | null;
  kind: 'session' | 'device';
}

export interface WireUser extends WireSessionUser {
  disabled: boolean;
  createdAt: number;
  hasPassword: boolean;
}

/** `POST /api/users`: the account and its one-time sign-in link. */
export interface UserCreated {
  user: WireUser;
  link: string;
  linkExpiresAt: number;
}

export interface WireToken {
  id: string;
  kind: 'device' | 'collector';
  userId: string | null;
  label: string;
  policy: string | null;
  createdAt: number;
  expiresAt: number | null;
  revokedAt: number | null;
}

/** `POST /api/tokens`: the secret appears here and nowhere else, ever. */
export interface TokenCreated {
  token: WireToken;
  secret: string;
}
