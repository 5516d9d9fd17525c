/** The console reads only the platform's JSON API; these helpers fetch it and publish commands. */

/** An API error with its code, message and issues. */
export class ApiError extends Error {
  constructor(status, body) {
    super(body?.error?.message ?? `HTTP ${status}`);
    this.status = status;
    this.code = body?.error?.code ?? 'HTTP';
    this.issues = body?.error?.issues ?? [];
  }
}

/** GET a JSON document; throws ApiError on a non-2xx reply. */
export async function getJson(path) {
  const res = await fetch(path, { headers: { accept: 'application/json' } });
  const body = await res.json().catch(() => null);
  if (!res.ok) throw new ApiError(res.status, body);
  return body;
}

/** POST a message to a topic through the validated publish endpoint; resolves `{ ok, status, body }`. */
export async function publish(topic, message) {
  const res = await fetch(`/api/publish/${encodeURIComponent(topic)}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json' },
    body: JSON.stringify(message),
  });
  const body = await res
    .json()
    .catch(() => ({ error: { code: 'HTTP', message: `HTTP ${res.status} without a JSON body` } }));
  return { ok: res.ok, status: res.status, body };
}

/** Query string from an object, skipping empty values. */
export function query(params) {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== null && v !== '') q.set(k, String(v));
  const s = q.toString();
  return s ? `?${s}` : '';
}

/** Polls of a command's recorded outcome, 250 ms apart (10 s). */
const OUTCOME_POLLS = 40;

/**
 * Publish a command, then wait for the outcome the platform records for it (`GET /api/outcomes`):
 * resolves `{ refused: reply }` when the publish API refused it (validation, network), `{ recorded }`
 * once recorded (applied or rejected), or `{ timedOut: true }`. `onSent` runs once it is on the bus.
 */
export async function publishAndAwait(topic, command, onSent = () => undefined) {
  const reply = await publish(topic, command).catch((err) => ({
    ok: false,
    status: 0,
    body: { error: { code: 'NETWORK', message: String(err) } },
  }));
  if (!reply.ok) return { refused: reply };
  onSent();
  for (let i = 0; i < OUTCOME_POLLS; i++) {
    await new Promise((r) => setTimeout(r, 250));
    const recorded = await getJson(`/api/outcomes${query({ topic, key: reply.body.dedupeKey })}`).catch(
      () => undefined,
    );
    if (recorded) return { recorded };
  }
  return { timedOut: true };
}
