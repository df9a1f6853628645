/**
 * The cluster view's page: one self-contained HTML document (inline CSS and
 * script, nothing fetched from elsewhere, so it works offline) that follows
 * the member's Server-Sent Events and redraws its tables and SVG charts.
 * Every name and metadata value comes from the network, so the script only
 * ever sets them as text, never as markup.
 *
 * @internal
 */

const style = `
:root { --bg:#f6f7f9; --card:#fff; --ink:#1d2330; --muted:#667085; --line:#e3e6eb;
  --alive:#1a7f37; --suspect:#b35900; --dead:#c4242b; --left:#6b7280; --a:#2563eb; --b:#d9480f; }
* { box-sizing: border-box; }
body { margin:0; font:14px/1.4 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif; background:var(--bg); color:var(--ink); }
header { display:flex; flex-wrap:wrap; gap:12px 24px; align-items:baseline; padding:14px 20px; background:var(--ink); color:#fff; }
header h1 { font-size:18px; margin:0; font-weight:600; }
header .sub { color:#c9cfda; }
#conn { margin-left:auto; font-size:12px; padding:2px 8px; border-radius:10px; background:#394155; }
#conn.on { background:#1a7f37; } #conn.off { background:#c4242b; }
main { display:grid; grid-template-columns: minmax(0,3fr) minmax(0,2fr); gap:16px; padding:16px 20px; }
section { background:var(--card); border:1px solid var(--line); border-radius:8px; padding:12px 14px; min-width:0; }
section h2 { font-size:13px; text-transform:uppercase; letter-spacing:.04em; color:var(--muted); margin:0 0 8px; }
.wide { grid-column: 1 / -1; }
table { width:100%; border-collapse:collapse; }
th, td { text-align:left; padding:5px 8px; border-bottom:1px solid var(--line); vertical-align:top; }
th { font-size:12px; color:var(--muted); font-weight:600; }
td.num { font-variant-numeric: tabular-nums; white-space: nowrap; }
.mono { font-family: ui-monospace,SFMono-Regular,Menlo,Consolas,monospace; font-size:12px; word-break:break-all; }
.badge { display:inline-block; min-width:56px; text-align:center; padding:1px 8px; border-radius:10px; color:#fff; font-size:12px; font-weight:600; }
.badge.alive { background:var(--alive); } .badge.suspect { background:var(--suspect); }
.badge.dead { background:var(--dead); } .badge.left { background:var(--left); }
tr.self td:first-child::after { content:" (this member)"; color:var(--muted); font-size:12px; }
.stats { display:flex; flex-wrap:wrap; gap:10px 24px; }
.stat b { display:block; font-size:22px; font-variant-numeric: tabular-nums; }
.stat span { color:var(--muted); font-size:12px; }
.ready { color:var(--alive); } .notready { color:var(--dead); }
.charts { display:grid; grid-template-columns: repeat(auto-fit, minmax(260px, 1fr)); gap:12px; }
.chart h3 { font-size:12px; margin:0 0 2px; font-weight:600; }
.legend { font-size:12px; color:var(--muted); }
.legend i { display:inline-block; width:10px; height:3px; margin:0 4px 3px 8px; vertical-align:middle; }
svg { width:100%; height:150px; display:block; }
svg text { font-size:10px; fill:#667085; }
#events { list-style:none; margin:0; padding:0; max-height:320px; overflow:auto; }
#events li { padding:3px 0; border-bottom:1px solid var(--line); }
#events time { color:var(--muted); margin-right:8px; font-variant-numeric: tabular-nums; }
.empty { color:var(--muted); font-style:italic; }
@media (max-width: 900px) { main { grid-template-columns: 1fr; } }
`

