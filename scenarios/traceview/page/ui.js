// What a person does with the diagram: zoom and pan, the call and ensemble filters,
// the legend, the details of what is clicked; and the read-only test hook.
// ---- view changes ------------------------------------------------------------------
const MIN_SPAN = 200;
// widest is the widest span setView shows: a little wider than the records'.
function widest() { return (tMax - tMin) * 1.2 + 1e6; }
function setView(a, b) {
  let span = Math.min(Math.max(b - a, MIN_SPAN), widest());
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
    // The call's life, or that of the attempts kept with it, from the first start to
    // the last end.
    const life = { start: calls[callF].start, end: calls[callF].end };
    withF.forEach(function (c) { life.start = Math.min(life.start, calls[c].start); life.end = Math.max(life.end, calls[c].end); });
    const kept = function (c) { return c === callF || withF.has(c); };
    fitTo(function (i) { return kept(evCall[i]); }, function (m) { return kept(m.call); }, life);
    return;
  }
  if (castF >= 0) {
    fitTo(function (i) { return evCast[i] === castF; }, function (m) { return evCast[m.ev] === castF; }, casts[castF]);
    return;
  }
  let a = Infinity, b = -Infinity;
  for (let i = 0; i < N; i++) if (visEv[i]) { a = Math.min(a, evT[i]); b = Math.max(b, evT[i]); }
  if (!isFinite(a)) { a = tMin; b = tMax; }
  const pad = Math.max((b - a) * 0.02, 20000);
  setView(a - pad, b + pad);
}
// fitTo fits the view to the records (isRec) and messages (isMsg) of one call or
// cast that the page holds: a page made with --from or --to holds part of its life,
// which runs from life.start to life.end.
function fitTo(isRec, isMsg, life) {
  let a = Infinity, b = -Infinity;
  for (let i = 0; i < N; i++) if (isRec(i)) { a = Math.min(a, evT[i]); b = Math.max(b, evT[i]); }
  msgs.forEach(function (m) {
    if (!isMsg(m)) return;
    a = Math.min(a, m.sent); b = Math.max(b, m.sent);
    m.copies.forEach(function (cp) { b = Math.max(b, cp.end); });
  });
  if (!isFinite(a)) { a = Math.max(life.start, tMin); b = Math.min(life.end, tMax); }
  if (!(b >= a)) { a = tMin; b = tMax; } // its life lies outside the data: show the data
  const pad = Math.max((b - a) * 0.08, 20000);
  setView(a - pad, b + pad);
}

