// The space-time diagram of one ensroute trace. The data is embedded in the page
// (script#ensroute-data, built by traceview's diagram.go); nothing is fetched. Time
// runs left to right, one lane per node (and a row for the world: faults without a
// node). Only what lies in the view is drawn, on one canvas, in a few batched paths.
(function () {
  'use strict';

  const D = JSON.parse(document.getElementById('ensroute-data').textContent);

  // Marks: the same list as diagram.go.
  const MK = { PLAIN: 0, CALL: 1, OK: 2, ERROR: 3, TIMEOUT: 4, LATE: 5, DROP: 6, DUP: 7, HELD: 8,
    HOPLIMIT: 9, LEADER: 10, DELIVER: 11, WORLD: 12, RELEASED: 13 };
  const MARK_NAMES = ['plain', 'call', 'ok', 'error', 'timeout', 'late', 'drop', 'dup', 'held',
    'hop-limit', 'leader', 'deliver', 'world', 'released'];
  // The marks worth a word next to them when few are in view; '' names the record's
  // kind (lost, orphan, held, parked, partition, ...).
  const LABELS = { 4: 'timeout', 5: 'late reply dropped', 6: '', 7: 'dup', 8: '', 9: 'hop-limit',
    10: 'elected', 12: '', 13: 'released' };
  const DURATION_KEYS = { timeout: 1, budget: 1, at: 1, paused: 1, step: 1, local: 1 };

  // ---- data --------------------------------------------------------------------------
  const N = D.ev.t.length;
  const evT = Float64Array.from(D.ev.t);
  const evLane = Int32Array.from(D.ev.lane);
  const evCall = Int32Array.from(D.ev.call);
  const evEns = Int32Array.from(D.ev.ens);
  const evMark = Uint8Array.from(D.ev.mark);
  const evKind = Int32Array.from(D.ev.kind);
  const kindNames = D.kinds || [];
  const worldKind = new Uint8Array(kindNames.length);
  kindNames.forEach(function (k, i) {
    worldKind[i] = /^(partition|heal|hold|release|release-all|crash|restart|pause|resume|clock-set|clock-step|election|elected|election-failed)$/.test(k) ? 1 : 0;
  });

  const calls = (D.calls || []).map(function (c) {
    return { id: c[0], lane: c[1], ens: c[2], start: c[3], end: c[4], code: c[5], late: c[6], done: c[7] };
  });
  const callIndex = new Map(calls.map(function (c, i) { return [c.id, i]; }));

  const msgs = (D.msgs || []).map(function (m) {
    return { id: m[0], ev: m[1], from: m[2], to: m[3], sent: m[4], kind: m[5], call: m[6], ens: m[7],
      copies: m[8].map(function (c) { return { arr: c[0], end: c[1], first: kindNames[c[2]], last: kindNames[c[3]] }; }),
      lost: m[9], late: m[10] === 1 };
  });
  msgs.sort(function (a, b) { return a.sent - b.sent || a.id - b.id; });
  const msgSent = Float64Array.from(msgs.map(function (m) { return m.sent; }));
  let maxSpan = 0;
  msgs.forEach(function (m) {
    m.copies.forEach(function (c) { maxSpan = Math.max(maxSpan, c.end - m.sent, c.arr - m.sent); });
  });
  const spans = (D.spans || []).map(function (s) { return { kind: s[0], lanes: s[1] || [], start: s[2], end: s[3], label: s[4] }; });

  let tMin = Infinity, tMax = -Infinity;
  if (N > 0) { tMin = evT[0]; tMax = evT[N - 1]; }
  msgs.forEach(function (m) {
    tMin = Math.min(tMin, m.sent);
    m.copies.forEach(function (c) { tMax = Math.max(tMax, c.end); });
  });
  if (!isFinite(tMin)) { tMin = 0; tMax = 1e6; }
  if (tMax <= tMin) tMax = tMin + 1e6;

  const hasWorld = Array.prototype.some.call(evLane, function (l) { return l < 0; });
  const rowNames = (hasWorld ? ['world'] : []).concat(D.lanes);
  function rowOf(lane) { return lane < 0 ? 0 : lane + (hasWorld ? 1 : 0); }

  // ---- state -------------------------------------------------------------------------
  let v0 = D.from, v1 = D.to > D.from ? D.to : tMax;
  let callF = -1, ensF = -1;
  let selected = null; // {ev: i} or {msg: m}
  const visEv = new Uint8Array(N);
  const visMsg = new Uint8Array(msgs.length);
  const S = { lanes: D.lanes.slice(), rows: rowNames.length, events: N, messages: msgs.length, calls: calls.length,
    call: '', ensemble: '', view: { from: 0, to: 0 }, visible: { events: 0, messages: 0 },
    drawn: { events: 0, arrows: 0, marks: {} }, drawMs: 0, maxDrawMs: 0, draws: 0, selected: null, pending: false };

  function applyFilter() {
    let ne = 0, nm = 0;
    for (let i = 0; i < N; i++) {
      const c = evCall[i];
      let ok = callF < 0 || c === callF || c < 0 && worldKind[evKind[i]] === 1;
      if (ok && ensF >= 0) ok = evEns[i] === ensF || evEns[i] < 0 && worldKind[evKind[i]] === 1;
      visEv[i] = ok ? 1 : 0;
      ne += visEv[i];
    }
    for (let j = 0; j < msgs.length; j++) {
      const m = msgs[j];
      const ok = (callF < 0 || m.call === callF) && (ensF < 0 || m.ens === ensF);
      visMsg[j] = ok ? 1 : 0;
      nm += visMsg[j];
    }
    S.call = callF >= 0 ? calls[callF].id : '';
    S.ensemble = ensF >= 0 ? D.ensembles[ensF] : '';
    S.visible = { events: ne, messages: nm };
  }

  // ---- layout ------------------------------------------------------------------------
  const canvas = document.getElementById('diagram');
  const ctx = canvas.getContext('2d');
  const LEFT = 58, RIGHT = 12, TOP = 26, ROW = 40, BOTTOM = 10;
  let W = 800, H = 200, dpr = 1;

  function resize() {
    dpr = window.devicePixelRatio || 1;
    W = Math.max(300, canvas.parentElement.clientWidth);
    H = TOP + rowNames.length * ROW + BOTTOM;
    canvas.width = Math.round(W * dpr);
    canvas.height = Math.round(H * dpr);
    canvas.style.height = H + 'px';
  }
  function plotW() { return W - LEFT - RIGHT; }
  function xOf(t) { return LEFT + (t - v0) * plotW() / (v1 - v0); }
  function tOf(x) { return v0 + (x - LEFT) * (v1 - v0) / plotW(); }
  function yOf(row) { return TOP + row * ROW + ROW / 2; }

  // lowerBound returns the first index i of the sorted array a with a[i] >= v.
  function lowerBound(a, v) {
    let lo = 0, hi = a.length;
    while (lo < hi) { const mid = (lo + hi) >> 1; if (a[mid] < v) lo = mid + 1; else hi = mid; }
    return lo;
  }

  // ---- time labels -------------------------------------------------------------------
  function fmtT(ns) {
    const neg = ns < 0; ns = Math.abs(Math.round(ns));
    const ms = Math.floor(ns / 1e6), rest = String(ns % 1e6).padStart(6, '0');
    return (neg ? '-' : '') + ms + '.' + rest + 'ms';
  }
  function fmtDur(ns) {
    if (ns >= 9.2e18) return 'inf';
    const a = Math.abs(ns);
    if (a === 0) return '0s';
    if (a < 1e3) return ns + 'ns';
    if (a < 1e6) return +(ns / 1e3).toFixed(3) + '\u00b5s';
    if (a < 1e9) return +(ns / 1e6).toFixed(6) + 'ms';
    return +(ns / 1e9).toFixed(9) + 's';
  }
  function tickLabel(ns, step) {
    if (step >= 1e9) return +(ns / 1e9).toFixed(3) + 's';
    if (step >= 1e6) return +(ns / 1e6).toFixed(Math.max(0, 3 - Math.round(Math.log10(step / 1e6) + 3))) + 'ms';
    if (step >= 1e3) return +(ns / 1e6).toFixed(Math.max(3, Math.ceil(-Math.log10(step / 1e6)))) + 'ms';
    return +(ns / 1e6).toFixed(6) + 'ms';
  }
  function niceStep(span, n) {
    const raw = span / n, p = Math.pow(10, Math.floor(Math.log10(raw)));
    const f = raw / p;
    return (f < 1.5 ? 1 : f < 3.5 ? 2 : f < 7.5 ? 5 : 10) * p;
  }

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
  const ARROW = { route: '#4c6ef5', cast: '#4c6ef5', peer: '#1098ad', reply: '#37b24d', gossip: '#ced4da' };
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
        if (m.late) { arrow(lateP, lateH, x1, y1, x2, y2, true); drawnLate++; }
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
    document.getElementById('status').textContent = fmtT(v0) + ' \u2013 ' + fmtT(v1) + '  \u00b7  ' +
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

  // ---- view changes ------------------------------------------------------------------
  const MIN_SPAN = 200;
  function setView(a, b) {
    const full = (tMax - tMin) * 1.2 + 1e6;
    let span = Math.min(Math.max(b - a, MIN_SPAN), full);
    const mid = (a + b) / 2;
    v0 = mid - span / 2; v1 = mid + span / 2;
    redraw();
  }
  function zoom(f, at) {
    if (at === undefined) at = (v0 + v1) / 2;
    setView(at - (at - v0) * f, at + (v1 - at) * f);
  }
  function pan(frac) { const d = (v1 - v0) * frac; setView(v0 + d, v1 + d); }
  function fit() {
    if (callF >= 0) {
      const c = calls[callF];
      let a = c.start, b = c.end;
      msgs.forEach(function (m) {
        if (m.call !== callF) return;
        m.copies.forEach(function (cp) { b = Math.max(b, cp.end); });
      });
      const pad = Math.max((b - a) * 0.08, 20000);
      setView(a - pad, b + pad);
      return;
    }
    let a = Infinity, b = -Infinity;
    for (let i = 0; i < N; i++) if (visEv[i]) { a = Math.min(a, evT[i]); b = Math.max(b, evT[i]); }
    if (!isFinite(a)) { a = tMin; b = tMax; }
    const pad = Math.max((b - a) * 0.02, 20000);
    setView(a - pad, b + pad);
  }

  // ---- filters -----------------------------------------------------------------------
  const callInput = document.getElementById('call');
  const problems = document.getElementById('problems');
  const ensSelect = document.getElementById('ens');
  function setCall(id) {
    const idx = id === '' ? -1 : callIndex.has(id) ? callIndex.get(id) : -2;
    callInput.classList.toggle('bad', idx === -2);
    if (idx === -2) return false;
    callF = idx;
    if (callInput.value !== id) callInput.value = id;
    problems.value = callIndex.has(id) && problems.querySelector('option[value="' + CSS.escape(id) + '"]') ? id : '';
    applyFilter();
    fit();
    return true;
  }
  function setEnsemble(name) {
    const idx = D.ensembles.indexOf(name);
    ensF = idx;
    ensSelect.value = idx >= 0 ? name : '';
    applyFilter();
    redraw();
  }
  callInput.addEventListener('change', function () { setCall(callInput.value.trim()); });
  callInput.addEventListener('input', function () {
    const v = callInput.value.trim();
    if (v === '' || callIndex.has(v)) setCall(v);
  });
  problems.addEventListener('change', function () { setCall(problems.value); });
  ensSelect.addEventListener('change', function () { setEnsemble(ensSelect.value); });

  const dl = document.getElementById('calls');
  const frag = document.createDocumentFragment();
  calls.forEach(function (c) {
    const o = document.createElement('option'); o.value = c.id; frag.appendChild(o);
    if (c.code !== 'ok' || c.late > 0) {
      const p = document.createElement('option');
      p.value = c.id;
      p.textContent = c.id + ' ' + c.code + (c.late ? ' + late reply' : '');
      problems.appendChild(p);
    }
  });
  dl.appendChild(frag);
  D.ensembles.forEach(function (e) {
    const o = document.createElement('option'); o.value = e; o.textContent = e; ensSelect.appendChild(o);
  });

  // ---- legend ------------------------------------------------------------------------
  (function legend() {
    const box = document.getElementById('legend');
    function item(label, drawIcon) {
      const s = document.createElement('span');
      const c = document.createElement('canvas');
      c.width = 44; c.height = 28;
      const g = c.getContext('2d'); g.scale(2, 2);
      drawIcon(g);
      s.appendChild(c); s.appendChild(document.createTextNode(label));
      box.appendChild(s);
    }
    function markIcon(k) { return function (g) { const p = new Path2D(); shape(p, k, 11, 7); paint(g, k, p); }; }
    function lineIcon(color, dash) {
      return function (g) { g.strokeStyle = color; g.lineWidth = 1.5; g.setLineDash(dash || []); g.beginPath(); g.moveTo(1, 12); g.lineTo(21, 2); g.stroke(); };
    }
    function fillIcon(fill) { return function (g) { g.fillStyle = fill; g.fillRect(1, 1, 20, 12); }; }
    item('route/cast', lineIcon(ARROW.route));
    item('peer', lineIcon(ARROW.peer));
    item('reply', lineIcon(ARROW.reply));
    item('gossip', lineIcon('#adb5bd'));
    item('duplicate copy', lineIcon('#e8590c', [4, 2]));
    item('late reply', lineIcon('#d6336c', [4, 2]));
    item('call (to outcome)', function (g) { g.fillStyle = CALL_BAR.ok; g.fillRect(1, 6, 20, 3); });
    item('mailbox wait', function (g) { g.strokeStyle = 'rgba(76,110,245,0.35)'; g.lineWidth = 3; g.beginPath(); g.moveTo(1, 7); g.lineTo(21, 7); g.stroke(); });
    item('call', markIcon(MK.CALL));
    item('ok', markIcon(MK.OK));
    item('to peer', markIcon(MK.DELIVER));
    item('error', markIcon(MK.ERROR));
    item('timeout', markIcon(MK.TIMEOUT));
    item('late reply dropped', markIcon(MK.LATE));
    item('drop/loss', markIcon(MK.DROP));
    item('duplicate', markIcon(MK.DUP));
    item('held', markIcon(MK.HELD));
    item('released', markIcon(MK.RELEASED));
    item('hop-limit', markIcon(MK.HOPLIMIT));
    item('leader elected', markIcon(MK.LEADER));
    item('fault', markIcon(MK.WORLD));
    item('partition', fillIcon(SPAN_FILL.partition));
    item('hold', fillIcon(SPAN_FILL.hold));
    item('pause', fillIcon(SPAN_FILL.pause));
    item('crashed', fillIcon(SPAN_FILL.crash));
  })();

  // ---- details -----------------------------------------------------------------------
  const details = document.getElementById('details');
  function el(tag, text) { const e = document.createElement(tag); if (text !== undefined) e.textContent = text; return e; }
  function row(tbl, k, v) { const tr = el('tr'); tr.appendChild(el('td', k)); tr.appendChild(el('td', v)); tbl.appendChild(tr); }
  function fieldValue(k, v) {
    if (k === 't') return fmtT(v) + '  (' + v + 'ns)';
    if (DURATION_KEYS[k] && typeof v === 'number') return fmtDur(v);
    return String(v);
  }
  function callButtons(ci) {
    const div = el('div');
    if (ci >= 0 && callF !== ci) {
      const b = el('button', 'show only call ' + calls[ci].id);
      b.addEventListener('click', function () { setCall(calls[ci].id); });
      div.appendChild(b);
    }
    if (callF >= 0) {
      const b = el('button', 'show every call');
      b.addEventListener('click', function () { setCall(''); });
      div.appendChild(b);
    }
    return div;
  }
  function showEvent(i) {
    selected = { ev: i, call: evCall[i] };
    const rec = JSON.parse(D.rec[i]);
    details.textContent = '';
    details.appendChild(el('h2', rec.kind + ' at ' + fmtT(rec.t) + (rec.node ? ' on ' + rec.node : '') +
      (D.ev.inst[i] >= 0 ? ' (router instance r' + D.ev.inst[i] + ')' : '')));
    const tbl = el('table');
    Object.keys(rec).forEach(function (k) { row(tbl, k, fieldValue(k, rec[k])); });
    details.appendChild(tbl);
    details.appendChild(callButtons(evCall[i]));
    S.selected = { seq: rec.seq, kind: rec.kind, call: evCall[i] >= 0 ? calls[evCall[i]].id : '' };
    redraw();
  }
  function showMessage(m) {
    selected = { msg: m, call: m.call };
    details.textContent = '';
    details.appendChild(el('h2', 'message #' + m.id + ' (' + m.kind + ') ' + D.lanes[m.from] + ' \u2192 ' + D.lanes[m.to]));
    const tbl = el('table');
    row(tbl, 'sent', fmtT(m.sent));
    if (m.call >= 0) row(tbl, 'call', calls[m.call].id);
    if (m.lost >= 0) row(tbl, 'fate', 'lost at the sender');
    m.copies.forEach(function (c, ci) {
      row(tbl, ci ? 'duplicate' : 'arrived', fmtT(c.arr) + ' (' + c.first + ', after ' + fmtDur(c.arr - m.sent) + ')' +
        (c.end > c.arr || c.last !== c.first ? '; ' + c.last + ' at ' + fmtT(c.end) : ''));
    });
    if (m.copies.length === 0 && m.lost < 0) row(tbl, 'fate', 'never arrived');
    const rec = JSON.parse(D.rec[m.ev]);
    Object.keys(rec).forEach(function (k) { if (k !== 't' && k !== 'kind' && k !== 'node') row(tbl, 'send.' + k, fieldValue(k, rec[k])); });
    details.appendChild(tbl);
    details.appendChild(callButtons(m.call));
    S.selected = { msg: m.id, call: m.call >= 0 ? calls[m.call].id : '' };
    redraw();
  }

  // hit finds the event (or failing that the arrow) drawn nearest to (x, y).
  function hit(x, y) {
    let best = -1, bestD = 9;
    const a = lowerBound(evT, tOf(x - 9)), b = lowerBound(evT, tOf(x + 9) + 1);
    for (let i = a; i < b; i++) {
      if (!visEv[i]) continue;
      const d = Math.hypot(xOf(evT[i]) - x, yOf(rowOf(evLane[i])) - y);
      if (d < bestD || d === bestD && evMark[i] > evMark[best]) { best = i; bestD = d; }
    }
    if (best >= 0) return { ev: best };
    let bm = null; bestD = 5;
    const j0 = lowerBound(msgSent, v0 - maxSpan - 1), j1 = lowerBound(msgSent, v1 + 1);
    for (let j = j0; j < j1; j++) {
      if (!visMsg[j]) continue;
      const m = msgs[j], x1 = xOf(m.sent), y1 = yOf(rowOf(m.from)), y2 = yOf(rowOf(m.to));
      m.copies.forEach(function (c) {
        const d = segDist(x, y, x1, y1, xOf(c.arr), y2);
        if (d < bestD) { bestD = d; bm = m; }
      });
    }
    return bm ? { msg: bm } : null;
  }
  function segDist(px, py, x1, y1, x2, y2) {
    const dx = x2 - x1, dy = y2 - y1, l2 = dx * dx + dy * dy;
    let t = l2 ? ((px - x1) * dx + (py - y1) * dy) / l2 : 0;
    t = Math.max(0, Math.min(1, t));
    return Math.hypot(px - (x1 + t * dx), py - (y1 + t * dy));
  }

  // ---- input -------------------------------------------------------------------------
  let drag = null;
  canvas.addEventListener('pointerdown', function (e) {
    canvas.setPointerCapture(e.pointerId);
    drag = { x: e.clientX, v0: v0, v1: v1, moved: false };
  });
  canvas.addEventListener('pointermove', function (e) {
    if (!drag) return;
    const dx = e.clientX - drag.x;
    if (Math.abs(dx) > 3) { drag.moved = true; canvas.classList.add('dragging'); }
    if (!drag.moved) return;
    const dt = dx * (drag.v1 - drag.v0) / plotW();
    v0 = drag.v0 - dt; v1 = drag.v1 - dt;
    redraw();
  });
  canvas.addEventListener('pointerup', function (e) {
    const d = drag; drag = null;
    canvas.classList.remove('dragging');
    if (!d || d.moved) return;
    const r = canvas.getBoundingClientRect();
    const h = hit(e.clientX - r.left, e.clientY - r.top);
    if (h && h.ev !== undefined) showEvent(h.ev);
    else if (h) showMessage(h.msg);
  });
  canvas.addEventListener('wheel', function (e) {
    e.preventDefault();
    const r = canvas.getBoundingClientRect();
    const f = Math.pow(1.0015, e.deltaY * (e.deltaMode === 1 ? 30 : 1));
    zoom(f, tOf(e.clientX - r.left));
  }, { passive: false });
  document.getElementById('zoom-in').addEventListener('click', function () { zoom(0.5); });
  document.getElementById('zoom-out').addEventListener('click', function () { zoom(2); });
  document.getElementById('fit').addEventListener('click', fit);
  document.addEventListener('keydown', function (e) {
    if (e.target === callInput || e.target.tagName === 'SELECT') return;
    switch (e.key) {
      case '+': case '=': zoom(0.5); break;
      case '-': zoom(2); break;
      case '0': fit(); break;
      case 'ArrowLeft': pan(-0.2); break;
      case 'ArrowRight': pan(0.2); break;
      default: return;
    }
    e.preventDefault();
  });
  window.addEventListener('resize', function () { resize(); redraw(); });

  // ---- test hook (read-only) ---------------------------------------------------------
  window.ensroute = Object.freeze({
    // stats returns a copy of what the page holds and what its last drawing drew.
    stats: function () { return JSON.parse(JSON.stringify(S)); },
    // locate returns where the event with this trace seq is drawn, in client pixels,
    // or null when it is not kept by the filter or not in view.
    locate: function (seq) {
      const i = D.ev.seq.indexOf(seq);
      if (i < 0 || !visEv[i] || evT[i] < v0 || evT[i] > v1) return null;
      const r = canvas.getBoundingClientRect();
      return { x: r.left + xOf(evT[i]), y: r.top + yOf(rowOf(evLane[i])) };
    },
    // seqs returns the trace seqs of the records of one kind, in order.
    seqs: function (kind) {
      const out = [];
      for (let i = 0; i < N; i++) if (kindNames[evKind[i]] === kind) out.push(D.ev.seq[i]);
      return out;
    },
  });

  // parseTime reads a virtual time from the page's address: nanoseconds, or a number
  // with a unit (ns, us, \u00b5s, ms, s); def when absent or unreadable.
  function parseTime(s, def) {
    const m = /^\s*([0-9.]+)\s*(ns|us|\u00b5s|ms|s)?\s*$/.exec(s || '');
    if (!m) return def;
    const unit = { ns: 1, us: 1e3, '\u00b5s': 1e3, ms: 1e6, s: 1e9 }[m[2] || 'ns'];
    const v = parseFloat(m[1]) * unit;
    return isFinite(v) ? v : def;
  }

  // ---- start -------------------------------------------------------------------------
  resize();
  applyFilter();
  const params = new URLSearchParams(location.hash.slice(1));
  if (params.get('ens')) setEnsemble(params.get('ens'));
  const startCall = params.get('call') || D.filter.call || '';
  if (startCall && setCall(startCall)) {
    // setCall fitted the view to the call
  } else if (params.get('from') || params.get('to')) {
    setView(parseTime(params.get('from'), v0), parseTime(params.get('to'), v1));
  } else if (D.to > D.from) {
    setView(D.from, D.to);
  } else {
    fit();
  }
  draw();
})();