const script = `
"use strict";
const MAX_SAMPLES = 600, MAX_EVENTS = 200;
let state = null, samples = [], events = [], interval = 1000, receivedAt = Date.now();
const seen = new Map();
const $ = (id) => document.getElementById(id);
const el = (tag, attrs, ...children) => {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) node.setAttribute(k, v);
  for (const c of children) node.append(c instanceof Node ? c : document.createTextNode(String(c)));
  return node;
};
const see = (name, st) => { if (!seen.has(name)) seen.set(name, new Set()); seen.get(name).add(st); };
const eventState = { MemberJoined: "alive", MemberRecovered: "alive", MemberSuspected: "suspect", MemberFailed: "dead", MemberLeft: "left" };
const clock = (ms) => new Date(ms).toLocaleTimeString([], { hour12: false });
const secs = (ms) => (ms / 1000).toFixed(ms < 10000 ? 1 : 0) + " s";
const serverNow = () => (state ? state.at : Date.now()) + (Date.now() - receivedAt);

function renderState() {
  if (!state) return;
  $("self").textContent = state.self;
  $("addr").textContent = state.address;
  const counts = { alive: 0, suspect: 0, dead: 0, left: 0 };
  for (const m of state.members) { counts[m.state]++; see(m.name, m.state); }
  for (const k of Object.keys(counts)) $("n-" + k).textContent = counts[k];
  $("health").textContent = state.health;
  $("status").textContent = state.status;
  const ready = $("ready");
  ready.textContent = state.ready.ready ? "ready" : "not ready: " + state.ready.reason;
  ready.className = state.ready.ready ? "ready" : "notready";
  const rows = state.members.map((m) => {
    const meta = m.meta.bytes === 0 ? el("span", { class: "empty" }, "none")
      : m.meta.text !== null ? el("span", { title: "hex " + m.meta.hex }, m.meta.text)
      : el("span", { class: "mono", title: m.meta.bytes + " bytes, not printable UTF-8" }, "0x" + m.meta.hex);
    return el("tr", { "data-member": m.name, "data-state": m.state, "data-seen": [...seen.get(m.name)].join(" "), class: m.self ? "self" : "" },
      el("td", {}, m.name), el("td", {}, el("span", { class: "badge " + m.state }, m.state)),
      el("td", { class: "num" }, m.incarnation), el("td", { class: "mono" }, m.address), el("td", {}, meta));
  });
  $("members").replaceChildren(...rows);
  renderSuspicions();
}

function renderSuspicions() {
  const now = serverNow();
  const rows = state.suspicions.map((s) => el("tr", { "data-suspect": s.suspect },
    el("td", {}, s.suspect),
    el("td", {}, el("b", {}, s.accusers[0]), s.accusers.length > 1 ? ", confirmed by " + s.accusers.slice(1).join(", ") : ""),
    el("td", { class: "num" }, (s.accusers.length - 1) + " / " + s.expectedConfirmations),
    el("td", { class: "num" }, secs(Math.max(0, now - s.startedAt)) + " ago"),
    el("td", { class: "num" }, s.deadline > now ? "in " + secs(s.deadline - now) : "due")));
  $("suspicions").replaceChildren(...(rows.length > 0 ? rows
    : [el("tr", {}, el("td", { colspan: "5", class: "empty" }, "this member suspects no one"))]));
  $("refuted").textContent = state.refutedAt === null ? "never"
    : clock(state.refutedAt) + " (" + secs(now - state.refutedAt) + " ago)";
  $("maxtimeout").textContent = secs(state.maxSuspicionTimeoutMs);
}

function renderEvents() {
  const items = events.slice().reverse().map((e) => el("li", { "data-kind": e.kind }, el("time", {}, clock(e.at)), e.text));
  $("events").replaceChildren(...(items.length > 0 ? items : [el("li", { class: "empty" }, "no events yet")]));
}

const SVGNS = "http://www.w3.org/2000/svg";
const svg = (tag, attrs, text) => {
  const node = document.createElementNS(SVGNS, tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
  if (text !== undefined) node.textContent = text;
  return node;
};
const nice = (v) => { if (v <= 0) return 1; const p = Math.pow(10, Math.floor(Math.log10(v))); for (const m of [1, 2, 5, 10]) if (v <= m * p) return m * p; return 10 * p; };
const human = (v, unit) => {
  const u = unit === "B/s" ? [[1e9, "GB/s"], [1e6, "MB/s"], [1e3, "kB/s"]] : [[1e6, "M"], [1e3, "k"]];
  for (const [f, s] of u) if (Math.abs(v) >= f) return (v / f).toFixed(1) + " " + s;
  return (Number.isInteger(v) ? v : v.toFixed(1)) + (unit === "B/s" ? " B/s" : unit ? " " + unit : "");
};
const charts = [
  { id: "c-packets", unit: "/s", series: [["packetsIn", "in", "var(--a)"], ["packetsOut", "out", "var(--b)"]] },
  { id: "c-bytes", unit: "B/s", series: [["bytesIn", "in", "var(--a)"], ["bytesOut", "out", "var(--b)"]] },
  { id: "c-queues", unit: "", series: [["membershipQueue", "membership", "var(--a)"], ["userQueue", "user", "var(--b)"]] },
  { id: "c-health", unit: "", series: [["alive", "alive members", "var(--a)"], ["health", "health score", "var(--b)"]] }
];

function renderCharts() {
  const H = 150, L = 58, R = 8, T = 8, B = 18;
  const end = samples.length > 0 ? samples[samples.length - 1].at : Date.now();
  const span = Math.max(60000, Math.min(samples.length, 300) * interval);
  const start = end - span;
  const shown = samples.filter((s) => s.at >= start);
  for (const c of charts) {
    const box = $(c.id);
    // Drawn at the size it is shown, so text is never stretched.
    const W = Math.max(240, Math.round(box.clientWidth));
    let max = 0;
    for (const s of shown) for (const [k] of c.series) max = Math.max(max, s[k]);
    max = nice(max);
    const x = (t) => L + (t - start) / span * (W - L - R);
    const y = (v) => T + (1 - v / max) * (H - T - B);
    const g = svg("svg", { viewBox: "0 0 " + W + " " + H, width: W, height: H, role: "img" });
    for (const f of [0, 0.5, 1]) {
      g.append(svg("line", { x1: L, x2: W - R, y1: y(max * f), y2: y(max * f), stroke: "#e3e6eb" }));
      g.append(svg("text", { x: L - 4, y: y(max * f) + 3, "text-anchor": "end" }, human(max * f, c.unit)));
    }
    g.append(svg("text", { x: L, y: H - 4 }, "-" + Math.round(span / 1000) + " s"));
    g.append(svg("text", { x: W - R, y: H - 4, "text-anchor": "end" }, "now"));
    for (const [k, , color] of c.series) {
      if (shown.length === 0) continue;
      const pts = shown.map((s) => x(s.at).toFixed(1) + "," + y(s[k]).toFixed(1)).join(" ");
      g.append(svg("polyline", { points: pts, fill: "none", stroke: color, "stroke-width": 1.6, "stroke-linejoin": "round" }));
    }
    box.querySelector("svg").replaceWith(g);
    const last = shown[shown.length - 1];
    const legend = box.querySelector(".legend");
    legend.replaceChildren(...c.series.flatMap(([k, label, color]) => {
      const i = document.createElement("i"); i.style.background = color;
      return [i, label + " " + (last ? human(last[k], c.unit) : "-")];
    }));
  }
}

function connect() {
  // Relative to the page, which may be mounted under a prefix and opened with or without a final slash.
  const base = location.pathname.endsWith("/") ? location.pathname : location.pathname + "/";
  const source = new EventSource(base + EVENTS_PATH);
  const conn = $("conn");
  source.onopen = () => { conn.textContent = "live"; conn.className = "on"; };
  source.onerror = () => { conn.textContent = "reconnecting"; conn.className = "off"; };
  source.addEventListener("snapshot", (e) => {
    const d = JSON.parse(e.data);
    state = d.state; samples = d.samples; events = d.events; interval = d.sampleIntervalMs; receivedAt = Date.now();
    for (const ev of events) if (ev.member !== null && eventState[ev.kind]) see(ev.member, eventState[ev.kind]);
    renderState(); renderEvents(); renderCharts();
  });
  source.addEventListener("state", (e) => { state = JSON.parse(e.data); receivedAt = Date.now(); renderState(); });
  source.addEventListener("sample", (e) => {
    samples.push(JSON.parse(e.data));
    if (samples.length > MAX_SAMPLES) samples.splice(0, samples.length - MAX_SAMPLES);
    renderCharts();
  });
  source.addEventListener("event", (e) => {
    const ev = JSON.parse(e.data);
    if (ev.member !== null && eventState[ev.kind]) see(ev.member, eventState[ev.kind]);
    events.push(ev);
    if (events.length > MAX_EVENTS) events.splice(0, events.length - MAX_EVENTS);
    renderEvents();
  });
}
setInterval(() => { if (state) renderSuspicions(); }, 1000);
window.addEventListener("resize", () => renderCharts());
connect();
`

