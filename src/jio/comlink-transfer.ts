// JioError across the worker boundary. Comlink serialises thrown errors as plain
// {name, message, stack}, so the class, code and status would be lost (the weakness STYLE.md
// names). This wraps comlink's "throw" handler: a JioError travels as its JSON and is rebuilt
// as a JioError on the other side; anything else goes through the original handler.
import { transferHandlers, type TransferHandler } from 'comlink';
import { JioError, type JioErrorJSON } from './errors.ts';

interface ThrownValue {
  value: unknown;
}

type Serialized = { jioError: JioErrorJSON } | { other: unknown };

let installed = false;

/** Installs the handler (idempotent). Call it in the page and in every worker. */
export function installJioErrorTransfer(): void {
  if (installed) return;
  const original = transferHandlers.get('throw') as
    TransferHandler<ThrownValue, unknown> | undefined;
  if (original === undefined) throw new Error('comlink has no "throw" transfer handler to extend');
  const handler: TransferHandler<ThrownValue, Serialized> = {
    canHandle: (value): value is ThrownValue => original.canHandle(value),
    serialize(thrown) {
      if (thrown.value instanceof JioError) return [{ jioError: thrown.value.toJSON() }, []];
      const [other, transferables] = original.serialize(thrown);
      return [{ other }, transferables];
    },
    deserialize(serialized) {
      if ('jioError' in serialized) throw JioError.fromJSON(serialized.jioError);
      return original.deserialize(serialized.other);
    },
  };
  transferHandlers.set('throw', handler);
  installed = true;
}
