// Who is calling, as every route sees it, and the access rules by site (docs/lake-api.md,
// "Roles and sites"). Resolving credentials into a Principal is auth-plugin.ts's job; this
// file only holds the shape and the pure rules, so every route applies the same ones.
import type { Role, SiteFilter } from '../meta/types.ts';

export interface Principal {
  /** What authenticated the request. */
  kind: 'session' | 'device' | 'collector';
  /** The token (session, device or collector) that authenticated the request. */
  tokenId: string;
  /** The user it acts for; null for collector tokens. */
  userId: string | null;
  /** User name, or the token's label for collectors (for logs and authorship). */
  name: string;
  role: Role | 'collector';
  /** Sites granted to a technician (empty for other roles: they see every site). */
  sites: readonly string[];
  /** Collector tokens: the ingestion policy they may write through. */
  policy: string | null;
  /** Milliseconds since the epoch; null: never. */
  expiresAt: number | null;
}

/** A principal acting for a user: a session or a device token. */
export interface UserPrincipal extends Principal {
  kind: 'session' | 'device';
  userId: string;
  role: Role;
}

/** Collectors only ingest; everyone else reads and writes documents by site. */
export function isUserPrincipal(principal: Principal): principal is UserPrincipal {
  return principal.role !== 'collector' && principal.userId !== null;
}

/** The documents a principal may see. Collectors see nothing. */
export function siteFilter(principal: Principal): SiteFilter {
  if (principal.role === 'admin' || principal.role === 'analyst') return { all: true };
  if (principal.role === 'technician') return { all: false, sites: principal.sites };
  return { all: false, sites: [] };
}

/** Whether a document of `site` (null: site-less) is visible to the principal. */
export function canSee(principal: Principal, site: string | null): boolean {
  if (principal.role === 'collector') return false;
  if (principal.role === 'admin' || principal.role === 'analyst') return true;
  return site === null || principal.sites.includes(site);
}

/**
 * Whether the principal may write a document of `site`. Technicians write in their sites and
 * site-less documents (their own kits, dashboards), never a `site` document itself.
 */
export function canWrite(principal: Principal, site: string | null, type: string | null): boolean {
  if (principal.role === 'collector') return false;
  if (principal.role === 'admin' || principal.role === 'analyst') return true;
  if (type === 'site' || type === 'ingestion-policy' || type === 'device') return false;
  return site === null || principal.sites.includes(site);
}