const body = `
<header>
  <h1>Cluster view: <span id="self">\u2026</span></h1>
  <span class="sub mono" id="addr"></span>
  <span class="sub">status <b id="status">\u2026</b></span>
  <span id="conn">connecting</span>
</header>
<main>
  <section class="wide">
    <div class="stats">
      <div class="stat"><b id="n-alive">0</b><span>alive</span></div>
      <div class="stat"><b id="n-suspect">0</b><span>suspect</span></div>
      <div class="stat"><b id="n-dead">0</b><span>dead</span></div>
      <div class="stat"><b id="n-left">0</b><span>left</span></div>
      <div class="stat"><b id="health">0</b><span>health score (0 is healthy)</span></div>
      <div class="stat"><b id="ready">\u2026</b><span>readiness</span></div>
    </div>
  </section>
  <section>
    <h2>Members</h2>
    <table><thead><tr><th>name</th><th>state</th><th>incarnation</th><th>address</th><th>metadata</th></tr></thead>
    <tbody id="members"></tbody></table>
  </section>
  <section>
    <h2>Suspicions held by this member</h2>
    <table><thead><tr><th>suspect</th><th>accused by</th><th>confirmations</th><th>since</th><th>declared dead</th></tr></thead>
    <tbody id="suspicions"></tbody></table>
    <p class="legend">Last refuted a suspicion of itself: <span id="refuted">never</span>. A suspicion lasts at most <span id="maxtimeout">\u2026</span>.</p>
    <h2>Recent events</h2>
    <ul id="events"></ul>
  </section>
  <section class="wide">
    <h2>Traffic and queues</h2>
    <div class="charts">
      <div class="chart" id="c-packets"><h3>packets per second</h3><svg></svg><div class="legend"></div></div>
      <div class="chart" id="c-bytes"><h3>bytes per second</h3><svg></svg><div class="legend"></div></div>
      <div class="chart" id="c-queues"><h3>broadcast queue depths</h3><svg></svg><div class="legend"></div></div>
      <div class="chart" id="c-health"><h3>members and health</h3><svg></svg><div class="legend"></div></div>
    </div>
  </section>
</main>
`

/** The page, following the events at `paths.events` relative to itself, so it works mounted under a prefix. */
export const page = (paths: { readonly events: string }): string =>
  `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>effect-memberlist cluster view</title><style>${style}</style></head>
<body>${body}<script>const EVENTS_PATH = ${JSON.stringify(paths.events.replace(/^\//, ""))};${script}</script></body></html>
`
