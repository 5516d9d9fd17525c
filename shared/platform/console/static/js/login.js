/** The login page: exchange the operator token for a session cookie, then go where the operator was heading. */

const form = document.getElementById('login-form');
const result = document.getElementById('login-result');

/** The page to return to: only a path of this console or the status page (never another site). */
function nextPage() {
  const next = new URLSearchParams(location.search).get('next') ?? '/console/';
  return /^\/(?!\/)[^\\]*$/.test(next) && !next.startsWith('/console/login') ? next : '/console/';
}

form.addEventListener('submit', async (e) => {
  e.preventDefault();
  result.textContent = 'Signing in…';
  const token = new FormData(form).get('token');
  const res = await fetch('/api/session', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ token }),
  }).catch(() => null);
  if (res?.ok) {
    location.replace(nextPage());
    return;
  }
  const body = await res?.json().catch(() => null);
  result.textContent = res
    ? `Not signed in: ${body?.error?.message ?? `HTTP ${res.status}`}`
    : 'Cannot reach the platform.';
  result.className = 'result bad';
  form.querySelector('input').select();
});
