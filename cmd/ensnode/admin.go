package main

import (
	"encoding/json"
	"net/http"
	"net/http/pprof"
	"runtime"
	"slices"
	"strconv"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/ensroute/ensroute/cmd/internal/kv"
	"github.com/ensroute/ensroute/internal/buildinfo"
	"github.com/ensroute/ensroute/router"
	"github.com/ensroute/ensroute/router/driver"
	"github.com/ensroute/ensroute/router/nettransport"
)

// adminHandler serves /metrics, /healthz, /readyz and /debug/pprof/.
func (n *node) adminHandler(tr *nettransport.Transport) http.Handler {
	reg := prometheus.NewRegistry()
	build := prometheus.NewGauge(prometheus.GaugeOpts{Name: "ensroute_build_info",
		Help:        "1, labelled with the code this node runs (as --version prints it) and the Go release that built it: compare them across the nodes of a rolling upgrade.",
		ConstLabels: prometheus.Labels{"version": buildinfo.Module(), "go_version": runtime.Version()}})
	build.Set(1)
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}), build,
		&metrics{drv: n.drv, tr: tr, slow: n.slow, members: n.members, config: n.config})
	if tr.Certificate() != nil {
		// Read at each scrape: SIGHUP may have loaded a renewed certificate.
		reg.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "ensroute_tls_certificate_expiry_timestamp_seconds",
			Help: "When the TLS certificate this node presents (--tls-cert) expires, in seconds since 1970: alert well before, since the other nodes refuse it after."},
			func() float64 {
				if c := tr.Certificate(); c != nil {
					return float64(c.NotAfter.Unix())
				}
				return 0
			}))
	}
	mux := http.NewServeMux()
	mux.Handle("/metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{}))
	mux.HandleFunc("/healthz", n.healthz)
	mux.HandleFunc("/readyz", n.readyz)
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/cmdline", pprof.Cmdline)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
	mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	return mux
}

// health is what /healthz answers: the node is up; which members it is connected to
// and what its directory says.
type health struct {
	Status      string       `json:"status"`
	ID          string       `json:"id"`
	Incarnation uint64       `json:"incarnation"`
	Peers       []peerHealth `json:"peers"`
	Directory   []entry      `json:"directory"`
}

// peerHealth is one member as /healthz shows it: connected, leaving (it said goodbye:
// it is stopping, and is sent nothing new, so it is not connected either), or neither.
// "leaving" appears only when true.
type peerHealth struct {
	ID        string `json:"id"`
	Connected bool   `json:"connected"`
	Leaving   bool   `json:"leaving,omitempty"`
	// ConfigDiffers names the settings the member, when it last stated them (a node of
	// an older release states none), gave otherwise than this node (see
	// settingsWatch); absent when none.
	ConfigDiffers []string `json:"config_differs,omitempty"`
	// AddressUnanswered: the member dialed in, but nothing answered at its address in
	// --peers when this node checked (a wrong --listen, or a stale --peers here):
	// clients that dial it there lose its replies. Absent when false.
	AddressUnanswered bool `json:"address_unanswered,omitempty"`
}

type entry struct {
	Ensemble string `json:"ensemble"`
	Leader   string `json:"leader"`
	Version  uint64 `json:"version"`
}

func (n *node) healthz(w http.ResponseWriter, _ *http.Request) {
	// Empty lists are [], not null: a node alone in --peers, or with no ensemble.
	h := health{Status: "ok", ID: string(n.id), Incarnation: uint64(n.inc), Peers: []peerHealth{}, Directory: []entry{}}
	for _, p := range memberStatus(n.tr, n.members) {
		h.Peers = append(h.Peers, peerHealth{ID: string(p.ID), Connected: p.Connected, Leaving: p.Leaving, ConfigDiffers: n.config.keys(p.ID), AddressUnanswered: p.Unanswered})
	}
	for _, e := range n.drv.Entries() {
		h.Directory = append(h.Directory, entry{Ensemble: string(e.Ensemble), Leader: e.Leader.String(), Version: e.Version})
	}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(h)
}

