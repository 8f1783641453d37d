// The diagram's data and state: the records, messages, calls and spans that
// script#ensroute-data holds (built by traceview's diagram.go), the filters, the
// layout of the lanes and the time axis. page.html runs data.js, draw.js and ui.js
// in this order, in one strict function scope.
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
const DURATION_KEYS = { timeout: 1, budget: 1, at: 1, paused: 1, step: 1, local: 1, held: 1, offset: 1, period: 1 };

// ---- data --------------------------------------------------------------------------
const N = D.ev.t.length;
const evT = Float64Array.from(D.ev.t);
const evLane = Int32Array.from(D.ev.lane);
const evCall = Int32Array.from(D.ev.call);
// A page of a run without casts leaves their column out: every record is about none.
const evCast = D.ev.cast ? Int32Array.from(D.ev.cast) : new Int32Array(N).fill(-1);
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
const casts = (D.casts || []).map(function (c) {
  return { name: c[0], lane: c[1], ens: c[2], start: c[3], end: c[4], viol: c[5] || [] };
});
const castIndex = new Map(casts.map(function (c, i) { return [c.name, i]; }));

const msgs = (D.msgs || []).map(function (m) {
  return { id: m[0], ev: m[1], from: m[2], to: m[3], sent: m[4], kind: m[5], call: m[6], ens: m[7],
    copies: m[8].map(function (c) { return { arr: c[0], end: c[1], first: kindNames[c[2]], last: kindNames[c[3]], late: c[4] === 1 }; }),
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
if (!isFinite(tMin)) { tMin = D.from; tMax = D.from + 1e6; } // nothing kept: an empty axis where the window starts
if (tMax <= tMin) tMax = tMin + 1e6;

const hasWorld = Array.prototype.some.call(evLane, function (l) { return l < 0; });
const rowNames = (hasWorld ? ['world'] : []).concat(D.lanes);
function rowOf(lane) { return lane < 0 ? 0 : lane + (hasWorld ? 1 : 0); }

// ---- state -------------------------------------------------------------------------
let v0 = D.from, v1 = D.to > D.from ? D.to : tMax;
// callF and castF are exclusive: at most one of them is >= 0. withF holds the calls
// kept with callF: the other attempts of its request, when the page opens on a call
// of a retried request (D.filter.attempts).
let callF = -1, castF = -1, ensF = -1, withF = new Set();
let selected = null; // {ev: i} or {msg: m}
const visEv = new Uint8Array(N);
const visMsg = new Uint8Array(msgs.length);
const S = { lanes: D.lanes.slice(), rows: rowNames.length, events: N, messages: msgs.length, calls: calls.length,
  casts: casts.length, call: '', attempts: [], cast: '', ensemble: '', view: { from: 0, to: 0 }, visible: { events: 0, messages: 0 },
  drawn: { events: 0, arrows: 0, marks: {} }, drawMs: 0, maxDrawMs: 0, draws: 0, selected: null, pending: false };

function applyFilter() {
  let ne = 0, nm = 0;
  for (let i = 0; i < N; i++) {
    const c = evCall[i];
    let ok = callF < 0 || c === callF || withF.has(c) || c < 0 && worldKind[evKind[i]] === 1;
    if (ok && castF >= 0) ok = evCast[i] === castF || evCast[i] < 0 && worldKind[evKind[i]] === 1;
    if (ok && ensF >= 0) ok = evEns[i] === ensF || evEns[i] < 0 && worldKind[evKind[i]] === 1;
    visEv[i] = ok ? 1 : 0;
    ne += visEv[i];
  }
  for (let j = 0; j < msgs.length; j++) {
    const m = msgs[j];
    // A cast's message is known by its send, which is about the cast.
    const ok = (callF < 0 || m.call === callF || withF.has(m.call)) && (castF < 0 || evCast[m.ev] === castF) && (ensF < 0 || m.ens === ensF);
    visMsg[j] = ok ? 1 : 0;
    nm += visMsg[j];
  }
  S.call = callF >= 0 ? calls[callF].id : '';
  S.attempts = Array.from(withF).sort(function (a, b) { return a - b; }).map(function (c) { return calls[c].id; });
  S.cast = castF >= 0 ? casts[castF].name : '';
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
