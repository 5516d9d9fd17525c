/**
 * Live updates: a server-sent event stream of lifecycle events (`/api/events`), with polling as the
 * fallback while the stream is down. Progress of a running pipeline is not an event, so pages that
 * show it also poll (see `app.js`).
 */

const RETRY_MS = 5000;

/** Connect; `onEvent(event)` per lifecycle event, `onState('live'|'polling'|'connecting')` on changes. */
export function connectLive({ onEvent, onState }) {
  let source;
  let retry;
  const open = () => {
    onState('connecting');
    source = new EventSource('/api/events');
    source.addEventListener('open', () => onState('live'));
    source.addEventListener('lifecycle', (e) => {
      try {
        onEvent(JSON.parse(e.data));
      } catch {
        /* a malformed event is skipped; the next poll shows the state anyway */
      }
    });
    source.addEventListener('error', () => {
      // The browser retries by itself while CONNECTING; once CLOSED, fall back to polling and reopen later.
      if (source.readyState === EventSource.CLOSED) {
        onState('polling');
        clearTimeout(retry);
        retry = setTimeout(open, RETRY_MS);
      } else onState('polling');
    });
  };
  open();
  window.addEventListener('pagehide', () => source?.close());
  return () => {
    clearTimeout(retry);
    source?.close();
  };
}