// readyz answers 200 when the node is connected to a majority of the members of
// --peers, itself counted, and is not stopping, and 503 otherwise, with what it
// counted: a node cut off from the cluster (a wrong secret or certificate, a
// partition, the others down) cannot route to most leaders nor learn who leads, though
// /healthz, which says the process runs, answers 200.
func (n *node) readyz(w http.ResponseWriter, _ *http.Request) {
	r := readiness{Connected: 1, Members: 1, Missing: []string{}} // itself
	for _, p := range memberStatus(n.tr, n.members) {
		r.Members++
		if p.Connected {
			r.Connected++
		} else {
			r.Missing = append(r.Missing, string(p.ID))
		}
	}
	// A stopping node is leaving the cluster: a load balancer should send it nothing.
	r.Stopping = n.stopping.Load()
	r.Ready = 2*r.Connected > r.Members && !r.Stopping
	w.Header().Set("Content-Type", "application/json")
	if !r.Ready {
		w.WriteHeader(http.StatusServiceUnavailable)
	}
	_ = json.NewEncoder(w).Encode(r)
}

// memberStatus is the transport's status of each other member of --peers, in the
// order of members. A member the transport has no slot for yet (its dial loop not
// started, as just after start) is not connected: counted from the transport's slots,
// /readyz would find this node alone, a majority of one, and ready.
func memberStatus(tr *nettransport.Transport, members []router.NodeID) []nettransport.PeerStatus {
	known := make(map[router.NodeID]nettransport.PeerStatus, len(members))
	for _, p := range tr.Peers() {
		if slices.Contains(members, p.ID) {
			known[p.ID] = p
		}
	}
	out := make([]nettransport.PeerStatus, len(members))
	for i, id := range members {
		out[i] = known[id]
		out[i].ID = id
	}
	return out
}

// readiness is /readyz's body.
type readiness struct {
	Ready     bool     `json:"ready"`
	Connected int      `json:"connected"`          // members connected, this node included
	Members   int      `json:"members"`            // members of --peers, this node included
	Missing   []string `json:"missing"`            // members not connected, sorted
	Stopping  bool     `json:"stopping,omitempty"` // the node is stopping (SIGTERM): not ready
}

// metrics reads the node's and the transport's counters at each scrape.
//
// Series labelled by peer are the members' of --peers (but the node itself), each
// always present: a fixed set. Clients (nodes not in --peers, such as ensctl, which
// takes a new id each run) are counted together, never by id, so that a node scraped
// while clients come and go does not leave the scraper a new series per client.
type metrics struct {
	drv     *driver.Node
	tr      *nettransport.Transport
	slow    *kv.Slow
	members []router.NodeID // the other members, sorted
	config  *settingsWatch
}

