// Raw cost of write(4 KiB)+fdatasync on the measurement disk, for context.
// usage: node fsync.mjs [dir]
import { openSync, writeSync, fdatasyncSync, closeSync, rmSync } from 'node:fs';
const f = (process.argv[2] ?? '/tmp') + '/fsync-probe.bin';
const fd = openSync(f, 'w');
const buf = Buffer.alloc(4096, 1);
const n = 300,
  t0 = performance.now();
for (let i = 0; i < n; i++) {
  writeSync(fd, buf, 0, buf.length, i * 4096);
  fdatasyncSync(fd);
}
const ms = (performance.now() - t0) / n;
closeSync(fd);
rmSync(f);
console.log(JSON.stringify({ fdatasyncMsAvg: +ms.toFixed(3) }));
