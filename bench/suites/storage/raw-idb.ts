// Plain IndexedDB, no library: the peer of the chunk cases. Requests become promises; nothing
// else is added (no schema layer, no accounting, no hashing).

export function requestResult<T>(request: IDBRequest<T>): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    request.onsuccess = () => {
      resolve(request.result);
    };
    request.onerror = () => {
      reject(request.error ?? new Error('IndexedDB request failed'));
    };
  });
}

/** Resolves when `transaction` commits (default durability, as Dexie's transactions). */
export function committed(transaction: IDBTransaction): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    transaction.oncomplete = () => {
      resolve();
    };
    transaction.onabort = () => {
      reject(transaction.error ?? new Error('IndexedDB transaction aborted'));
    };
    transaction.onerror = () => {
      reject(transaction.error ?? new Error('IndexedDB transaction failed'));
    };
  });
}

/**
 * Opens `name`. With `store`, creates it at version 1 as an object store with out-of-line keys
 * (the chunk's hash is the key, the ArrayBuffer the value); without, opens whatever is there.
 */
export function openRaw(name: string, store?: string): Promise<IDBDatabase> {
  const request = store === undefined ? indexedDB.open(name) : indexedDB.open(name, 1);
  if (store !== undefined) {
    request.onupgradeneeded = () => {
      request.result.createObjectStore(store);
    };
  }
  return new Promise<IDBDatabase>((resolve, reject) => {
    request.onsuccess = () => {
      resolve(request.result);
    };
    request.onerror = () => {
      reject(request.error ?? new Error(`cannot open ${name}`));
    };
    request.onblocked = () => {
      reject(new Error(`opening ${name} is blocked by another connection`));
    };
  });
}

/**
 * Deletes a database. Connections must be closed first; one whose close is still pending (a
 * transaction in flight) makes the request report `blocked`, and the deletion then goes on once
 * it ends, so `blocked` only fails after `timeoutMs`.
 */
export function deleteDatabase(name: string, timeoutMs = 10_000): Promise<void> {
  const request = indexedDB.deleteDatabase(name);
  return new Promise<void>((resolve, reject) => {
    let timer: ReturnType<typeof setTimeout> | undefined;
    request.onsuccess = () => {
      clearTimeout(timer);
      resolve();
    };
    request.onerror = () => {
      clearTimeout(timer);
      reject(request.error ?? new Error(`cannot delete ${name}`));
    };
    request.onblocked = () => {
      timer ??= setTimeout(() => {
        reject(new Error(`deleting ${name} stayed blocked ${timeoutMs} ms: a connection is open`));
      }, timeoutMs);
    };
  });
}

/** Puts every buffer under its key in one readwrite transaction and waits for the commit. */
export async function putAll(
  db: IDBDatabase,
  store: string,
  items: readonly { key: string; value: ArrayBuffer }[],
): Promise<void> {
  const transaction = db.transaction(store, 'readwrite');
  const done = committed(transaction);
  const objects = transaction.objectStore(store);
  for (const item of items) objects.put(item.value, item.key);
  await done;
}

/** Gets every key in one readonly transaction (all requests issued at once). */
export function getAll<T>(db: IDBDatabase, store: string, keys: readonly string[]): Promise<T[]> {
  const objects = db.transaction(store, 'readonly').objectStore(store);
  return Promise.all(keys.map((key) => requestResult(objects.get(key) as IDBRequest<T>)));
}
