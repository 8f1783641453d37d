package scenarios

import "github.com/ensroute/ensroute/router"

// notUnder gives, for each probe that can fire under one semantics only in the
// worlds this package builds, the other semantics and why it cannot fire there.
var notUnder = map[string]struct {
	sem router.Semantics
	why string
}{
	// Paths of default semantics alone, and of the production transport it models.
	"hop-limit":                {router.Riak, "riak has no hop limit"},
	"budget-spent-at-hop":      {router.Riak, "riak restarts the timeout at each hop, and spends no budget"},
	"redirect-after-nack":      {router.Riak, "riak turns a nack into a timeout, and never redirects"},
	"shed-overloaded":          {router.Riak, "riak's mailboxes have no bound"},
	"net-replies-held":         {router.Riak, "riak's transport holds no reply"},
	"net-replies-held-dropped": {router.Riak, "riak's transport holds no reply"},
	// Paths of the original's alone.
	"worker-timeout":        {router.Default, "default has no leader-hop worker"},
	"forward-dropped":       {router.Default, "default answers a forward it cannot serve with a nack"},
	"no-leader-at-hop":      {router.Default, "default answers no-leader back to the caller"},
	"double-answer-ignored": {router.Default, "a simulated peer answers once, and only riak's worker answers before it"},
	"answer-to-worker":      {router.Default, "default's leader answers a forward to the caller, having no worker to answer"},
}

// ProbeNotUnder says why probe cannot fire under sem in a simulated run (the path it
// counts is another semantics'), or "" when it can. A sweep that never hits such a
// probe has left nothing unexplored; TestProbesAllFire checks that every other probe
// fires under each semantics, and that these never do.
func ProbeNotUnder(probe string, sem router.Semantics) string {
	if n, ok := notUnder[probe]; ok && n.sem == sem {
		return n.why
	}
	return ""
}