// ---- filters -----------------------------------------------------------------------
const callInput = document.getElementById('call');
const problems = document.getElementById('problems');
const castInput = document.getElementById('cast');
const castProblems = document.getElementById('cast-problems');
const ensSelect = document.getElementById('ens');
// setCall keeps one call ('' for every call) and fits the view to it; choosing a call
// lets go of the cast chosen. others, if given, are more calls to keep with it (the
// other attempts of its request, as the page opens), of which those the page holds
// are kept. It returns false, and changes nothing, for an id the page does not hold.
function setCall(id, others) {
  const idx = id === '' ? -1 : callIndex.has(id) ? callIndex.get(id) : -2;
  callInput.classList.toggle('bad', idx === -2);
  if (idx === -2) return false;
  callF = idx;
  withF = new Set();
  if (idx >= 0 && others) {
    others.forEach(function (w) { if (callIndex.has(w) && callIndex.get(w) !== idx) withF.add(callIndex.get(w)); });
  }
  if (callInput.value !== id) callInput.value = id;
  problems.value = callIndex.has(id) && problems.querySelector('option[value="' + CSS.escape(id) + '"]') ? id : '';
  if (idx >= 0) showCast(-1, '');
  applyFilter();
  fit();
  return true;
}
// setCast is setCall for a workload cast, by its name (s1, s2, ...); with keepView
// set it leaves the view as it is.
function setCast(name, keepView) {
  const idx = name === '' ? -1 : castIndex.has(name) ? castIndex.get(name) : -2;
  castInput.classList.toggle('bad', idx === -2);
  if (idx === -2) return false;
  showCast(idx, name);
  if (idx >= 0) {
    callF = -1;
    withF = new Set();
    callInput.value = '';
    callInput.classList.remove('bad');
    problems.value = '';
  }
  applyFilter();
  if (keepView) redraw(); else fit();
  return true;
}
// showCast sets the cast filter and its controls, without drawing.
function showCast(idx, name) {
  castF = idx;
  if (castInput.value !== name) castInput.value = name;
  castInput.classList.remove('bad');
  castProblems.value = idx >= 0 && castProblems.querySelector('option[value="' + CSS.escape(name) + '"]') ? name : '';
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
castInput.addEventListener('change', function () { setCast(castInput.value.trim()); });
castInput.addEventListener('input', function () {
  const v = castInput.value.trim();
  if (v === '' || castIndex.has(v)) setCast(v);
});
castProblems.addEventListener('change', function () { setCast(castProblems.value); });
ensSelect.addEventListener('change', function () { setEnsemble(ensSelect.value); });

const dl = document.getElementById('calls');
const frag = document.createDocumentFragment();
// The calls that broke an invariant come first, named by it (and by how they ended,
// if not well), with what happened as the option's title: a call can succeed and
// still break one (too slow for the liveness bound), and nothing else on the page
// would point to it. In the order of their first violation.
const violated = new Map(); // call id -> {invs, details}
(D.violations || []).forEach(function (v) {
  if (!v[1] || !callIndex.has(v[1])) return;
  let e = violated.get(v[1]);
  if (!e) { e = { invs: [], details: [] }; violated.set(v[1], e); }
  if (!e.invs.includes(v[0])) e.invs.push(v[0]);
  e.details.push(v[2]);
});
violated.forEach(function (e, id) {
  const c = calls[callIndex.get(id)];
  const p = document.createElement('option');
  p.value = id;
  p.textContent = id + ' ' + e.invs.join(', ') +
    (c.code !== 'ok' || c.late > 0 ? ' (' + c.code + (c.late ? ' + late reply' : '') + ')' : '');
  p.title = e.details.join('\n');
  problems.appendChild(p);
});
calls.forEach(function (c) {
  const o = document.createElement('option'); o.value = c.id; frag.appendChild(o);
  if ((c.code !== 'ok' || c.late > 0) && !violated.has(c.id)) {
    const p = document.createElement('option');
    p.value = c.id;
    p.textContent = c.id + ' ' + c.code + (c.late ? ' + late reply' : '');
    problems.appendChild(p);
  }
});
dl.appendChild(frag);
// The casts, and those a violation names (a cast has no call id: the checker names
// it in the detail, "cast s3"), in the order of their first violation, with what
// happened as the option's title. The cast controls show only on a page with casts.
const castList = document.getElementById('casts');
const castFrag = document.createDocumentFragment();
casts.forEach(function (c) { const o = document.createElement('option'); o.value = c.name; castFrag.appendChild(o); });
castList.appendChild(castFrag);
casts.filter(function (c) { return c.viol.length > 0; })
  .sort(function (x, y) { return x.viol[0] - y.viol[0]; })
  .forEach(function (c) {
    const invs = [];
    c.viol.forEach(function (k) { if (!invs.includes(D.violations[k][0])) invs.push(D.violations[k][0]); });
    const p = document.createElement('option');
    p.value = c.name;
    p.textContent = c.name + ' ' + invs.join(', ');
    p.title = c.viol.map(function (k) { return D.violations[k][2]; }).join('\n');
    castProblems.appendChild(p);
  });
document.getElementById('cast-label').hidden = casts.length === 0;
document.getElementById('cast-problems-label').hidden = castProblems.options.length <= 1;
D.ensembles.forEach(function (e) {
  const o = document.createElement('option'); o.value = e; o.textContent = e; ensSelect.appendChild(o);
});

// ---- violations --------------------------------------------------------------------
// The violations the page holds, listed under the controls (folded, counted by
// invariant): a call's or a cast's with a button that keeps it, and those about
// neither (a leak, directories that never converged), which no other list names.
// castOfViolation[k] is the cast that violation k names, if the page holds it.
const violationsBox = document.getElementById('violations');
const MAX_VIOLATION_ROWS = 200;
const castOfViolation = new Map();
casts.forEach(function (c, si) { c.viol.forEach(function (k) { if (!castOfViolation.has(k)) castOfViolation.set(k, si); }); });
// violationsOf returns the indexes in D.violations of those about call ci or cast si.
function violationsOf(ci, si) {
  const out = [];
  (D.violations || []).forEach(function (v, k) {
    if (ci >= 0 && v[1] === calls[ci].id || si >= 0 && castOfViolation.get(k) === si) out.push(k);
  });
  return out;
}
(function listViolations() {
  const vs = D.violations || [];
  if (vs.length === 0) return;
  const counts = new Map();
  vs.forEach(function (v) { counts.set(v[0], (counts.get(v[0]) || 0) + 1); });
  const parts = [];
  counts.forEach(function (n, inv) { parts.push(inv + ' ' + n); });
  violationsBox.querySelector('summary').textContent = vs.length + ' violation' + (vs.length === 1 ? '' : 's') + ' (' + parts.join(', ') + ')';
  const list = violationsBox.querySelector('ol');
  vs.slice(0, MAX_VIOLATION_ROWS).forEach(function (v, k) {
    const li = el('li', v[0] + ' ');
    const keep = function (label, click) { const b = el('button', label); b.addEventListener('click', click); li.appendChild(b); };
    if (v[1] !== '' && callIndex.has(v[1])) keep(v[1], function () { setCall(v[1]); });
    else if (v[1] !== '') li.appendChild(document.createTextNode(v[1]));
    else if (castOfViolation.has(k)) keep(casts[castOfViolation.get(k)].name, function () { setCast(casts[castOfViolation.get(k)].name); });
    li.appendChild(document.createTextNode((v[1] !== '' || castOfViolation.has(k) ? ': ' : '') + v[2]));
    list.appendChild(li);
  });
  if (vs.length > MAX_VIOLATION_ROWS) list.appendChild(el('li', 'and ' + (vs.length - MAX_VIOLATION_ROWS) + ' more'));
  violationsBox.hidden = false;
})();

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
  item('reply to a riak worker', lineIcon(ARROW['worker-reply']));
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
// violationRows adds a row for each violation about call ci or cast si (-1 for
// none): what the record or message took part in.
function violationRows(tbl, ci, si) {
  violationsOf(ci, si).forEach(function (k) { row(tbl, 'violation', D.violations[k][0] + ': ' + D.violations[k][2]); });
}
// filterButtons are the buttons under the details of a record or message about call
// ci or cast si (-1 for none): keep only it, or let go of the call or cast kept.
function filterButtons(ci, si) {
  const div = el('div');
  const button = function (label, click) {
    const b = el('button', label);
    b.addEventListener('click', click);
    div.appendChild(b);
  };
  if (ci >= 0 && (callF !== ci || withF.size > 0)) button('show only call ' + calls[ci].id, function () { setCall(calls[ci].id); });
  if (callF >= 0) button('show every call', function () { setCall(''); });
  if (si >= 0 && castF !== si) button('show only cast ' + casts[si].name, function () { setCast(casts[si].name); });
  if (castF >= 0) button('show every cast', function () { setCast(''); });
  return div;
}
function showEvent(i) {
  selected = { ev: i, call: evCall[i] };
  const rec = JSON.parse(D.rec[i]);
  details.textContent = '';
  details.appendChild(el('h2', rec.kind + ' at ' + fmtT(rec.t) + (rec.node ? ' on ' + rec.node : '') +
    (D.ev.inst[i] >= 0 ? ' (router instance r' + D.ev.inst[i] + ')' : '')));
  const tbl = el('table');
  violationRows(tbl, evCall[i], evCast[i]);
  Object.keys(rec).forEach(function (k) { row(tbl, k, fieldValue(k, rec[k])); });
  details.appendChild(tbl);
  details.appendChild(filterButtons(evCall[i], evCast[i]));
  S.selected = { seq: rec.seq, kind: rec.kind, call: evCall[i] >= 0 ? calls[evCall[i]].id : '',
    cast: evCast[i] >= 0 ? casts[evCast[i]].name : '' };
  redraw();
}
function showMessage(m) {
  selected = { msg: m, call: m.call };
  details.textContent = '';
  details.appendChild(el('h2', 'message #' + m.id + ' (' + m.kind + ') ' + D.lanes[m.from] + ' \u2192 ' + D.lanes[m.to]));
  const tbl = el('table');
  violationRows(tbl, m.call, evCast[m.ev]);
  row(tbl, 'sent', fmtT(m.sent));
  if (m.call >= 0) row(tbl, 'call', calls[m.call].id);
  if (evCast[m.ev] >= 0) row(tbl, 'cast', casts[evCast[m.ev]].name);
  if (m.lost >= 0) row(tbl, 'fate', 'lost at the sender');
  m.copies.forEach(function (c, ci) {
    row(tbl, ci ? 'duplicate' : 'arrived', fmtT(c.arr) + ' (' + c.first + ', after ' + fmtDur(c.arr - m.sent) + ')' +
      (c.end > c.arr || c.last !== c.first ? '; ' + c.last + ' at ' + fmtT(c.end) : ''));
  });
  if (m.copies.length === 0 && m.lost < 0) row(tbl, 'fate', 'never arrived');
  const rec = JSON.parse(D.rec[m.ev]);
  Object.keys(rec).forEach(function (k) { if (k !== 't' && k !== 'kind' && k !== 'node') row(tbl, 'send.' + k, fieldValue(k, rec[k])); });
  details.appendChild(tbl);
  details.appendChild(filterButtons(m.call, evCast[m.ev]));
  S.selected = { msg: m.id, call: m.call >= 0 ? calls[m.call].id : '', cast: evCast[m.ev] >= 0 ? casts[evCast[m.ev]].name : '' };
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
  if (e.target === callInput || e.target === castInput || e.target.tagName === 'SELECT') return;
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
  // shown returns the trace seqs of the records the filters keep, in order.
  shown: function () {
    const out = [];
    for (let i = 0; i < N; i++) if (visEv[i]) out.push(D.ev.seq[i]);
    return out;
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
// openWindow shows the window a-b (--from and --to, the run's, or the address's).
// setView shows a window wider than widest about its middle, which for one much
// wider than its records would show none of them: such a window is narrowed to the
// records within it, or fitted as a whole if it holds none.
function openWindow(a, b) {
  if (b - a <= widest()) {
    setView(a, b);
    return;
  }
  const x = Math.max(a, tMin), y = Math.min(b, tMax);
  if (y <= x) {
    fit();
    return;
  }
  const pad = Math.max((y - x) * 0.02, 20000);
  setView(x - pad, y + pad);
}
resize();
applyFilter();
const params = new URLSearchParams(location.hash.slice(1));
if (params.get('ens')) setEnsemble(params.get('ens'));
// The address's call or cast wins over the one the page was made with (a call over a
// cast when it names both: the filters are exclusive); one the page does not hold
// leaves the page's own.
const addrCall = params.get('call') || '', addrCast = addrCall ? '' : params.get('cast') || '';
const ownCall = D.filter.call || '', ownCast = D.filter.cast || '';
// Each fits the view to its call or cast, but for the cast the page was made with:
// its view (D.from, D.to) is already fitted to the cast, or the window of --from and
// --to.
let fitted = addrCall !== '' && setCall(addrCall) || addrCast !== '' && setCast(addrCast);
if (!fitted && ownCall !== '') {
  fitted = setCall(ownCall, D.filter.attempts);
  // A window (--from, --to) may hold other attempts of the request and not the call
  // named: the page opens on none of them, as on the request, its box not marked bad.
  if (!fitted && D.filter.attempts) callInput.classList.remove('bad');
} else if (!fitted && ownCast !== '') setCast(ownCast, true);
if (params.get('from') || params.get('to')) {
  // The address's window wins over the fit to the call or cast.
  openWindow(parseTime(params.get('from'), v0), parseTime(params.get('to'), v1));
} else if (fitted) {
  // setCall or setCast fitted the view
} else if (D.to > D.from) {
  openWindow(D.from, D.to);
} else {
  fit();
}
draw();
