// Tells a body that arrived whole from a streamed one. The lake holds each request body and hands
// it to a parser as a single chunk; a parser that knows it has the whole body can take a faster
// path (json-whole.ts). Only the end of the iteration proves the first chunk was all of it, and an
// iterator cannot put a chunk back, so the chunks read to find out are replayed, in order, in
// front of the rest for the streaming path.

const EMPTY = new Uint8Array(0);

export interface PeekedBody {
  /** The whole body, when it came as one chunk (or none) of at most `limit` bytes. */
  whole: Uint8Array | undefined;
  /** Every chunk of the body in order, those already read included: the streaming path's input. */
  chunks: AsyncIterable<Uint8Array>;
}

/**
 * Reads `body`'s first chunk and, when it is at most `limit` bytes, asks for the next. A larger
 * first chunk is not looked past: the streaming path may fail on it before wanting more.
 */
export async function peekWhole(
  body: AsyncIterable<Uint8Array>,
  limit: number,
): Promise<PeekedBody> {
  const iterator = body[Symbol.asyncIterator]();
  const first = await iterator.next();
  if (first.done === true) return { whole: EMPTY, chunks: replay([EMPTY]) };
  if (first.value.length > limit) {
    return { whole: undefined, chunks: replay([first.value], iterator) };
  }
  let second: IteratorResult<Uint8Array>;
  try {
    second = await iterator.next();
  } catch (error) {
    // The streaming path parses the first chunk before it asks for another (and may fail on it,
    // or yield batches first): the failure to read comes where that request would have been.
    return { whole: undefined, chunks: replay([first.value], failing(error)) };
  }
  if (second.done === true) return { whole: first.value, chunks: replay([first.value]) };
  return { whole: undefined, chunks: replay([first.value, second.value], iterator) };
}

function failing(error: unknown): AsyncIterator<Uint8Array> {
  return {
    next: async () => {
      throw error;
    },
  };
}

/** `head`, then what `rest` still holds; closing it early closes `rest`, as `for await` would. */
async function* replay(
  head: readonly Uint8Array[],
  rest?: AsyncIterator<Uint8Array>,
): AsyncGenerator<Uint8Array, void, undefined> {
  let replayed = false;
  try {
    for (const chunk of head) yield chunk;
    replayed = true;
  } finally {
    if (!replayed) await rest?.return?.();
  }
  if (rest === undefined) return;
  for await (const chunk of { [Symbol.asyncIterator]: () => rest }) yield chunk;
}
