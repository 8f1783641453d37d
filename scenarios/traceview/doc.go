// Package traceview shows one simulated run's trace three ways: aligned text, JSON
// lines and a space-time diagram in a self-contained HTML page. ensim trace is its
// command line.
//
// A tour:
//
//   - New analyses a run's records (sim.World.Trace) once for every view. It pairs each
//     message's send record with each of its arrivals by message id (a duplicated
//     message arrives twice under one id; a held, stalled or parked one waits, then
//     goes on), follows each call from its call record to its outcome and the late
//     replies after it, and finds the router instance each record happened on: the
//     instance a route or cast was sent to handles it in one step of the simulation,
//     so its hand-over and the deliveries, drops and sends right after it, on the same
//     node at the same time, are that instance's.
//   - A Filter picks records: one call (its records and its messages'), or one workload
//     cast (its records and its messages', found by following the steps it was made
//     and handed over in: the trace names a cast only where it is made and taken up),
//     and a window of virtual time. Select returns them; Write renders them in a
//     Format.
//   - Text writes one line per record (time, node, instance, kind, the fields that
//     matter), then a table of the calls that start among them: caller, target, start,
//     outcome, how long it took, the path (each message and decision with its time
//     since the start) and what came after (late replies dropped); then, if casts are
//     made among them, a table of those.
//   - JSONL writes the records as canonical JSON (sim.Record.AppendJSON), one per line,
//     byte for byte as ensim run --trace writes them.
//   - HTML writes one page that fetches nothing: the data as JSON, the script and the
//     style inline. One lane per node, messages as arrows from send to arrival, marks
//     for drops, duplicates, holds, timeouts, late replies, hop-limit answers and
//     leader changes, partitions, holds, pauses and crashes shaded over their lanes;
//     filters by call, by workload cast and by ensemble, zoom and pan, and the fields
//     of whatever is clicked. It draws on a canvas only what is in view.
//     window.ensroute.stats() tells a test what the page holds and what it last drew.
//
// traceview reads records only: it imports sim and nothing else of the module, and
// knows the record kinds by name (README.md lists them with their fields).
package traceview
