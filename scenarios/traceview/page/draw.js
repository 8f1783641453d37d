// Drawing: the marks, the arrows, the shaded spans and the whole canvas. Only what
// lies in the view is drawn, in a few batched paths.
// ---- marks -------------------------------------------------------------------------
const MARK_STYLE = {};
MARK_STYLE[MK.PLAIN] = { fill: '#9aa3b0' };
MARK_STYLE[MK.CALL] = { fill: '#2f6fd6' };
MARK_STYLE[MK.OK] = { fill: '#2f9e44' };
MARK_STYLE[MK.DELIVER] = { fill: '#0c8599' };
MARK_STYLE[MK.ERROR] = { stroke: '#c92a2a', width: 2 };
MARK_STYLE[MK.TIMEOUT] = { fill: '#f08c00', stroke: '#7a4500', width: 1 };
MARK_STYLE[MK.LATE] = { fill: '#d6336c', stroke: '#6b1234', width: 1 };
MARK_STYLE[MK.DROP] = { stroke: '#e03131', width: 2.2 };
MARK_STYLE[MK.DUP] = { stroke: '#e8590c', width: 2 };
MARK_STYLE[MK.HELD] = { fill: '#7048e8', stroke: '#3b1f9c', width: 1 };
MARK_STYLE[MK.RELEASED] = { stroke: '#7048e8', width: 1.8 };
MARK_STYLE[MK.HOPLIMIT] = { fill: '#c92a2a', stroke: '#5c0f0f', width: 1 };
MARK_STYLE[MK.LEADER] = { fill: '#fcc419', stroke: '#8a6100', width: 1.2 };
MARK_STYLE[MK.WORLD] = { fill: '#343a40' };

// shape adds mark k at (x, y) to path p. With dense set (many events in view) the
// small round marks are squares: far cheaper to fill, and as readable at that size.
function shape(p, k, x, y, dense) {
  if (dense && (k === MK.CALL || k === MK.OK || k === MK.DELIVER)) { p.rect(x - 1.5, y - 1.5, 3, 3); return; }
  switch (k) {
    case MK.PLAIN: p.rect(x - 1, y - 1, 2, 2); break;
    case MK.CALL: case MK.OK: p.moveTo(x + 3, y); p.arc(x, y, 3, 0, 2 * Math.PI); break;
    case MK.DELIVER: p.moveTo(x + 2.5, y); p.arc(x, y, 2.5, 0, 2 * Math.PI); break;
    case MK.ERROR: case MK.DUP: p.moveTo(x + 5, y); p.arc(x, y, 5, 0, 2 * Math.PI); break;
    case MK.TIMEOUT: p.moveTo(x, y - 7); p.lineTo(x + 6, y + 4); p.lineTo(x - 6, y + 4); p.closePath(); break;
    case MK.LATE: p.moveTo(x, y - 7); p.lineTo(x + 6, y); p.lineTo(x, y + 7); p.lineTo(x - 6, y); p.closePath(); break;
    case MK.DROP: p.moveTo(x - 5, y - 5); p.lineTo(x + 5, y + 5); p.moveTo(x + 5, y - 5); p.lineTo(x - 5, y + 5); break;
    case MK.HELD: case MK.RELEASED: p.rect(x - 4.5, y - 4.5, 9, 9); break;
    case MK.HOPLIMIT:
      for (let i = 0; i < 10; i++) {
        const r = i % 2 ? 3 : 7.5, a = -Math.PI / 2 + i * Math.PI / 5;
        if (i === 0) p.moveTo(x + r * Math.cos(a), y + r * Math.sin(a)); else p.lineTo(x + r * Math.cos(a), y + r * Math.sin(a));
      }
      p.closePath(); break;
    case MK.LEADER: p.moveTo(x - 6, y + 4); p.lineTo(x - 6, y - 4); p.lineTo(x - 3, y); p.lineTo(x, y - 6);
      p.lineTo(x + 3, y); p.lineTo(x + 6, y - 4); p.lineTo(x + 6, y + 4); p.closePath(); break;
    case MK.WORLD: p.rect(x - 1, y - 8, 2, 16); break;
  }
}
function paint(c, k, p) {
  const st = MARK_STYLE[k];
  if (st.fill) { c.fillStyle = st.fill; c.fill(p); }
  if (st.stroke) { c.strokeStyle = st.stroke; c.lineWidth = st.width; c.stroke(p); }
}

