// Feed checkpoints (docs/lake-api.md, "Checkpoints"). A reader's position is the global
// sequence S it has read up to, plus — for technicians, whose visible sites change — the
// sequence G of the latest site grant whose older documents it has received. While grants
// newer than G are being backfilled the checkpoint also holds the backfill position A and the
// newest grant included, Gmax, so that paging is stable even if another grant arrives
// mid-backfill. Admins and analysts, who see everything, always get a plain number.
import type { Checkpoint } from '../../src/shared/wire/lake.ts';
import { HttpError } from '../http/errors.ts';

export interface FeedPosition {
  seq: number;
  grants: number;
  backfill?: { after: number; upTo: number };
}

function bad(text: string): HttpError {
  return new HttpError(
    'bad_request',
    `since must be a checkpoint returned by the lake (a non-negative integer or its opaque form), not "${text}"`,
    { reason: 'invalid_option' },
  );
}

export function parseCheckpoint(text: string | undefined): FeedPosition {
  if (text === undefined || text === '') return { seq: 0, grants: 0 };
  const parts = text.split('.');
  if (parts.length !== 1 && parts.length !== 2 && parts.length !== 4) throw bad(text);
  const numbers = parts.map((part) => {
    if (!/^\d{1,16}$/.test(part)) throw bad(text);
    const value = Number(part);
    if (!Number.isSafeInteger(value)) throw bad(text);
    return value;
  });
  const [seq = 0, grants = 0, after, upTo] = numbers;
  if (after !== undefined && upTo !== undefined) {
    if (upTo <= grants || after > seq) throw bad(text);
    return { seq, grants, backfill: { after, upTo } };
  }
  return { seq, grants };
}

export function formatCheckpoint(position: FeedPosition): Checkpoint {
  if (position.backfill !== undefined) {
    return `${position.seq}.${position.grants}.${position.backfill.after}.${position.backfill.upTo}`;
  }
  return position.grants === 0 ? position.seq : `${position.seq}.${position.grants}`;
}
