/// The live dashboard at `/` (issue 6): one self-contained HTML page, no build step and no
/// external resources, that polls `/status` every second and shows the totals, the calls with
/// route, duration, codec, jitter, loss, MOS and two level meters (caller → AI, AI → caller),
/// and a hang-up button per call (`DELETE /calls/{id}`). With `status.token` set the page asks
/// for the token once (or takes it from `#token=…`, a fragment the browser never sends) and
/// keeps it for the browser session.
enum Dashboard {
    static let html = #"""
<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>sipbridge</title>
<style>
  :root { color-scheme: light dark; --ok: #2e9d4a; --warn: #d19a00; --bad: #d03a3a; --muted: #888; }
  body { font: 14px/1.4 system-ui, sans-serif; margin: 1.5rem; }
  h1 { font-size: 1.2rem; margin: 0 0 1rem; }
  h1 small { color: var(--muted); font-weight: normal; }
  .totals { display: flex; flex-wrap: wrap; gap: .75rem; margin-bottom: 1rem; }
  .total { border: 1px solid #8884; border-radius: 6px; padding: .4rem .8rem; min-width: 7rem; }
  .total b { display: block; font-size: 1.3rem; }
  .total span { color: var(--muted); font-size: .8rem; }
  table { border-collapse: collapse; width: 100%; }
  th, td { text-align: left; padding: .35rem .5rem; border-bottom: 1px solid #8883; white-space: nowrap; }
  th { font-size: .8rem; color: var(--muted); font-weight: 600; }
  td.num { text-align: right; font-variant-numeric: tabular-nums; }
  .meter { display: inline-block; width: 90px; height: 8px; background: #8883; border-radius: 4px; vertical-align: middle; }
  .meter i { display: block; height: 100%; border-radius: 4px; background: var(--ok); }
  .state-active { color: var(--ok); } .state-connecting { color: var(--warn); }
  .bad { color: var(--bad); } .empty { color: var(--muted); padding: 1rem .5rem; }
  #error { color: var(--bad); margin: .5rem 0; }
  button { font: inherit; font-size: .8rem; }
</style>
</head>
<body>
<h1>sipbridge <small id="version"></small> <small id="updated"></small></h1>
<div id="error"></div>
<div class="totals">
  <div class="total"><b id="active">–</b><span>calls active</span></div>
  <div class="total"><b id="offered">–</b><span>calls offered</span></div>
  <div class="total"><b id="rejected">–</b><span>calls rejected</span></div>
  <div class="total"><b id="ports">–</b><span>RTP port pairs in use</span></div>
  <div class="total"><b id="registrations">–</b><span>registrations up</span></div>
  <div class="total"><b id="state">–</b><span>state</span></div>
  <div class="total"><b id="uptime">–</b><span>uptime</span></div>
</div>
<table>
  <thead><tr>
    <th>call</th><th>route</th><th>from</th><th>to</th><th>codec</th><th>state</th><th>duration</th>
    <th>jitter ms</th><th>loss %</th><th>MOS</th><th>caller → AI</th><th>AI → caller</th><th></th>
  </tr></thead>
  <tbody id="calls"><tr><td class="empty" colspan="13">loading…</td></tr></tbody>
</table>
<script>
"use strict";
const tokenKey = "sipbridge-token";
const fromHash = new URLSearchParams(location.hash.slice(1)).get("token");
if (fromHash) { sessionStorage.setItem(tokenKey, fromHash); history.replaceState(null, "", location.pathname); }
function headers() {
  const token = sessionStorage.getItem(tokenKey);
  return token ? { Authorization: "Bearer " + token } : {};
}
function cell(text, className) {
  const td = document.createElement("td");
  td.textContent = text;
  if (className) td.className = className;
  return td;
}
function meter(dbfs) {
  const td = document.createElement("td");
  const outer = document.createElement("span");
  outer.className = "meter";
  outer.title = (dbfs <= -96 ? "silence" : dbfs.toFixed(1) + " dBFS");
  const bar = document.createElement("i");
  bar.style.width = Math.max(0, Math.min(100, (dbfs + 60) / 60 * 100)).toFixed(0) + "%";
  outer.appendChild(bar);
  td.appendChild(outer);
  return td;
}
function duration(seconds) {
  const s = Math.floor(seconds), h = Math.floor(s / 3600), m = Math.floor(s / 60) % 60;
  return (h ? h + ":" + String(m).padStart(2, "0") : m) + ":" + String(s % 60).padStart(2, "0");
}
async function hangUp(id) {
  if (!confirm("Hang up call " + id + "?")) return;
  await fetch("calls/" + encodeURIComponent(id), { method: "DELETE", headers: headers() });
  refresh();
}
function render(status) {
  document.getElementById("version").textContent = "v" + status.version;
  document.getElementById("updated").textContent = "· updated " + new Date().toLocaleTimeString();
  document.getElementById("active").textContent = status.calls_active;
  document.getElementById("offered").textContent = status.calls_offered;
  document.getElementById("rejected").textContent = status.calls_rejected;
  document.getElementById("ports").textContent = status.rtp_ports_in_use;
  const regs = status.registrations || [];
  document.getElementById("registrations").textContent =
    regs.length ? regs.filter(r => r.state === "registered").length + " / " + regs.length : "none";
  const state = document.getElementById("state");
  state.textContent = status.draining ? "draining" : "ready";
  state.className = status.draining ? "bad" : "state-active";
  document.getElementById("uptime").textContent = duration(status.uptime_s);
  const body = document.getElementById("calls");
  body.replaceChildren();
  if (!status.calls.length) {
    body.appendChild(document.createElement("tr")).appendChild(cell("no calls", "empty")).colSpan = 13;
    return;
  }
  for (const call of status.calls) {
    const m = call.media, expected = m.packetsIn + Math.max(0, m.lost);
    const loss = expected ? (Math.max(0, m.lost) + m.late) * 100 / expected : 0;
    const row = document.createElement("tr");
    row.dataset.callId = call.call_id;
    row.append(
      cell(call.call_id.slice(0, 8)), cell(call.route), cell(call.from), cell(call.to), cell(call.codec),
      cell(call.state, "state-" + call.state), cell(duration(call.duration_s), "num"),
      cell(m.jitterMilliseconds.toFixed(1), "num"), cell(loss.toFixed(1), loss >= 3 ? "num bad" : "num"),
      cell(m.mos === undefined ? "–" : m.mos.toFixed(2), m.mos !== undefined && m.mos < 3.6 ? "num bad" : "num"),
      meter(call.level_in_dbfs), meter(call.level_out_dbfs));
    const action = document.createElement("td");
    const button = document.createElement("button");
    button.textContent = "hang up";
    button.onclick = () => hangUp(call.call_id);
    action.appendChild(button);
    row.appendChild(action);
    body.appendChild(row);
  }
}
async function refresh() {
  const error = document.getElementById("error");
  try {
    const response = await fetch("status", { headers: headers(), cache: "no-store" });
    if (response.status === 401) {
      const token = prompt("status.token of this bridge:");
      if (token) { sessionStorage.setItem(tokenKey, token); return refresh(); }
      error.textContent = "This bridge requires its status token.";
      return;
    }
    if (!response.ok) throw new Error("HTTP " + response.status);
    render(await response.json());
    error.textContent = "";
  } catch (e) {
    error.textContent = "Cannot reach the bridge: " + e.message;
  }
}
refresh();
setInterval(refresh, 1000);
</script>
</body>
</html>
"""#
}