// ---- arrows ------------------------------------------------------------------------
const CALL_BAR = { ok: 'rgba(47,158,68,0.45)', timeout: 'rgba(240,140,0,0.6)', error: 'rgba(201,42,42,0.5)' };
const ARROW = { route: '#4c6ef5', cast: '#4c6ef5', peer: '#1098ad', reply: '#37b24d', 'worker-reply': '#94d82d', gossip: '#ced4da' };
function arrow(p, heads, x1, y1, x2, y2, head) {
  p.moveTo(x1, y1); p.lineTo(x2, y2);
  if (!head) return;
  const dx = x2 - x1, dy = y2 - y1, len = Math.hypot(dx, dy);
  if (len < 10) return;
  const ux = dx / len, uy = dy / len, s = 6;
  heads.moveTo(x2, y2);
  heads.lineTo(x2 - s * ux + s * 0.45 * uy, y2 - s * uy - s * 0.45 * ux);
  heads.lineTo(x2 - s * ux - s * 0.45 * uy, y2 - s * uy + s * 0.45 * ux);
  heads.closePath();
}

// ---- patterns for spans ------------------------------------------------------------
function hatch(color, bg) {
  const c = document.createElement('canvas'); c.width = c.height = 8;
  const g = c.getContext('2d');
  g.fillStyle = bg; g.fillRect(0, 0, 8, 8);
  g.strokeStyle = color; g.lineWidth = 1.5;
  g.beginPath(); g.moveTo(0, 8); g.lineTo(8, 0); g.moveTo(-2, 2); g.lineTo(2, -2); g.moveTo(6, 10); g.lineTo(10, 6); g.stroke();
  return ctx.createPattern(c, 'repeat');
}
const SPAN_FILL = {
  partition: hatch('rgba(224,49,49,0.35)', 'rgba(224,49,49,0.06)'),
  hold: hatch('rgba(112,72,232,0.35)', 'rgba(112,72,232,0.06)'),
  pause: 'rgba(134,142,150,0.22)',
  crash: hatch('rgba(33,37,41,0.45)', 'rgba(33,37,41,0.12)'),
};

