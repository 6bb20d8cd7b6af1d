// Small line charts drawn on a canvas (no library): crisp on high-DPI screens, redrawn on every update.

export function lineChart(canvas, points, { color = "#ff2d55", format = String, label = "", minMax = 2 } = {}) {
  const dpr = window.devicePixelRatio || 1;
  const w = canvas.clientWidth || canvas.width, hgt = canvas.clientHeight || canvas.height;
  if (canvas.width !== Math.round(w * dpr) || canvas.height !== Math.round(hgt * dpr)) {
    canvas.width = Math.round(w * dpr);
    canvas.height = Math.round(hgt * dpr);
  }
  const ctx = canvas.getContext("2d");
  ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
  ctx.clearRect(0, 0, w, hgt);
  ctx.font = "11px system-ui, sans-serif";
  const ys = points.map((p) => p[1]);
  const max = Math.max(minMax, ...ys);
  const min = 0;
  const ticks = [0, 1, 2].map((i) => format(Math.round(min + ((max - min) * i) / 2)));
  // the y axis is as wide as its widest label (¥12345.6 needs more room than 50 px)
  const pad = { l: Math.max(36, Math.ceil(Math.max(...ticks.map((s) => ctx.measureText(s).width))) + 8), r: 8, t: 18, b: 18 };
  const cw = w - pad.l - pad.r, ch = hgt - pad.t - pad.b;
  ctx.fillStyle = "#8a8f98";
  ctx.textBaseline = "top";
  if (label) ctx.fillText(label, pad.l, 2);
  canvas.dataset.axisWidth = String(pad.l); // for tests: the room the labels got
  // grid and y labels
  ctx.strokeStyle = "#2a2f3a";
  ctx.lineWidth = 1;
  ctx.textBaseline = "middle";
  ctx.textAlign = "right";
  for (let i = 0; i <= 2; i++) {
    const y = pad.t + ch - (ch * i) / 2;
    ctx.beginPath();
    ctx.moveTo(pad.l, y + 0.5);
    ctx.lineTo(pad.l + cw, y + 0.5);
    ctx.stroke();
    ctx.fillText(ticks[i], pad.l - 4, y);
  }
  ctx.textAlign = "left";
  if (points.length === 0) {
    ctx.textBaseline = "middle";
    ctx.fillText("…", pad.l + 4, pad.t + ch / 2);
    return;
  }
  if (points.length === 1) { // a session shorter than a minute: one sample, shown as a dot with its value
    const y = pad.t + ch - ((points[0][1] - min) / (max - min)) * ch;
    ctx.fillStyle = color;
    ctx.beginPath();
    ctx.arc(pad.l + cw / 2, y, 4, 0, Math.PI * 2);
    ctx.fill();
    ctx.textAlign = "center";
    ctx.textBaseline = "bottom";
    ctx.fillText(format(points[0][1]), pad.l + cw / 2, y - 6);
    ctx.textAlign = "left";
    return;
  }
  const x0 = points[0][0], x1 = points[points.length - 1][0];
  const sx = (x) => pad.l + (x1 === x0 ? cw : ((x - x0) / (x1 - x0)) * cw);
  const sy = (y) => pad.t + ch - ((y - min) / (max - min)) * ch;
  const grad = ctx.createLinearGradient(0, pad.t, 0, pad.t + ch);
  grad.addColorStop(0, color + "66");
  grad.addColorStop(1, color + "00");
  ctx.beginPath();
  points.forEach(([x, y], i) => (i ? ctx.lineTo(sx(x), sy(y)) : ctx.moveTo(sx(x), sy(y))));
  ctx.strokeStyle = color;
  ctx.lineWidth = 2;
  ctx.stroke();
  ctx.lineTo(sx(x1), pad.t + ch);
  ctx.lineTo(sx(x0), pad.t + ch);
  ctx.closePath();
  ctx.fillStyle = grad;
  ctx.fill();
  // x labels: first and last time
  ctx.fillStyle = "#8a8f98";
  ctx.textBaseline = "top";
  const fmt = (ms) => new Date(ms).toTimeString().slice(0, 5);
  ctx.fillText(fmt(x0), pad.l, pad.t + ch + 4);
  ctx.textAlign = "right";
  ctx.fillText(fmt(x1), pad.l + cw, pad.t + ch + 4);
  ctx.textAlign = "left";
}

/** A bounded time series (one point per sample), for charts of values arriving live. */
export class Series {
  constructor(max = 600) { this.max = max; this.points = []; }
  add(t, v) {
    if (v == null || Number.isNaN(Number(v))) return;
    const last = this.points[this.points.length - 1];
    if (last && t - last[0] < 1000) last[1] = Number(v);
    else this.points.push([t, Number(v)]);
    if (this.points.length > this.max) this.points.shift();
  }
}