var (
	descCalls      = prometheus.NewDesc("ensroute_calls_total", "Calls started on this node that completed, by outcome (zero on a node that only serves).", []string{"outcome"}, nil)
	descServed     = prometheus.NewDesc("ensroute_served_total", "Replies this node sent for calls started on other nodes, by outcome (nack: a local peer refused).", []string{"outcome"}, nil)
	descPassedOn   = prometheus.NewDesc("ensroute_passed_on_total", "Requests of calls started on other nodes that this node sent on to another node.", nil, nil)
	descLate       = prometheus.NewDesc("ensroute_late_replies_total", "Replies dropped because their call had completed (under riak also leaders' answers to a worker that had given up).", nil, nil)
	descWorkers    = prometheus.NewDesc("ensroute_worker_timeouts_total", "Under riak: leader-hop workers that answered timeout (their peer, or the leader their peer forwarded to, did not answer within the call's timeout, or their peer was removed).", nil, nil)
	descDropped    = prometheus.NewDesc("ensroute_dropped_total", "Requests dropped without an answer, by why: no_leader (riak: a remote hop knew no leader), forward (riak: a follower's forward that could not go or reached no leader), cast (a cast that could not go on, either semantics).", []string{"reason"}, nil)
	descRedirects  = prometheus.NewDesc("ensroute_redirects_total", "Nacks redirected to a newer leader.", nil, nil)
	descHopLimit   = prometheus.NewDesc("ensroute_hop_limit_total", "Requests refused at the hop limit.", nil, nil)
	descBudget     = prometheus.NewDesc("ensroute_budget_spent_total", "Requests dropped at a hop because their budget was spent.", nil, nil)
	descShed       = prometheus.NewDesc("ensroute_shed_total", "Routes and casts refused because a router instance's mailbox was full or the node was closing.", nil, nil)
	descExpired    = prometheus.NewDesc("ensroute_calls_expired_total", "Calls started on this node that ended before they reached a router instance: their deadline had passed, or their context was done, when they started or while they waited for a busy router core.", nil, nil)
	descBadInst    = prometheus.NewDesc("ensroute_bad_instance_total", "Routes and casts naming a router instance this node lacks (the sender runs more of them), folded onto one it has (the log warns once per sender).", nil, nil)
	descGossip     = prometheus.NewDesc("ensroute_gossip_messages_total", "Directory messages received (in) and sent (out).", []string{"direction"}, nil)
	descConflicts  = prometheus.NewDesc("ensroute_directory_conflicts_total", "Directory entries refused because they named another leader with the version this node holds: two leaders announced with one version (the log warns once per ensemble and version).", nil, nil)
	descRefused    = prometheus.NewDesc("ensroute_gossip_refused_total", "Directory entries refused because their sender is not a member of --peers, because they are malformed, or because they name an ensemble this node is not configured with or a leader on a node that is not one of its members (the log warns once per sender).", nil, nil)
	descHops       = prometheus.NewDesc("ensroute_request_hops", "Requests (routes, casts, peer requests) that arrived here, by the transfers between nodes they had made.", nil, nil)
	descLoops      = prometheus.NewDesc("ensroute_request_loops_total", "Requests that arrived here having made "+strconv.Itoa(driver.LoopHops)+" transfers between nodes: each goes round in a loop between nodes that name each other as its ensemble's leader, and is counted once, on one node; under riak (no hop limit) it goes on until their directories agree (the log warns once a minute).", nil, nil)
	descMailbox    = prometheus.NewDesc("ensroute_router_mailbox_depth", "Routes and casts waiting for a router instance: in its mailbox, or taken in its current batch and not yet handed to their local peer.", []string{"instance"}, nil)
	descQueue      = prometheus.NewDesc("ensroute_send_queue_bytes", "Bytes waiting in the send queue to a member of --peers.", []string{"peer"}, nil)
	descConnected  = prometheus.NewDesc("ensroute_peer_connected", "1 if the member of --peers is connected (0 once it said goodbye).", []string{"peer"}, nil)
	descLeaving    = prometheus.NewDesc("ensroute_peer_leaving", "1 if the member of --peers said goodbye (it is stopping) and its connection is not closed yet.", []string{"peer"}, nil)
	descUnanswered = prometheus.NewDesc("ensroute_peer_address_unanswered", "1 if the member of --peers dialed in, but nothing answered at its address in --peers when this node checked: clients that dial it there lose its replies (a wrong --listen there, or a stale --peers here).", []string{"peer"}, nil)
	descDiffers    = prometheus.NewDesc("ensroute_peer_config_differs", "1 if the member of --peers, when it last stated its configuration (semantics, --routers, --peers, ensembles), stated one other than this node's; the log says how.", []string{"peer"}, nil)
	descClients    = prometheus.NewDesc("ensroute_clients_connected", "Clients (nodes not in --peers, such as ensctl) connected now.", nil, nil)
	descClientQ    = prometheus.NewDesc("ensroute_clients_send_queue_bytes", "Bytes waiting in the send queues to clients, all together.", nil, nil)
	descReconnects = prometheus.NewDesc("ensroute_reconnects_total", "Dial attempts after the first, over all peers.", nil, nil)
	descTransport  = prometheus.NewDesc("ensroute_transport_total", "Transport events, by what: messages sent and received; writes and reads on the connections; sends that failed unreachable, overloaded or too_large; bad_frames (connections closed for a malformed frame); refused (inbound handshakes refused or failed: alert on it); crossed (the loser of two simultaneous dials); handshake_limit (handshakes ended to stay within --max-handshakes); dial_failures; connects and disconnects (established connections); goodbyes (heard from nodes stopping) and goodbye_unacknowledged (nodes that did not acknowledge this one's); duplicate_id (a second process with a connected node's id); replies_held and replies_held_expired (replies kept for a node not connected, and those dropped); accept_errors (failures of the listener's accept); withdrawn (connections dropped at a SIGHUP because the secret or certificate the other node connected with is no longer accepted). Its bytes are ensroute_transport_sent_bytes_total.", []string{"what"}, nil)
	descSentBytes  = prometheus.NewDesc("ensroute_transport_sent_bytes_total", "Bytes the transport wrote to its connections.", nil, nil)
	descSlow       = prometheus.NewDesc("ensroute_kv_slow_requests_total", "Requests of the demo peers' --peer-rate server, by what became of them.", []string{"outcome"}, nil)
)

func (m *metrics) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{descCalls, descServed, descPassedOn, descLate, descWorkers, descDropped, descRedirects, descHopLimit, descBudget, descShed,
		descExpired, descBadInst, descGossip, descConflicts, descRefused, descHops, descLoops,
		descMailbox, descQueue, descConnected, descLeaving, descUnanswered, descDiffers, descClients, descClientQ, descReconnects, descTransport, descSentBytes, descSlow} {
		ch <- d
	}
}

