// Encoders produce many small pieces (Arrow's 4-byte prefixes and padding, CSV lines) next to
// large ones (column buffers). Small pieces are joined so the socket gets few, large writes;
// large pieces pass through as views, never copied.

/** Pieces below this are joined with their neighbours. */
export const SMALL_PIECE = 64 * 1024;

/** The pieces as Buffers: runs of small pieces joined, large ones as views on their memory. */
export function coalesce(pieces: readonly Uint8Array[], small = SMALL_PIECE): Buffer[] {
  const out: Buffer[] = [];
  let run: Uint8Array[] = [];
  let runBytes = 0;
  const flush = () => {
    if (runBytes > 0) out.push(Buffer.concat(run, runBytes));
    run = [];
    runBytes = 0;
  };
  for (const piece of pieces) {
    if (piece.byteLength === 0) continue;
    if (piece.byteLength >= small) {
      flush();
      out.push(Buffer.from(piece.buffer, piece.byteOffset, piece.byteLength));
    } else {
      run.push(piece);
      runBytes += piece.byteLength;
      if (runBytes >= small) flush();
    }
  }
  flush();
  return out;
}
