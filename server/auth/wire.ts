// Response shapes of the user and token routes (docs/lake-api.md, "Authentication"); the
// session's shapes are shared with the browser (src/shared/wire/session.ts).
import type { WireSessionUser } from '../../src/shared/wire/session.ts';

export type {
  SessionCreated,
  SessionInfo,
  WireSessionUser,
} from '../../src/shared/wire/session.ts';

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