// ---- drawing -----------------------------------------------------------------------
function draw() {
  const t0 = performance.now();
  ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
  ctx.clearRect(0, 0, W, H);
  // lanes
  ctx.font = '12px system-ui, sans-serif';
  ctx.textBaseline = 'middle';
  for (let r = 0; r < rowNames.length; r++) {
    ctx.fillStyle = r % 2 ? '#f8f9fb' : '#ffffff';
    ctx.fillRect(0, TOP + r * ROW, W, ROW);
    ctx.strokeStyle = '#e3e7ee'; ctx.lineWidth = 1;
    ctx.beginPath(); ctx.moveTo(LEFT, yOf(r) + 0.5); ctx.lineTo(W - RIGHT, yOf(r) + 0.5); ctx.stroke();
    ctx.fillStyle = hasWorld && r === 0 ? '#868e96' : '#1d2430';
    ctx.fillText(rowNames[r], 8, yOf(r));
  }
  // axis
  const step = niceStep(v1 - v0, Math.max(2, Math.floor(plotW() / 110)));
  ctx.fillStyle = '#5c6675'; ctx.textAlign = 'center'; ctx.font = '11px system-ui, sans-serif';
  ctx.strokeStyle = '#eef1f5';
  for (let t = Math.ceil(v0 / step) * step; t <= v1; t += step) {
    const x = xOf(t);
    ctx.beginPath(); ctx.moveTo(x + 0.5, TOP); ctx.lineTo(x + 0.5, H - BOTTOM); ctx.stroke();
    ctx.fillText(tickLabel(t, step), x, TOP / 2);
  }
  ctx.textAlign = 'left';
  ctx.save();
  ctx.beginPath(); ctx.rect(LEFT, TOP, plotW(), H - TOP); ctx.clip();
  // spans
  const spanLabels = [];
  spans.forEach(function (s) {
    if (s.end < v0 || s.start > v1) return;
    const x1 = Math.max(LEFT - 2, xOf(s.start)), x2 = Math.min(W, xOf(s.end));
    ctx.fillStyle = SPAN_FILL[s.kind] || 'rgba(0,0,0,0.1)';
    s.lanes.forEach(function (l) { ctx.fillRect(x1, TOP + rowOf(l) * ROW + 2, Math.max(2, x2 - x1), ROW - 4); });
    if (s.lanes.length) spanLabels.push([x1 + 3, TOP + rowOf(s.lanes[0]) * ROW + 9, s.label]);
  });
  // leader changes: a line across the lanes
  const marks = {}, counts = {}, labelled = [];
  let drawnEv = 0, drawnArrows = 0, drawnLate = 0;
  const segments = []; // the first arrows drawn, for the test hook
  const i0 = lowerBound(evT, v0 - 1), i1 = lowerBound(evT, v1 + 1);
  for (let i = i0; i < i1; i++) {
    if (!visEv[i]) continue;
    const k = evMark[i];
    if (k === MK.LEADER) {
      const x = xOf(evT[i]);
      ctx.strokeStyle = 'rgba(230,160,0,0.6)'; ctx.setLineDash([4, 3]); ctx.lineWidth = 1;
      ctx.beginPath(); ctx.moveTo(x, TOP); ctx.lineTo(x, H); ctx.stroke(); ctx.setLineDash([]);
    }
  }
  // the life of the call shown (filtered to, or selected): a bar on the caller's
  // lane from the call to its outcome
  const lifeOf = callF >= 0 ? callF : selected && selected.call >= 0 ? selected.call : -1;
  let lives = 0;
  if (lifeOf >= 0 && calls[lifeOf].done >= 0) {
    const k = calls[lifeOf], x1 = xOf(k.start), x2 = xOf(k.done), y = yOf(rowOf(k.lane)) + 7;
    ctx.fillStyle = CALL_BAR[k.code] || CALL_BAR.error;
    ctx.fillRect(x1, y, Math.max(1, x2 - x1), 3);
    lives = 1;
  }
  // arrows
  const paths = {}, heads = {};
  const wait = new Path2D(), hold = new Path2D(), dupP = new Path2D(), dupH = new Path2D(), lostP = new Path2D();
  const lateP = new Path2D(), lateH = new Path2D();
  const j0 = lowerBound(msgSent, v0 - maxSpan - 1), j1 = lowerBound(msgSent, v1 + 1);
  const manyArrows = j1 - j0 > 4000;
  for (let j = j0; j < j1; j++) {
    if (!visMsg[j]) continue;
    const m = msgs[j];
    let end = m.sent;
    m.copies.forEach(function (c) { end = Math.max(end, c.end); });
    if (end < v0) continue;
    const x1 = xOf(m.sent), y1 = yOf(rowOf(m.from)), y2 = yOf(rowOf(m.to));
    if (!paths[m.kind]) { paths[m.kind] = new Path2D(); heads[m.kind] = new Path2D(); }
    if (m.copies.length === 0 && m.lost >= 0) {
      const dir = y2 > y1 ? 1 : -1;
      lostP.moveTo(x1, y1); lostP.lineTo(x1 + 10, y1 + dir * 10);
      drawnArrows++;
    }
    m.copies.forEach(function (c, ci) {
      const x2 = xOf(c.arr), x3 = xOf(c.end);
      const dup = ci > 0;
      if (segments.length < 50) segments.push([x1, y1, x2, y2]);
      if (c.late) { arrow(lateP, lateH, x1, y1, x2, y2, true); drawnLate++; }
      else if (dup) arrow(dupP, dupH, x1, y1, x2, y2, !manyArrows);
      else arrow(paths[m.kind], heads[m.kind], x1, y1, x2, y2, !manyArrows);
      drawnArrows++;
      if (x3 - x2 >= 1) {
        const w = c.first === 'queued' ? wait : hold;
        w.moveTo(x2, y2); w.lineTo(x3, y2);
      }
    });
  }
  ctx.lineWidth = 3; ctx.strokeStyle = 'rgba(76,110,245,0.25)'; ctx.stroke(wait);
  ctx.lineWidth = 3; ctx.strokeStyle = 'rgba(112,72,232,0.6)'; ctx.setLineDash([3, 3]); ctx.stroke(hold); ctx.setLineDash([]);
  ctx.lineWidth = 1.2;
  Object.keys(paths).forEach(function (k) {
    ctx.strokeStyle = ARROW[k] || '#495057'; ctx.stroke(paths[k]);
    ctx.fillStyle = ARROW[k] || '#495057'; ctx.fill(heads[k]);
  });
  ctx.strokeStyle = '#e8590c'; ctx.setLineDash([5, 3]); ctx.stroke(dupP); ctx.setLineDash([]);
  ctx.fillStyle = '#e8590c'; ctx.fill(dupH);
  ctx.strokeStyle = '#e03131'; ctx.lineWidth = 1.5; ctx.stroke(lostP);
  ctx.strokeStyle = '#d6336c'; ctx.lineWidth = 2; ctx.setLineDash([6, 3]); ctx.stroke(lateP); ctx.setLineDash([]);
  ctx.fillStyle = '#d6336c'; ctx.fill(lateH);
  // marks
  const dense = i1 - i0 > 3000;
  for (let i = i0; i < i1; i++) {
    if (!visEv[i]) continue;
    const k = evMark[i];
    if (!marks[k]) { marks[k] = new Path2D(); counts[MARK_NAMES[k]] = 0; }
    const x = xOf(evT[i]), y = yOf(rowOf(evLane[i]));
    shape(marks[k], k, x, y, dense);
    counts[MARK_NAMES[k]]++;
    drawnEv++;
    if (LABELS[k] !== undefined) labelled.push([x, y, LABELS[k] || kindNames[evKind[i]]]);
  }
  // plain marks under the others
  const order = Object.keys(marks).map(Number).sort(function (a, b) { return (a === MK.PLAIN ? -1 : a) - (b === MK.PLAIN ? -1 : b); });
  order.forEach(function (k) { paint(ctx, k, marks[k]); });
  if (labelled.length <= 80) placeLabels(labelled);
  ctx.fillStyle = '#5c6675';
  spanLabels.forEach(function (l) { ctx.fillText(l[2], l[0], l[1]); });
  // selection
  if (selected) {
    let x, y;
    if (selected.ev !== undefined) { x = xOf(evT[selected.ev]); y = yOf(rowOf(evLane[selected.ev])); } else {
      const m = selected.msg; x = xOf(m.sent); y = yOf(rowOf(m.from));
    }
    ctx.strokeStyle = '#000'; ctx.lineWidth = 1.5;
    ctx.beginPath(); ctx.arc(x, y, 9, 0, 2 * Math.PI); ctx.stroke();
  }
  ctx.restore();
  const ms = performance.now() - t0;
  S.view = { from: v0, to: v1 };
  S.drawn = { events: drawnEv, arrows: drawnArrows, marks: counts, life: lives, late: drawnLate, segments: segments };
  S.drawMs = ms; S.maxDrawMs = Math.max(S.maxDrawMs, ms); S.draws++;
  document.getElementById('status').textContent = N === 0 ?
    '0 records: the page was made with a filter (--call, --cast, --from, --to) that keeps none' :
    fmtT(v0) + ' \u2013 ' + fmtT(v1) + '  \u00b7  ' +
    drawnEv + ' events, ' + drawnArrows + ' messages in view (' + S.visible.events + ' of ' + N + ' kept by the filter)';
}

// placeLabels writes the labels [x, y, text] next to their marks, each at the first
// of three heights where it overlaps no label before it; one that fits nowhere is
// left out.
function placeLabels(labels) {
  const OFF = [-12, -24, 16];
  ctx.font = '11px system-ui, sans-serif'; ctx.fillStyle = '#1d2430';
  labels.sort(function (a, b) { return a[0] - b[0]; });
  const ends = {};
  labels.forEach(function (l) {
    const w = ctx.measureText(l[2]).width;
    let x = l[0] + 7;
    if (x + w > W - RIGHT) x = l[0] - 7 - w;
    const e = ends[l[1]] || (ends[l[1]] = [-Infinity, -Infinity, -Infinity]);
    for (let k = 0; k < OFF.length; k++) {
      if (x > e[k]) { ctx.fillText(l[2], x, l[1] + OFF[k]); e[k] = x + w + 4; return; }
    }
  });
}

let pending = false;
function redraw() {
  if (pending) return;
  pending = true;
  S.pending = true;
  requestAnimationFrame(function () { pending = false; draw(); S.pending = false; });
}
