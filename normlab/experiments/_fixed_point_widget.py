"""The fixed-point map as a page a reader plays with: pick a target, see its SELU, flow and basin.

:func:`html` turns a ``fixed_point_map`` Result into one self-contained HTML
fragment (canvas and plain JavaScript, no library, no kernel): the spectral
radius over the target grid (click a cell, or use the sliders, to pick a
target), the target's alpha and lambda, its radius, norm and basin fraction
from the Result, and the flow of the moment map g of that SELU in the
(mu, log nu) plane with the starts that reach the target shaded; a click on
the flow draws the trajectory from that start. The moment map is computed in
the browser from the closed form of :func:`normlab.snn.moment_map`, with
``exp(a) erfc(b)`` as ``t exp(a - b^2 + P(t))``, ``t = 1/(1 + b/2)``
(Numerical Recipes' ``erfcc``, relative error below 1.2e-7), so it neither
overflows nor needs a kernel.
"""

from __future__ import annotations

import json
import math
import uuid

import numpy as np

# The moment map in JavaScript: also run under node by the tests, against normlab.snn.
MOMENT_MAP_JS = """
function expErfc(a, b) {  // exp(a) * erfc(b), overflow-free for b >= 0
  if (b < 0) return 2 * Math.exp(a) - expErfc(a, -b);
  const t = 1 / (1 + 0.5 * b);
  const p = -1.26551223 + t * (1.00002368 + t * (0.37409196 + t * (0.09678418 +
    t * (-0.18628806 + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 +
    t * (-0.82215223 + t * 0.17087277))))))));
  return t * Math.exp(a - b * b + p);
}
function momentMap(mu, nu, omega, tau, alpha, lam) {
  const m = mu * omega, v = nu * tau, s = Math.sqrt(v), r2 = Math.SQRT2 * s;
  const c = x => expErfc(0, x / r2);
  const gauss = Math.sqrt(2 / Math.PI) * s * Math.exp(-(m * m) / (2 * v));
  const e1 = expErfc(m + v / 2, (m + v) / r2), e2 = expErfc(2 * (m + v), (m + 2 * v) / r2);
  const mean = 0.5 * lam * (-(alpha + m) * c(m) + alpha * e1 + gauss + 2 * m);
  const second = 0.5 * lam * lam * ((m * m + v) * (2 - c(m)) +
    alpha * alpha * (-2 * e1 + e2 + c(m)) + m * gauss);
  return [mean, second - mean * mean];
}
"""

