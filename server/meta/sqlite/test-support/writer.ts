// A second process writing through the real store, for the kill -9 and concurrency tests of
// sqlite-meta-store.test.ts. Each batch writes ten new documents `<prefix>/<batch>/<i>` and then
// rewrites `<prefix>/counter`, and only after writeDocs has answered (committed, fsynced) prints
// `C <batch> <first seq> <last seq>`; stdout to a pipe is synchronous on Linux, so a printed line
// is a commit the parent may hold the store to.
//
// usage: node --import tsx writer.ts <file> <prefix> <batches | forever> [pause ms between batches]
import { openSqliteMetaStore } from '../index.ts';
import type { DocWrite } from '../../types.ts';

const [file, prefix, count, pause] = process.argv.slice(2);
const pauseMs = Number(pause ?? '0');
if (file === undefined || prefix === undefined || count === undefined) {
  process.stderr.write('usage: writer.ts <file> <prefix> <batches | forever>\n');
  process.exit(2);
}
const batches = count === 'forever' ? Infinity : Number(count);
const store = await openSqliteMetaStore(file);
process.stdout.write('R\n');
for (let batch = 0; batch < batches; batch++) {
  const writes: DocWrite[] = [];
  for (let i = 0; i < 10; i++) {
    writes.push({
      id: `${prefix}/${batch}/${i}`,
      body: { type: 'annotation', batch, i, note: 'x'.repeat(100 + ((batch * 7 + i) % 300)) },
      deleted: false,
      site: i % 2 === 0 ? 'site/even' : null,
      type: 'annotation',
    });
  }
  writes.push({ id: `${prefix}/counter`, body: { batch }, deleted: false, site: null, type: null });
  const outcomes = await store.writeDocs(writes);
  const seqs = outcomes.map((outcome) => (outcome.ok ? outcome.seq : -1));
  process.stdout.write(`C ${batch} ${seqs[0] ?? -1} ${seqs.at(-1) ?? -1}\n`);
  // A pause lets another writer take the lock in between, even on a loaded machine.
  if (pauseMs > 0) await new Promise((resolve) => setTimeout(resolve, pauseMs));
}
await store.close();
