// Response shapes of the session routes (docs/lake-api.md, "Authentication"), read by the
// lake and by the browser's sync engine (who is signed in, which sites they may see).

export type Role = 'admin' | 'analyst' | 'technician';

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
