// Promises handed to gadget code that it may legitimately ignore (`void g.changeState(...)`,
// fire-and-forget jobs). Their failures are already shown in the gadget, so an ignored
// rejection must not also surface as an "unhandled rejection" (which test runners and error
// trackers treat as a crash); whoever awaits them still sees the rejection.

/** Returns promise after attaching a no-op rejection handler to it. */
export function markHandled<T>(promise: Promise<T>): Promise<T> {
  void promise.catch(() => undefined);
  return promise;
}
