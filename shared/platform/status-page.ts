/** The plain status page at `/`: what serves, the run in progress, open alerts, last events (polls /api/status). */
export const STATUS_PAGE = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>ipo-mlops status</title>
<style>body{font:15px/1.45 system-ui,sans-serif;margin:1.5rem;color:#111;background:#fff}h1{font-size:1.3rem}
table{border-collapse:collapse;margin:.5rem 0 1.2rem}td,th{border:1px solid #bbb;padding:.25rem .5rem;text-align:left}
code{background:#f1f1f1;padding:0 .2rem}.muted{color:#444}</style></head>
<body><h1>ipo-mlops — local platform</h1>
<p class="muted">Full console: <a href="/console/">/console/</a> · JSON: <a href="/api/status">/api/status</a></p>
<div id="root">Loading…</div>
<script>
const esc = (s) => String(s ?? '').replace(/[&<>"]/g, (c) => ({'&':'&amp;','<':'&lt;','>':'&gt;','"':'&quot;'}[c]));
async function refresh() {
  try {
    const s = await (await fetch('/api/status')).json();
    let html = '';
    for (const m of s.models) {
      const split = m.deployment ? Object.entries(m.deployment.split).map(([v, p]) => v + ': ' + p + '%').join(', ') : 'nothing deployed';
      html += '<h2>' + esc(m.modelId) + '</h2><p>Production <b>' + esc(m.championVersion ?? '—') + '</b>, canary <b>' + esc(m.canaryVersion ?? '—') + '</b>, traffic ' + esc(split) + '</p>';
      if (m.inFlightRun) { const p = m.inFlightRun.progress ?? {}; html += '<p>Run <code>' + esc(m.inFlightRun.runId) + '</code> ' + esc(m.inFlightRun.state) + (p.step ? ' — ' + esc(p.step) + (p.epoch ? ' epoch ' + p.epoch + '/' + p.epochs : '') : '') + '</p>'; }
      html += '<table><tr><th>version</th><th>state</th><th>R²</th><th>MAPE %</th><th>gate</th></tr>' + m.versions.map((v) => '<tr><td>' + esc(v.version) + '</td><td>' + esc(v.state) + '</td><td>' + (v.metrics?.r2 ?? NaN).toFixed(3) + '</td><td>' + (v.metrics?.mape ?? NaN).toFixed(2) + '</td><td>' + esc(v.gate?.verdict) + '</td></tr>').join('') + '</table>';
    }
    if (s.models.length === 0) html += '<p>No model yet: the first run starts when data lands.</p>';
    html += '<h2>Open alerts (' + s.openAlerts.length + ')</h2><ul>' + s.openAlerts.map((a) => '<li>' + esc(a.signal) + ': ' + esc(a.summary) + ' — ' + esc(a.action) + '</li>').join('') + '</ul>';
    html += '<h2>Last lifecycle events</h2><table><tr><th>at</th><th>event</th><th>subject</th><th>actor</th><th>reason</th></tr>' + s.lastEvents.map((e) => '<tr><td>' + esc(e.at) + '</td><td>' + esc(e.action) + '</td><td>' + esc(e.subject?.kind) + ' ' + esc(e.subject?.id) + '</td><td>' + esc(e.actor) + '</td><td>' + esc(e.reason) + '</td></tr>').join('') + '</table>';
    document.getElementById('root').innerHTML = html;
  } catch (e) { document.getElementById('root').textContent = 'Cannot reach the platform: ' + e; }
}
refresh(); setInterval(refresh, 2000);
</script></body></html>`;
