// Writes committed transactions in a loop; prints "C <seq>" after each commit returns.
// usage: node crash-child.mjs <kind> <path>
import { openEngine, makeDoc, newId, rnd } from './lib.mjs';
const [kind, path] = process.argv.slice(2);
const B = 10; // documents per transaction: a transaction is complete iff all 10 change rows exist
const db = await openEngine(kind, path);
process.stdout.write('R\n');
const ids = [];
for (let t = 1; ; t++) {
  const docs = [];
  for (let i = 0; i < B; i++) {
    const id = ids.length > 20 && rnd() < 0.2 ? ids[(rnd() * ids.length) | 0] : newId();
    ids.push(id);
    docs.push(makeDoc(id));
  }
  const end = await db.writeBatch(docs);
  process.stdout.write(`C ${end}\n`); // synchronous for pipes on Linux
  if (t % 50 === 0) await db.checkpoint(); // so that some kills land in a checkpoint
}
