/// The status page at `/`: one self-contained HTML document (no external scripts, styles or fonts,
/// so it works on an air-gapped host) that polls `/status.json` every two seconds and draws, with
/// inline SVG: throughput in and out and consumer lag over the last minutes, watermarks per
/// partition, and for `train` the model's metric with drift and promotion markers.
enum StatusPage {
    static let html = #"""
<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>sluice status</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>
body{font:14px/1.4 system-ui,-apple-system,Segoe UI,Helvetica,Arial,sans-serif;margin:24px;color:#1d2733;background:#f6f8fa}
h1{font-size:20px;margin:0 0 4px} .sub{color:#5b6776;margin-bottom:16px}
.cards{display:flex;gap:12px;flex-wrap:wrap;margin-bottom:16px}
.card{background:#fff;border:1px solid #d8dee4;border-radius:6px;padding:10px 14px;min-width:140px}
.card b{display:block;font-size:20px} .card span{color:#5b6776;font-size:12px}
section{background:#fff;border:1px solid #d8dee4;border-radius:6px;padding:12px 14px;margin-bottom:16px}
h2{font-size:15px;margin:0 0 8px} svg{width:100%;height:180px;display:block}
table{border-collapse:collapse;width:100%} td,th{text-align:right;padding:3px 8px;border-bottom:1px solid #eef1f4} th{color:#5b6776;font-weight:600}
td:first-child,th:first-child{text-align:left} .legend span{margin-right:14px} .muted{color:#8a96a3}
</style></head>
<body>
<h1 id="title">sluice</h1><div class="sub" id="sub">connecting…</div>
<div class="cards" id="cards"></div>
<section><h2>Throughput (records/s) and consumer lag, last minutes</h2>
<div class="legend"><span style="color:#1f6feb">■ in</span><span style="color:#2da44e">■ out</span><span style="color:#bf3989">■ lag (records, right axis)</span></div>
<svg id="rates" viewBox="0 0 800 180" preserveAspectRatio="none"></svg></section>
<section id="trainbox" style="display:none"><h2 id="trainh">Model metric</h2>
<div class="legend"><span style="color:#1f6feb">■ metric</span><span style="color:#d1242f">| drift</span><span style="color:#2da44e">| promotion</span></div>
<svg id="train" viewBox="0 0 800 180" preserveAspectRatio="none"></svg></section>
<section><h2>Partitions</h2><table id="parts"><tr><th>partition</th><th>position</th><th>watermark (UTC)</th><th>owner</th></tr></table>
<div class="muted" id="noparts">no partitioned input</div></section>
<script>
"use strict";
const fmt = n => n >= 1e6 ? (n / 1e6).toFixed(2) + " M" : n >= 1e4 ? (n / 1e3).toFixed(1) + " k" : Math.round(n).toString();
const ts = ms => ms == null ? "–" : new Date(ms).toISOString().replace("T", " ").replace("Z", "");
function path(points, x, y) { return points.map((p, i) => (i ? "L" : "M") + x(p[0]).toFixed(1) + " " + y(p[1]).toFixed(1)).join(" "); }
function line(svg, d, color) { const e = document.createElementNS("http://www.w3.org/2000/svg", "path"); e.setAttribute("d", d); e.setAttribute("fill", "none"); e.setAttribute("stroke", color); e.setAttribute("stroke-width", "2"); e.setAttribute("vector-effect", "non-scaling-stroke"); svg.appendChild(e); }
function vmark(svg, x, color) { const e = document.createElementNS("http://www.w3.org/2000/svg", "line"); e.setAttribute("x1", x); e.setAttribute("x2", x); e.setAttribute("y1", 0); e.setAttribute("y2", 180); e.setAttribute("stroke", color); e.setAttribute("stroke-dasharray", "4 3"); e.setAttribute("vector-effect", "non-scaling-stroke"); svg.appendChild(e); }
function text(svg, x, y, s) { const e = document.createElementNS("http://www.w3.org/2000/svg", "text"); e.setAttribute("x", x); e.setAttribute("y", y); e.setAttribute("font-size", "11"); e.setAttribute("fill", "#5b6776"); e.textContent = s; svg.appendChild(e); }
function draw(s) {
  document.getElementById("title").textContent = "sluice " + s.verb + ": " + s.name;
  const up = (s.now - s.started_at) / 1000;
  document.getElementById("sub").textContent = "up " + up.toFixed(0) + " s · " + Object.entries(s.details).map(([k, v]) => k + ": " + v).join(" · ");
  const smp = s.samples, last = smp[smp.length - 1] || {records_in: 0, records_out: 0, dead_lettered: 0};
  const rates = [];
  for (let i = 1; i < smp.length; i++) {
    const dt = (smp[i].t - smp[i - 1].t) / 1000 || 1;
    rates.push([smp[i].t, (smp[i].records_in - smp[i - 1].records_in) / dt, (smp[i].records_out - smp[i - 1].records_out) / dt, smp[i].lag]);
  }
  const now = rates.length ? rates[rates.length - 1] : [0, 0, 0, null];
  const cards = [["records in", fmt(last.records_in)], ["in / s", fmt(now[1])], ["out", fmt(last.records_out)], ["dead-lettered", fmt(last.dead_lettered)],
                 ["consumer lag", last.lag == null ? "–" : fmt(last.lag)], ["watermark", last.watermark == null ? "–" : ts(last.watermark)]];
  document.getElementById("cards").innerHTML = cards.map(([k, v]) => "<div class=card><b>" + v + "</b><span>" + k + "</span></div>").join("");
  const svg = document.getElementById("rates"); svg.innerHTML = "";
  if (rates.length > 1) {
    const t0 = rates[0][0], t1 = rates[rates.length - 1][0], x = t => (t - t0) / Math.max(1, t1 - t0) * 800;
    const top = Math.max(1, ...rates.map(r => Math.max(r[1], r[2]))), lagTop = Math.max(1, ...rates.map(r => r[3] || 0));
    line(svg, path(rates.map(r => [r[0], r[1]]), x, v => 175 - v / top * 165), "#1f6feb");
    line(svg, path(rates.map(r => [r[0], r[2]]), x, v => 175 - v / top * 165), "#2da44e");
    text(svg, 4, 12, fmt(top) + "/s");
    if (rates.some(r => r[3] != null)) {
      line(svg, path(rates.filter(r => r[3] != null).map(r => [r[0], r[3]]), x, v => 175 - v / lagTop * 165), "#bf3989");
      text(svg, 730, 12, "lag " + fmt(lagTop));
    }
  } else { text(svg, 10, 90, "collecting samples…"); }
  if (s.curve.length || s.markers.length) {
    document.getElementById("trainbox").style.display = "";
    document.getElementById("trainh").textContent = "Model metric: " + (s.metric_name || "");
    const tsvg = document.getElementById("train"); tsvg.innerHTML = "";
    const pts = s.curve.map(p => [p.records, p.value]);
    const r0 = Math.min(...pts.map(p => p[0]), ...s.markers.map(m => m.records)), r1 = Math.max(...pts.map(p => p[0]), ...s.markers.map(m => m.records));
    const lo = Math.min(...pts.map(p => p[1])), hi = Math.max(...pts.map(p => p[1]));
    const x = r => (r - r0) / Math.max(1, r1 - r0) * 800, y = v => 175 - (v - lo) / Math.max(1e-9, hi - lo) * 165;
    if (pts.length > 1) line(tsvg, path(pts, x, y), "#1f6feb");
    for (const m of s.markers) vmark(tsvg, x(m.records), m.kind === "drift" ? "#d1242f" : "#2da44e");
    text(tsvg, 4, 12, hi.toFixed(3)); text(tsvg, 4, 176, lo.toFixed(3));
  }
  const table = document.getElementById("parts");
  table.innerHTML = "<tr><th>partition</th><th>position</th><th>watermark (UTC)</th><th>owner</th></tr>" +
    s.partitions.map(p => "<tr><td>" + p.partition + "</td><td>" + p.position + "</td><td>" + ts(p.watermark) + "</td><td>" + (p.owner || "this worker") + "</td></tr>").join("");
  document.getElementById("noparts").style.display = s.partitions.length ? "none" : "";
}
async function tick() {
  try { const r = await fetch("status.json", {cache: "no-store"}); draw(await r.json()); document.body.dataset.ready = "1"; }
  catch (e) { document.getElementById("sub").textContent = "cannot reach the worker: " + e; }
  setTimeout(tick, 2000);
}
tick();
</script></body></html>
"""#
}