_WIDGET_JS = """
(function () {
__MOMENT_MAP__
  const D = __DATA__, root = document.getElementById("__ID__");
  const $ = sel => root.querySelector(sel);
  const mapC = $(".fpw-map"), flowC = $(".fpw-flow");
  const W = mapC.width, H = mapC.height, pad = 34;
  let conv = D.conventions[0], I = D.zeroMean, J = D.unitVar, start = null;
  const fmt = (x, d) => (x === null || !isFinite(x)) ? "-" : x.toFixed(d);
  const nm = D.means.length, nv = D.variances.length;
  function colour(r) {  // radius: blue below 1, red above, white at 1
    if (r === null) return "#e6e6e6";
    const t = Math.max(-1, Math.min(1, (r - 1) / 0.6));
    const a = Math.round(255 * (1 - Math.abs(t)));
    return t < 0 ? `rgb(${a},${a},255)` : `rgb(255,${a},${a})`;
  }
  function axes(ctx, xl, yl) {
    ctx.fillStyle = "#222"; ctx.font = "12px sans-serif"; ctx.textAlign = "center";
    ctx.fillText(xl, W / 2, H - 4);
    ctx.save(); ctx.translate(11, H / 2); ctx.rotate(-Math.PI / 2); ctx.fillText(yl, 0, 0);
    ctx.restore();
  }
  function drawMap() {
    const ctx = mapC.getContext("2d"), c = D[conv];
    ctx.clearRect(0, 0, W, H);
    const cw = (W - pad - 6) / nm, ch = (H - pad - 6) / nv;
    for (let i = 0; i < nm; i++) for (let j = 0; j < nv; j++) {
      ctx.fillStyle = colour(c.radius[i][j]);
      ctx.fillRect(pad + i * cw, 6 + (nv - 1 - j) * ch, cw + 0.5, ch + 0.5);
    }
    ctx.strokeStyle = "#000"; ctx.lineWidth = 2;
    ctx.strokeRect(pad + I * cw, 6 + (nv - 1 - J) * ch, cw, ch);
    ctx.font = "11px sans-serif"; ctx.fillStyle = "#222"; ctx.textAlign = "center";
    [0, nm - 1].forEach(i => ctx.fillText(D.means[i].toFixed(1), pad + (i + 0.5) * cw, H - 18));
    ctx.textAlign = "right";
    [0, nv - 1].forEach(j => ctx.fillText(D.variances[j].toPrecision(2), pad - 2,
      6 + (nv - 0.5 - j) * ch));
    axes(ctx, "target mean", "target variance (log)");
  }
  const X0 = -3, X1 = 3, Y0 = -2, Y1 = 2;  // mu and log10 nu on the flow panel
  const px = mu => pad + (mu - X0) / (X1 - X0) * (W - pad - 6);
  const py = lv => 6 + (Y1 - lv) / (Y1 - Y0) * (H - pad - 6);
  function params() {
    const c = D[conv];
    return { a: c.alpha[I][J], l: c.lambda[I][J], om: D.weights[conv][0], ta: D.weights[conv][1] };
  }
  function orbit(mu, nu, p, n) {
    const pts = [[mu, nu]];
    for (let k = 0; k < n; k++) {
      [mu, nu] = momentMap(mu, nu, p.om, p.ta, p.a, p.l);
      if (!(nu > 0) || !isFinite(mu)) break;
      pts.push([mu, nu]);
    }
    return pts;
  }
  function drawFlow() {
    const ctx = flowC.getContext("2d"), p = params();
    const tm = D.means[I], tv = D.variances[J];
    ctx.clearRect(0, 0, W, H);
    if (p.a === null) {
      ctx.fillStyle = "#222"; ctx.font = "13px sans-serif"; ctx.textAlign = "center";
      ctx.fillText("no SELU has this fixed point", W / 2, H / 2);
      axes(ctx, "input mean", "input variance (log10)"); return;
    }
    const n = 36, cw = (W - pad - 6) / n, ch = (H - pad - 6) / n;
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) {
      const mu = X0 + (i + 0.5) / n * (X1 - X0), lv = Y1 - (j + 0.5) / n * (Y1 - Y0);
      const end = orbit(mu, Math.pow(10, lv), p, D.iterations).pop();
      const hit = Math.abs(end[0] - tm) <= D.tol * Math.sqrt(tv) &&
        Math.abs(end[1] - tv) <= D.tol * tv;
      ctx.fillStyle = hit ? "#cfeccf" : "#f6f6f6";
      ctx.fillRect(pad + i * cw, 6 + j * ch, cw + 0.5, ch + 0.5);
    }
    ctx.strokeStyle = "#555"; ctx.lineWidth = 1;
    for (let i = 0; i < 13; i++) for (let j = 0; j < 11; j++) {
      const mu = X0 + (i + 0.5) / 13 * (X1 - X0), lv = Y0 + (j + 0.5) / 11 * (Y1 - Y0);
      const [m2, v2] = momentMap(mu, Math.pow(10, lv), p.om, p.ta, p.a, p.l);
      if (!(v2 > 0)) continue;
      let dx = px(m2) - px(mu), dy = py(Math.log10(v2)) - py(lv);
      const len = Math.hypot(dx, dy), L = 9;
      if (len < 1e-9) continue;
      dx *= L / len; dy *= L / len;
      const x = px(mu), y = py(lv);
      ctx.beginPath(); ctx.moveTo(x, y); ctx.lineTo(x + dx, y + dy);
      ctx.lineTo(x + dx - 0.35 * (dx - 0.6 * dy), y + dy - 0.35 * (dy + 0.6 * dx));
      ctx.stroke();
    }
    if (start) {
      const pts = orbit(start[0], start[1], p, 40);
      ctx.save(); ctx.beginPath(); ctx.rect(pad, 6, W - pad - 6, H - pad - 6); ctx.clip();
      ctx.strokeStyle = "#c00"; ctx.fillStyle = "#c00"; ctx.lineWidth = 1.5; ctx.beginPath();
      pts.forEach(([m, v], k) => {
        const x = px(m), y = py(Math.log10(v));
        k ? ctx.lineTo(x, y) : ctx.moveTo(x, y);
      });
      ctx.stroke();
      pts.forEach(([m, v]) => { ctx.beginPath(); ctx.arc(px(m), py(Math.log10(v)), 2, 0, 7);
        ctx.fill(); });
      ctx.restore();
    }
    ctx.fillStyle = "#000"; ctx.font = "16px sans-serif"; ctx.textAlign = "center";
    ctx.fillText("\\u2605", px(tm), py(Math.log10(tv)) + 5);
    ctx.font = "11px sans-serif"; ctx.fillStyle = "#222";
    ctx.fillText("-3", px(-3) + 6, H - 18); ctx.fillText("3", px(3) - 4, H - 18);
    ctx.textAlign = "right"; ctx.fillText("100", pad - 2, py(2) + 9);
    ctx.fillText("0.01", pad - 2, py(-2));
    axes(ctx, "input mean", "input variance (log10)");
  }
  function readout() {
    const c = D[conv], tm = D.means[I], tv = D.variances[J];
    $(".fpw-mean").textContent = tm.toFixed(2);
    $(".fpw-var").textContent = tv.toPrecision(3);
    if (c.alpha[I][J] === null) {
      $(".fpw-out").textContent = `target (${tm.toFixed(2)}, ${tv.toPrecision(3)}): no SELU ` +
        "(alpha > 0, lambda > 0) has this fixed point under this convention."; return;
    }
    const r = c.radius[I][J];
    $(".fpw-out").textContent = `target (${tm.toFixed(2)}, ${tv.toPrecision(3)}): alpha = ` +
      `${fmt(c.alpha[I][J], 4)}, lambda = ${fmt(c.lambda[I][J], 4)}; spectral radius ` +
      `${fmt(r, 3)} (norm ${fmt(c.norm[I][J], 3)}): ${r < 1 ? "locally stable" : "unstable"}; ` +
      `basin ${fmt(100 * c.basin[I][J], 0)} % of the experiment's starts. ` +
      "Click the right panel to follow a start.";
  }
  function update() { drawMap(); drawFlow(); readout(); }
  const si = $(".fpw-si"), sj = $(".fpw-sj");
  si.max = nm - 1; sj.max = nv - 1; si.value = I; sj.value = J;
  si.oninput = () => { I = +si.value; update(); };
  sj.oninput = () => { J = +sj.value; update(); };
  $(".fpw-conv").onchange = e => { conv = e.target.value; update(); };
  mapC.onclick = e => {
    const b = mapC.getBoundingClientRect(), x = (e.clientX - b.left) * W / b.width,
      y = (e.clientY - b.top) * H / b.height;
    const i = Math.floor((x - pad) / ((W - pad - 6) / nm)),
      j = nv - 1 - Math.floor((y - 6) / ((H - pad - 6) / nv));
    if (i >= 0 && i < nm && j >= 0 && j < nv) { I = i; J = j; si.value = I; sj.value = J;
      update(); }
  };
  flowC.onclick = e => {
    const b = flowC.getBoundingClientRect(), x = (e.clientX - b.left) * W / b.width,
      y = (e.clientY - b.top) * H / b.height;
    const mu = X0 + (x - pad) / (W - pad - 6) * (X1 - X0),
      lv = Y1 - (y - 6) / (H - pad - 6) * (Y1 - Y0);
    start = [mu, Math.pow(10, lv)]; drawFlow();
  };
  update();
})();
"""


