// Draws the app icons (PNG) from code so they can be regenerated and reviewed: a lake-blue
// tile with a white signal trace and a peak marker. Run: node scripts/make-icons.mjs
// Writes public/icons/{icon-192,icon-512,maskable-512,apple-touch-icon}.png.
import { mkdirSync, writeFileSync } from 'node:fs';
import { deflateSync } from 'node:zlib';

const background = [11, 79, 92];
const trace = [255, 255, 255];
const peak = [255, 196, 61];

function crc32(bytes) {
  let crc = ~0;
  for (const byte of bytes) {
    crc ^= byte;
    for (let k = 0; k < 8; k++) crc = (crc >>> 1) ^ (0xedb88320 & -(crc & 1));
  }
  return ~crc >>> 0;
}

function chunk(type, data) {
  const out = Buffer.alloc(12 + data.length);
  out.writeUInt32BE(data.length, 0);
  out.write(type, 4, 'ascii');
  data.copy(out, 8);
  out.writeUInt32BE(crc32(out.subarray(4, 8 + data.length)), 8 + data.length);
  return out;
}

function png(size, pixel) {
  const raw = Buffer.alloc(size * (size * 4 + 1));
  for (let y = 0; y < size; y++) {
    raw[y * (size * 4 + 1)] = 0;
    for (let x = 0; x < size; x++) {
      const [r, g, b, a] = pixel(x / size, y / size);
      const at = y * (size * 4 + 1) + 1 + x * 4;
      raw[at] = r;
      raw[at + 1] = g;
      raw[at + 2] = b;
      raw[at + 3] = a;
    }
  }
  const header = Buffer.alloc(13);
  header.writeUInt32BE(size, 0);
  header.writeUInt32BE(size, 4);
  header[8] = 8; // bit depth
  header[9] = 6; // RGBA
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', header),
    chunk('IDAT', deflateSync(raw, { level: 9 })),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

/** The drawing in unit coordinates; `inset` shrinks it into the maskable safe zone. */
function drawing(inset, rounded) {
  return (u, v) => {
    if (rounded) {
      const r = 0.18;
      const cx = Math.min(Math.max(u, r), 1 - r);
      const cy = Math.min(Math.max(v, r), 1 - r);
      if ((u - cx) ** 2 + (v - cy) ** 2 > r * r) return [0, 0, 0, 0];
    }
    const x = (u - inset) / (1 - 2 * inset);
    const y = (v - inset) / (1 - 2 * inset);
    if (x >= 0.12 && x <= 0.88) {
      const t = (x - 0.12) / 0.76;
      const signal =
        0.62 - 0.12 * Math.sin(t * 11) * Math.exp(-((t - 0.55) ** 2) * 9) - 0.05 * Math.sin(t * 29);
      if (Math.abs(y - signal) < 0.035) return [...trace, 255];
      if (Math.abs(y - 0.8) < 0.02) return [...trace, 140];
    }
    if ((x - 0.58) ** 2 + (y - 0.38) ** 2 < 0.055 ** 2) return [...peak, 255];
    return [...background, 255];
  };
}

mkdirSync(new URL('../public/icons/', import.meta.url), { recursive: true });
const write = (name, bytes) =>
  writeFileSync(new URL(`../public/icons/${name}`, import.meta.url), bytes);
write('icon-192.png', png(192, drawing(0, true)));
write('icon-512.png', png(512, drawing(0, true)));
// Maskable: full-bleed background, the drawing inside the central 80 % safe zone.
write('maskable-512.png', png(512, drawing(0.1, false)));
write('apple-touch-icon.png', png(180, drawing(0, false)));
