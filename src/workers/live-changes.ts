// The lake's live change notifications (`GET /api/changes/live`, Server-Sent Events) as a
// trigger: each `change` event means "the feed moved for something you may see". EventSource
// reconnects by itself after a network loss; notifications arriving in a burst are coalesced
// (the scheduler also coalesces, this only spares it the calls).
export function liveChanges(base: string, onChange: () => void): () => void {
  if (typeof EventSource === 'undefined') return () => undefined;
  const source = new EventSource(`${base}/api/changes/live`, { withCredentials: true });
  let timer: ReturnType<typeof setTimeout> | undefined;
  source.addEventListener('change', () => {
    if (timer !== undefined) return;
    timer = setTimeout(() => {
      timer = undefined;
      onChange();
    }, 250);
  });
  return () => {
    if (timer !== undefined) clearTimeout(timer);
    source.close();
  };
}
