// Package kv is the demo application of ensnode and ensctl: an in-memory key/value
// store per ensemble member, and its tiny event encoding.
//
// An event is text: an operation and its arguments separated by single spaces, the
// last argument taking the rest of the line (so a value may hold spaces):
//
//	get KEY              -> "ok VALUE" or "missing"
//	put KEY VALUE        -> "ok"
//	cas KEY OLD NEW      -> "ok", or "conflict CURRENT" ("conflict" if absent); OLD "-" means absent
//	echo TEXT            -> "echo TEXT" (a reply that names its own call, for load tests)
//	leader               -> the directory entry of the node that handles it
//	lead                 -> this peer becomes the leader; answers "ok" and the new entry, or an
//	                        error if the node took a newer entry meanwhile
//
// Anything else answers "error: cannot parse ..."; Check tells, before
// sending, whether an event is one of these. A peer with a Service time spends it (sleeping, on
// the goroutine that handed it the event) before it applies get, put, cas or echo: a
// slow application, whose router instance stays busy meanwhile. A peer served by a
// Slow server (ServeWith) queues its events and serves them one at a time at a fixed
// rate instead. The data is not replicated: each member has its own, and only the
// leader serves get, put and cas (a follower forwards them to the leader it knows), so
// moving the leader moves to another member's data.
package kv
