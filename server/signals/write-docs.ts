// Server-side writers (demo seeding, ingestion) write documents through the same DocService
// as HTTP clients, so placement, access and the derived Zarr view apply to them too.
import type { WireBulkItem } from '../../src/shared/wire/lake.ts';
import type { Principal } from '../auth/principal.ts';
import type { LakeWriter } from '../lake-context.ts';

/** The lake itself, writing what it generates (demo data, ingested signals). */
export const LAKE_PRINCIPAL: Principal = {
  kind: 'session',
  tokenId: 'lake',
  userId: null,
  name: 'lake',
  role: 'admin',
  sites: [],
  policy: null,
  expiresAt: null,
};

/** Writes documents and throws the first failure (server-made documents must not fail). */
export async function writeOrThrow(
  opened: LakeWriter,
  principal: Principal,
  ...items: WireBulkItem[]
): Promise<string[]> {
  const results = await opened.docs.write(principal, items);
  return results.map((result) => {
    if (!result.ok) {
      throw new Error(`Writing "${result.id}" failed: ${result.error.message}`);
    }
    return result.rev;
  });
}