// hopsHistogram is the histogram of st.Hops: a bucket le=h for each h below
// driver.MaxHops, cumulative; the last slot, driver.MaxHops or more, only in the count
// (the +Inf bucket).
func hopsHistogram(st driver.Stats) prometheus.Metric {
	buckets := make(map[float64]uint64, driver.MaxHops)
	var count uint64
	for h, c := range st.Hops {
		count += c
		if h < driver.MaxHops {
			buckets[float64(h)] = count
		}
	}
	return prometheus.MustNewConstHistogram(descHops, count, float64(st.HopSum), buckets)
}

func (m *metrics) Collect(ch chan<- prometheus.Metric) {
	counter := func(d *prometheus.Desc, v uint64, labels ...string) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.CounterValue, float64(v), labels...)
	}
	gauge := func(d *prometheus.Desc, v float64, labels ...string) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.GaugeValue, v, labels...)
	}
	st := m.drv.Stats()
	for c := router.CodeOK; c.Valid(); c++ {
		if c != router.CodeNack {
			counter(descCalls, st.Router.Completed[c], c.String())
		}
		counter(descServed, st.Served[c], c.String())
	}
	counter(descPassedOn, st.PassedOn)
	counter(descLate, st.Router.Late)
	counter(descWorkers, st.Router.Workers)
	counter(descDropped, st.Router.NoLeader, "no_leader")
	counter(descDropped, st.Router.FwdDrop, "forward")
	counter(descDropped, st.Router.CastDrop, "cast")
	counter(descRedirects, st.Router.Redirects)
	counter(descHopLimit, st.Router.HopLimit)
	counter(descBudget, st.Router.Budget)
	counter(descShed, st.Shed)
	counter(descExpired, st.Expired)
	counter(descBadInst, st.BadInstance)
	counter(descGossip, st.GossipIn, "in")
	counter(descGossip, st.GossipOut, "out")
	counter(descConflicts, st.Conflicts)
	counter(descRefused, st.GossipRefused)
	ch <- hopsHistogram(st)
	counter(descLoops, st.Loops)
	for i, d := range st.Mailboxes {
		gauge(descMailbox, float64(d), strconv.Itoa(i))
	}
	ts := m.tr.Stats()
	one := func(b bool) float64 {
		if b {
			return 1
		}
		return 0
	}
	var clients, clientQ int
	for _, p := range m.tr.Peers() {
		if slices.Contains(m.members, p.ID) {
			continue
		}
		if p.Connected {
			clients++
		}
		clientQ += p.Queued
	}
	for _, p := range memberStatus(m.tr, m.members) {
		id := p.ID
		gauge(descConnected, one(p.Connected), string(id))
		gauge(descLeaving, one(p.Leaving), string(id))
		gauge(descUnanswered, one(p.Unanswered), string(id))
		gauge(descDiffers, one(len(m.config.keys(id)) > 0), string(id))
		gauge(descQueue, float64(p.Queued), string(id))
	}
	gauge(descClients, float64(clients))
	gauge(descClientQ, float64(clientQ))
	counter(descReconnects, ts.Reconnects)
	counter(descSentBytes, ts.BytesOut) // bytes, not events: not one of ensroute_transport_total's
	for _, kv := range []struct {
		what string
		v    uint64
	}{{"sent", ts.Sent}, {"received", ts.Received}, {"writes", ts.Writes}, {"reads", ts.Reads},
		{"unreachable", ts.Unreachable}, {"overloaded", ts.Overloaded}, {"too_large", ts.TooLarge},
		{"bad_frames", ts.BadFrames}, {"refused", ts.Refused}, {"crossed", ts.Crossed}, {"handshake_limit", ts.HandshakeLimit}, {"dial_failures", ts.DialFailures},
		{"connects", ts.Connects}, {"disconnects", ts.Disconnects},
		{"goodbyes", ts.Goodbyes}, {"goodbye_unacknowledged", ts.Unacknowledged}, {"duplicate_id", ts.DuplicateID},
		{"replies_held", ts.Held}, {"replies_held_expired", ts.HeldExpired}, {"accept_errors", ts.AcceptErrors},
		{"withdrawn", ts.Withdrawn}} {
		counter(descTransport, kv.v, kv.what)
	}
	if m.slow != nil {
		st := m.slow.Stats()
		counter(descSlow, st.InTime, "in_time")
		counter(descSlow, st.Late, "late")
		counter(descSlow, st.Skipped, "skipped")
		counter(descSlow, st.Dropped, "dropped")
	}
}