def _clean(values) -> list:
    """Nested lists with NaN as None (JSON null), floats rounded to 6 significant digits."""
    arr = np.asarray(values, dtype=float)
    return [
        [None if not math.isfinite(x) else float(f"{x:.6g}") for x in row]
        for row in arr.tolist()
    ]


def html(result) -> str:
    """The interactive fixed-point map of a ``fixed_point_map`` Result, as an HTML fragment.

    Example:
        >>> from normlab import experiments
        >>> r = experiments.run_experiment("fixed_point_map", profile="small")
        >>> page = html(r)
        >>> "momentMap" in page and "<canvas" in page
        True
    """
    from normlab.experiments._selu_nets import WEIGHT_STATS

    metrics, config = result.metrics, result.config
    means, variances = np.asarray(metrics["means"]), np.asarray(metrics["variances"])
    data = {
        "means": means.round(6).tolist(),
        "variances": variances.round(6).tolist(),
        "conventions": list(config["conventions"]),
        "weights": {c: list(WEIGHT_STATS[c]) for c in config["conventions"]},
        "iterations": int(config["iterations"]),
        "tol": float(config["tol"]),
        "zeroMean": int(np.argmin(np.abs(means))),
        "unitVar": int(np.argmin(np.abs(np.log(variances)))),
    }
    for c in config["conventions"]:
        m = metrics[c]
        data[c] = {
            "alpha": _clean(m["alpha"]),
            "lambda": _clean(m["lambda"]),
            "radius": _clean(m["spectral_radius"]),
            "norm": _clean(m["spectral_norm"]),
            "basin": _clean(m["basin"]),
        }
    uid = "fpw-" + uuid.uuid4().hex[:8]
    options = "".join(
        f'<option value="{c}">{c.replace("_", " ")} (omega = {WEIGHT_STATS[c][0]:g})</option>'
        for c in config["conventions"]
    )
    script = (
        _WIDGET_JS.replace("__MOMENT_MAP__", MOMENT_MAP_JS)
        .replace("__DATA__", json.dumps(data))
        .replace("__ID__", uid)
    )
    return f"""<div id="{uid}" style="font: 14px sans-serif; max-width: 720px; margin: 1em 0">
<div style="display: flex; flex-wrap: wrap; gap: 4px 16px; align-items: center">
<label>convention <select class="fpw-conv">{options}</select></label>
<label>target mean <input class="fpw-si" type="range" min="0" step="1"> <span class="fpw-mean">
</span></label>
<label>target variance <input class="fpw-sj" type="range" min="0" step="1"> <span class="fpw-var">
</span></label></div>
<div style="display: flex; flex-wrap: wrap; gap: 8px; margin-top: 6px">
<canvas class="fpw-map" width="340" height="300" style="max-width: 100%; cursor: pointer"
 aria-label="spectral radius over the target grid"></canvas>
<canvas class="fpw-flow" width="340" height="300" style="max-width: 100%; cursor: crosshair"
 aria-label="flow of the moment map and basin of the chosen target"></canvas></div>
<p class="fpw-out" style="margin: 4px 0"></p>
<p style="margin: 0; font-size: 12px; color: #555">Left: spectral radius of the Jacobian at
each target (blue below 1, red above, grey: no SELU), {result.label}. Right: the flow of the
moment map g for the chosen SELU (arrows: direction of one layer), starts that reach the target
within {config["tol"]:g} after {config["iterations"]} layers shaded green, computed in your
browser; the star is the target.</p>
<script>{script}</script></div>"""
