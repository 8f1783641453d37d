package cluster

import (
	"encoding/json"
	"flag"
	"fmt"
	"log/slog"
	"reflect"
	"slices"
	"sort"
	"strings"

	"github.com/ensroute/ensroute/cmd/internal/limitfile"
	"github.com/ensroute/ensroute/internal/strictjson"
	"github.com/ensroute/ensroute/router"
	"github.com/ensroute/ensroute/router/nettransport"
)

// Ensemble is one ensemble: its members (peers named after their nodes) and its
// first leader.
type Ensemble struct {
	ID      router.EnsembleID `json:"id"`
	Members []router.NodeID   `json:"members"`
	Leader  router.NodeID     `json:"leader,omitempty"` // "" is refused in a file: leave it out
}

// Shape is the cluster as the config file writes it.
type Shape struct {
	Cluster   string                   `json:"cluster"`
	Peers     map[router.NodeID]string `json:"peers"`
	Ensembles []Ensemble               `json:"ensembles"`
	Routers   int                      `json:"routers"`
	Semantics string                   `json:"semantics"`
	// HeartbeatInterval, HeartbeatTimeout, BackoffMin and BackoffMax are
	// --heartbeat-interval, --heartbeat-timeout, --backoff-min and --backoff-max as
	// the file gives them (nil where it leaves them out): Options.Heartbeat holds
	// those in force.
	HeartbeatInterval *ConfigDuration `json:"heartbeat_interval,omitempty"`
	HeartbeatTimeout  *ConfigDuration `json:"heartbeat_timeout,omitempty"`
	BackoffMin        *ConfigDuration `json:"backoff_min,omitempty"`
	BackoffMax        *ConfigDuration `json:"backoff_max,omitempty"`
}

// Options are the flags both programs take.
type Options struct {
	Shape
	ConfigFile string
	SecretFile string
	// AcceptSecretFiles hold other secrets the node accepts, besides its own, while
	// the cluster changes its secret (nettransport.Config.AcceptSecrets).
	AcceptSecretFiles multi
	TLSCert           string
	TLSKey            string
	TLSCA             string
	// Heartbeat is failure detection and redial (--heartbeat-interval,
	// --heartbeat-timeout, --backoff-min, --backoff-max, or the config file's
	// heartbeat_interval, heartbeat_timeout, backoff_min and backoff_max), as
	// Resolve leaves it.
	Heartbeat Heartbeat
	// CredentialLog, if not nil, takes the warnings about the credentials files (a
	// file others may read, a certificate expired or of another CA) in place of the
	// transport's logger: a program that logs only errors by default still shows them.
	CredentialLog *slog.Logger
	peers         string
	ensembles     multi
	order         []router.NodeID // Peers as --peers or the file lists them
	fromFile      map[string]bool // the flags whose value the config file gave
	fileKeys      []string        // the config file's values as read at the start (canonicalKeys), for ConfigChanged
	flagsSet      map[string]bool // the flags given, which override the config file's values
	flagHeartbeat Heartbeat       // Heartbeat as the flags (or their defaults) gave it, before the config file's
	flagsOnly     *Options        // these Options before Resolve: the flags alone, which ConfigChanged resolves again
}

// configKeys are the keys of a config file, in the order ConfigChanged names them.
var configKeys = [...]string{"cluster", "peers", "ensembles", "routers", "semantics",
	"heartbeat_interval", "heartbeat_timeout", "backoff_min", "backoff_max"}

// configKey is the config file's key of flag: "ensembles" for --ensemble, and the
// flag's name with "_" for "-" ("heartbeat_interval" for --heartbeat-interval).
func configKey(flag string) string {
	if flag == "ensemble" {
		return "ensembles"
	}
	return strings.ReplaceAll(flag, "-", "_")
}

// configFlag is the flag of config file key key: configKey's inverse.
func configFlag(key string) string {
	if key == "ensembles" {
		return "ensemble"
	}
	return strings.ReplaceAll(key, "_", "-")
}

// canonicalKeys returns the values of s, a config file as decoded, in the order of
// configKeys, each as canonical JSON (a map's keys sorted), so that two files compare
// equal when they say the same whatever their layout or the order of their keys.
// The heartbeat's are the values in force with the file (heartbeatOf): a timeout
// left out, which follows the interval, says the same as the one it follows
// spelled out.
func (o *Options) canonicalKeys(s *Shape) []string {
	enc := func(v any) string { b, _ := json.Marshal(v); return string(b) }
	// Each as the node takes it, defaults filled in: a file that spells a default
	// out (or leaves one out) says the same.
	c := *s
	if c.Cluster == "" {
		c.Cluster = defaultCluster
	}
	if c.Routers == 0 {
		c.Routers = router.DefaultRouters
	}
	if c.Semantics == "" {
		c.Semantics = defaultSemantics
	}
	c.Ensembles = slices.Clone(c.Ensembles)
	for i, e := range c.Ensembles {
		if e.Leader == "" && len(e.Members) > 0 {
			c.Ensembles[i].Leader = e.Members[0]
		}
	}
	h := o.heartbeatOf(s)
	return []string{enc(c.Cluster), enc(c.Peers), enc(c.Ensembles), enc(c.Routers), enc(c.Semantics),
		enc(h.Interval), enc(h.Timeout), enc(h.BackoffMin), enc(h.BackoffMax)}
}

// The defaults of --cluster and --semantics, which a config file without the key
// leaves in force.
const (
	defaultCluster   = "ensroute"
	defaultSemantics = "default"
)

// ConfigChanged reads the --config file again and says which of its keys now differ
// from what it said when Resolve read it, of those no flag overrides (nil if none, or
// if there is no --config), or why it can no longer be read or is not valid (the file
// resolved again with the flags given, as Resolve did at the start): a running node
// does not apply a changed file, and the next start would take the file as it is now.
// check, if not nil, makes the program's own checks of the start on the file resolved
// again (ensnode's: its --id is one of the peers, say), which Resolve does not know of:
// its error is returned as the start would have given it.
func (o *Options) ConfigChanged(check func(next *Options) error) ([]string, error) {
	if o.ConfigFile == "" || o.fileKeys == nil {
		return nil, nil
	}
	file, _, err := readConfigBytes(o.ConfigFile)
	if err != nil {
		return nil, err
	}
	// A file the next start would refuse (two members at one address, say, or a
	// heartbeat_interval a --heartbeat-timeout flag is not above) is said to be so,
	// not just changed: a restart to apply it would fail. It is resolved as the start
	// resolved it, with the same flags.
	if o.flagsOnly != nil {
		next := *o.flagsOnly
		if err := next.resolve(o.flagsSet); err != nil {
			return nil, err
		}
		if check != nil {
			if err := check(&next); err != nil {
				return nil, err
			}
		}
	}
	var changed []string
	for i, v := range o.canonicalKeys(file) {
		if v != o.fileKeys[i] && !o.flagsSet[configFlag(configKeys[i])] {
			changed = append(changed, configKeys[i])
		}
	}
	return changed, nil
}

// readConfigBytes reads and decodes config file path, and returns its bytes too (for
// the order of its peers and the keys it gives).
func readConfigBytes(path string) (*Shape, []byte, error) {
	var file Shape
	b, err := limitfile.Read(path, maxConfig)
	if err != nil {
		return nil, nil, fmt.Errorf("%w: --config: %w", ErrUsage, err)
	}
	b = strictjson.TrimBOM(b) // peerOrder and checkFile read it too
	if err := strictjson.Decode(b, &file, strictjson.Options{What: "config", Want: configWant}); err != nil {
		return nil, nil, fmt.Errorf("%w: --config %s: %w", ErrUsage, path, err)
	}
	return &file, b, nil
}

// durationWant says how a config file writes a duration, for its errors.
const durationWant = `a duration such as "500ms" or "2s"`

// configWant says how a config file writes the values that read themselves from text.
var configWant = map[reflect.Type]string{reflect.TypeFor[ConfigDuration](): durationWant}

type multi []string

func (m *multi) String() string     { return strings.Join(*m, " ") }
func (m *multi) Set(v string) error { *m = append(*m, v); return nil }

// Register adds the shared flags to fs.
func (o *Options) Register(fs *flag.FlagSet) {
	fs.StringVar(&o.ConfigFile, "config", "", "JSON file with the cluster's shape (cluster, peers, ensembles, routers, semantics) and heartbeat (heartbeat_interval, heartbeat_timeout, backoff_min, backoff_max); flags override it")
	fs.StringVar(&o.Cluster, "cluster", defaultCluster, "cluster name; nodes of other clusters are refused")
	fs.StringVar(&o.peers, "peers", "", "member nodes as id=host:port,... (the same list on every node)")
	fs.Var(&o.ensembles, "ensemble", "an ensemble as id=node,node,... (members; the first leads); repeatable")
	fs.IntVar(&o.Routers, "routers", router.DefaultRouters, "router instances per node (the same on every node)")
	fs.StringVar(&o.Semantics, "semantics", defaultSemantics, "default or riak")
	fs.StringVar(&o.SecretFile, "secret-file", "", "file holding the cluster secret (at least 8 bytes, of at least 3 different values); required")
	fs.Var(&o.AcceptSecretFiles, "accept-secret-file", "file holding another secret to accept from the other side, besides --secret-file's, while the cluster changes its secret; repeatable")
	fs.StringVar(&o.TLSCert, "tls-cert", "", "PEM certificate for TLS (with --tls-key)")
	fs.StringVar(&o.TLSKey, "tls-key", "", "PEM key for TLS")
	fs.StringVar(&o.TLSCA, "tls-ca", "", "PEM CA bundle: verify peers against it (mutual TLS)")
	o.Heartbeat.register(fs)
}

// Resolve reads the config file, if any, then applies the flags that were set on the
// command line over it, and checks the result. Errors wrap ErrUsage and name the flag
// or field. Required settings that are missing are reported first, all in one error:
// missing, the program's own required flags that were not given (named as its usage
// line lists them, which comes first), then --peers (unless the config file gives
// peers) and --secret-file.
func (o *Options) Resolve(fs *flag.FlagSet, missing ...string) error {
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	flags := *o // the flags alone, for ConfigChanged to check the file again with them
	flags.flagsOnly = nil
	err := o.resolve(set, missing...)
	o.flagsOnly = &flags
	return err
}

// resolve is Resolve, set holding the flags given.
func (o *Options) resolve(set map[string]bool, missing ...string) error {
	o.flagsSet = set
	o.flagHeartbeat = o.Heartbeat
	var fileShape *Shape // the config file's, if any, for the heartbeat
	if o.ConfigFile != "" {
		f, b, err := readConfigBytes(o.ConfigFile)
		if err != nil {
			return err
		}
		file := *f
		fileShape = &file
		o.fileKeys = o.canonicalKeys(&file)
		order := peerOrder(b)
		var given map[string]json.RawMessage
		_ = json.Unmarshal(b, &given) // strictjson took it already
		// Every value the file gives is checked, whether or not a flag overrides it
		// and before any required flag is missed: a file with a bad value is a bad
		// file, and the next run without the flag would trip on it.
		if err := o.checkFile(&file, given); err != nil {
			return err
		}
		o.fromFile = map[string]bool{}
		if !set["cluster"] && file.Cluster != "" {
			o.Cluster, o.fromFile["cluster"] = file.Cluster, true
		}
		if !set["routers"] && file.Routers != 0 {
			o.Routers, o.fromFile["routers"] = file.Routers, true
		}
		if !set["semantics"] && file.Semantics != "" {
			o.Semantics, o.fromFile["semantics"] = file.Semantics, true
		}
		if !set["peers"] {
			o.Peers, o.order, o.fromFile["peers"] = file.Peers, order, true
		}
		if !set["ensemble"] {
			// As with --ensemble, the first member leads unless "leader" says.
			o.Shape.Ensembles = file.Ensembles
			for i, e := range o.Shape.Ensembles {
				if e.Leader == "" && len(e.Members) > 0 {
					o.Shape.Ensembles[i].Leader = e.Members[0]
				}
			}
			o.fromFile["ensemble"] = true
		}
		for _, k := range heartbeatKeys(&file) {
			if !set[k.flag] && k.v != nil {
				o.fromFile[k.flag] = true
			}
		}
	}
	if set["peers"] || o.Peers == nil {
		peers, order, err := parsePeers(o.peers)
		if err != nil {
			return err
		}
		if len(peers) > 0 || o.Peers == nil {
			o.Peers, o.order = peers, order
		}
	}
	if set["ensemble"] {
		o.Shape.Ensembles = nil
		for _, s := range o.ensembles {
			e, err := ParseEnsemble(s)
			if err != nil {
				return err
			}
			o.Shape.Ensembles = append(o.Shape.Ensembles, e)
		}
	}
	if len(o.Peers) == 0 {
		if o.ConfigFile == "" {
			missing = append(missing, "--peers (or --config)")
		} else {
			missing = append(missing, fmt.Sprintf("--peers (or peers in --config %s)", o.ConfigFile))
		}
	}
	if o.SecretFile == "" {
		missing = append(missing, "--secret-file")
	}
	if err := required(missing); err != nil {
		return err
	}
	if err := o.check(); err != nil {
		return err
	}
	o.Heartbeat = o.heartbeatOf(fileShape)
	return o.Heartbeat.check(o.name)
}

// checkFile checks the values a config file gives (given holds its keys), each on its
// own: a key given with its zero value or null (which would otherwise mean the
// default, or no peers, unlike the same value given as a flag), a bad cluster name,
// router count, semantics, peer or ensemble. The ensembles are checked here when the
// file gives the peers they name; otherwise check does it, once the flags are
// applied.
func (o *Options) checkFile(file *Shape, given map[string]json.RawMessage) error {
	f := &Options{Shape: *file, ConfigFile: o.ConfigFile, fromFile: map[string]bool{}}
	for _, z := range []struct {
		key, flag string
		zero      bool
		want      string
	}{
		{"cluster", "cluster", file.Cluster == "", "a cluster name"},
		{"routers", "routers", file.Routers == 0, fmt.Sprintf("1..%d", router.MaxRouters)},
		{"semantics", "semantics", file.Semantics == "", "default or riak"},
		{"peers", "peers", file.Peers == nil, "an object of node ids and their host:port"},
		{"ensembles", "ensemble", file.Ensembles == nil, "a list of ensembles"},
		{"heartbeat_interval", "heartbeat-interval", file.HeartbeatInterval == nil, durationWant},
		{"heartbeat_timeout", "heartbeat-timeout", file.HeartbeatTimeout == nil, durationWant},
		{"backoff_min", "backoff-min", file.BackoffMin == nil, durationWant},
		{"backoff_max", "backoff-max", file.BackoffMax == nil, durationWant},
	} {
		raw, ok := given[z.key]
		if !ok {
			continue
		}
		if z.zero {
			return fmt.Errorf("%w: --config %s: %s is %s: want %s (leave the key out for the default)", ErrUsage, o.ConfigFile, z.key, raw, z.want)
		}
		f.fromFile[z.flag] = true
	}
	if err := o.checkLeaderKeys(given["ensembles"]); err != nil {
		return err
	}
	if err := o.checkFileHeartbeat(file); err != nil {
		return err
	}
	if !f.fromFile["cluster"] {
		f.Cluster = defaultCluster // valid: only what the file gives is checked here
	}
	if !f.fromFile["routers"] {
		f.Routers = router.DefaultRouters
	}
	if !f.fromFile["semantics"] {
		f.Semantics = defaultSemantics
	}
	if !f.fromFile["peers"] {
		// Without peers of its own, the file's ensembles name members of --peers:
		// check sees them once the flags are applied.
		f.Shape.Ensembles = nil
	}
	return f.check()
}

// checkLeaderKeys refuses an ensemble of a config file's "ensembles" (raw) whose
// "leader" is given as "" or null, which would otherwise mean the first member, as
// leaving the key out does.
func (o *Options) checkLeaderKeys(raw json.RawMessage) error {
	var ens []map[string]json.RawMessage
	if json.Unmarshal(raw, &ens) != nil {
		return nil // strictjson took it already; a list of ensembles, if given
	}
	for i, e := range ens {
		lead, ok := e["leader"]
		if !ok || (string(lead) != `""` && string(lead) != "null") {
			continue
		}
		var id string
		_ = json.Unmarshal(e["id"], &id)
		if id == "" {
			id = fmt.Sprintf("number %d", i+1)
		}
		return fmt.Errorf("%w: --config %s: ensembles: ensemble %s: leader is %s: want one of its members (leave the key out for the first)", ErrUsage, o.ConfigFile, id, lead)
	}
	return nil
}

// required reports the required flags of missing, if any, in one error.
func required(missing []string) error {
	switch n := len(missing); n {
	case 0:
		return nil
	case 1:
		return fmt.Errorf("%w: %s is required", ErrUsage, missing[0])
	default:
		return fmt.Errorf("%w: %s and %s are required", ErrUsage, strings.Join(missing[:n-1], ", "), missing[n-1])
	}
}

// Setting is how an error names the setting of flag ("peers", say) after Resolve: the
// flag, or the config file and its key when the file gave the value.
func (o *Options) Setting(flag string) string { return o.name(flag) }

// name is how an error names the setting of flag: the flag, or the config file's key
// when the file gave the value.
func (o *Options) name(flag string) string {
	if !o.fromFile[flag] {
		return "--" + flag
	}
	return fmt.Sprintf("--config %s: %s", o.ConfigFile, configKey(flag))
}

func (o *Options) check() error {
	bad := func(format string, args ...any) error {
		return fmt.Errorf("%w: %s", ErrUsage, fmt.Sprintf(format, args...))
	}
	if o.Cluster == "" {
		return bad("%s is empty", o.name("cluster"))
	}
	if len(o.Cluster) > nettransport.MaxName {
		return bad("%s %.20q...: %d bytes, the longest cluster name is %d", o.name("cluster"), o.Cluster, len(o.Cluster), nettransport.MaxName)
	}
	if o.Routers < 1 || o.Routers > router.MaxRouters {
		return bad("%s %d: want 1..%d", o.name("routers"), o.Routers, router.MaxRouters)
	}
	if o.Semantics == "" {
		// ParseSemantics reads "" as default, but the settings a node states would
		// say "", and every node of default would find it configured otherwise.
		return bad("%s is empty: want default or riak", o.name("semantics"))
	}
	if _, err := router.ParseSemantics(o.Semantics); err != nil {
		return bad("%s %q: want default or riak", o.name("semantics"), o.Semantics)
	}
	if (o.TLSCert == "") != (o.TLSKey == "") {
		return bad("--tls-cert and --tls-key go together")
	}
	if o.TLSCA != "" && o.TLSCert == "" {
		return bad("--tls-ca needs --tls-cert and --tls-key")
	}
	if err := checkPeers(o.name("peers"), o.Peers); err != nil {
		return err
	}
	ens := o.name("ensemble")
	seen := map[router.EnsembleID]bool{}
	for _, e := range o.Shape.Ensembles {
		switch {
		case e.ID == "":
			return bad("%s: an ensemble needs an id", ens)
		case len(e.Members) == 0:
			return bad("%s: ensemble %q needs members", ens, e.ID)
		}
		if err := CheckName(ens+": ensemble", string(e.ID)); err != nil {
			return err
		}
		if seen[e.ID] {
			return bad("%s: ensemble %s is listed twice", ens, e.ID)
		}
		seen[e.ID] = true
		lead := false
		members := map[router.NodeID]bool{}
		for _, m := range e.Members {
			if _, ok := o.Peers[m]; !ok {
				return bad("%s: ensemble %s: member %s is not in %s", ens, e.ID, m, o.name("peers"))
			}
			if err := CheckName(ens+": ensemble "+string(e.ID)+": member", string(m)); err != nil {
				return err
			}
			if members[m] {
				return bad("%s: ensemble %s: member %s is listed twice", ens, e.ID, m)
			}
			members[m] = true
			lead = lead || m == e.Leader
		}
		if e.Leader != "" && !lead {
			return bad("%s: ensemble %s: leader %s is not a member", ens, e.ID, e.Leader)
		}
	}
	return nil
}

// Semantic returns the parsed --semantics (Resolve checked it).
func (o *Options) Semantic() router.Semantics {
	s, _ := router.ParseSemantics(o.Semantics)
	return s
}

// Members returns the member node ids, sorted.
func (o *Options) Members() []router.NodeID { return sortedIDs(o.Peers) }

// First returns the first member that --peers, or the config file's "peers" object,
// lists ("" if there is none).
func (o *Options) First() router.NodeID {
	if m := o.Listed(); len(m) > 0 {
		return m[0]
	}
	return ""
}

// Listed returns the members in the order --peers, or the config file's "peers"
// object, lists them (sorted, for Peers a program set rather than Resolve).
func (o *Options) Listed() []router.NodeID {
	if len(o.order) > 0 {
		return o.order
	}
	return o.Members()
}

func sortedIDs(peers map[router.NodeID]string) []router.NodeID {
	out := make([]router.NodeID, 0, len(peers))
	for id := range peers {
		out = append(out, id)
	}
	sort.Slice(out, func(i, j int) bool { return out[i] < out[j] })
	return out
}

// Secret reads the secret file: its content without surrounding white space.
func (o *Options) Secret() ([]byte, error) {
	return readSecret("--secret-file", o.SecretFile)
}

// AcceptSecrets reads the --accept-secret-file files.
func (o *Options) AcceptSecrets() ([][]byte, error) {
	var out [][]byte
	for _, f := range o.AcceptSecretFiles {
		s, err := readSecret("--accept-secret-file", f)
		if err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, nil
}

// The most a config file and a secret file are read: far more than either holds.
const (
	maxConfig = 64 << 20
	maxSecret = 1 << 20
)

// readSecret reads the secret in file, given with flag, without the white space around
// it.
func readSecret(flag, file string) ([]byte, error) {
	b, err := limitfile.Read(file, maxSecret)
	if err != nil {
		return nil, fmt.Errorf("%w: %s: %w", ErrUsage, flag, err)
	}
	s := []byte(strings.TrimSpace(string(b)))
	if len(s) < 8 {
		return nil, fmt.Errorf("%w: %s %s: the secret has %d bytes, want at least 8", ErrUsage, flag, file, len(s))
	}
	if n := distinctBytes(s); n < minDistinct {
		// Never the secret itself, nor any of its bytes, in the error.
		return nil, fmt.Errorf("%w: %s %s: the secret has %d bytes but only %d different ones, want at least %d: "+
			"whoever records a handshake, or is dialed by a node, can guess a secret this plain offline "+
			"(make one with: head -c 32 /dev/urandom | base64)", ErrUsage, flag, file, len(s), n, minDistinct)
	}
	return s, nil
}

// minDistinct is the fewest different byte values a secret file's secret may have: a
// handshake carries an HMAC of the secret over data its recorder sees, against which
// guesses can be tried offline, so a run of one character, a file of NUL bytes or
// two characters repeated (each far weaker than its length says: a placeholder, or
// a file written wrong) is refused. The bound is low so that a random secret is never
// refused by chance (8 random hex digits have fewer than 3 values about once in
// 140,000 draws; 32 random bytes in base64 have about 30): it catches the degenerate,
// and cannot tell a guessable word from random bytes.
const minDistinct = 3

// distinctBytes counts the different byte values in s.
func distinctBytes(s []byte) int {
	var seen [256]bool
	n := 0
	for _, c := range s {
		if !seen[c] {
			seen[c], n = true, n+1
		}
	}
	return n
}

// PeerRef is the member of ensemble e on node n: peers are named after their nodes.
func PeerRef(e router.EnsembleID, n router.NodeID) router.PeerRef {
	return router.PeerRef{Ensemble: e, Name: string(n), Node: n}
}

// Directory is the starting directory: each ensemble's first leader, at version 1.
func (o *Options) Directory() []router.Entry {
	var out []router.Entry
	for _, e := range o.Shape.Ensembles {
		en := router.Entry{Ensemble: e.ID, Version: 1}
		if e.Leader != "" {
			en.Leader = PeerRef(e.ID, e.Leader)
		}
		out = append(out, en)
	}
	return out
}

// ParsePeers parses "id=host:port,id=host:port".
func ParsePeers(s string) (map[router.NodeID]string, error) {
	peers, _, err := parsePeers(s)
	return peers, err
}

// parsePeers is ParsePeers that also returns the ids in the order s lists them.
func parsePeers(s string) (map[router.NodeID]string, []router.NodeID, error) {
	out := map[router.NodeID]string{}
	var order []router.NodeID
	if strings.TrimSpace(s) == "" {
		return out, nil, nil
	}
	for _, item := range strings.Split(s, ",") {
		id, addr, ok := strings.Cut(strings.TrimSpace(item), "=")
		if !ok || id == "" || addr == "" {
			return nil, nil, fmt.Errorf("%w: --peers: %q: want id=host:port", ErrUsage, item)
		}
		if !strings.Contains(addr, ":") {
			return nil, nil, fmt.Errorf("%w: --peers: %s=%s: the address needs a port", ErrUsage, id, addr)
		}
		if _, dup := out[router.NodeID(id)]; dup {
			return nil, nil, fmt.Errorf("%w: --peers: %s is listed twice", ErrUsage, id)
		}
		out[router.NodeID(id)] = addr
		order = append(order, router.NodeID(id))
	}
	return out, order, nil
}

// ParseEnsemble parses "id=node,node,...": the members, the first of which leads.
func ParseEnsemble(s string) (Ensemble, error) {
	id, list, ok := strings.Cut(s, "=")
	if !ok || id == "" || list == "" {
		return Ensemble{}, fmt.Errorf("%w: --ensemble %q: want id=node,node,...", ErrUsage, s)
	}
	e := Ensemble{ID: router.EnsembleID(id)}
	for _, m := range strings.Split(list, ",") {
		if m == "" {
			return Ensemble{}, fmt.Errorf("%w: --ensemble %q: an empty member", ErrUsage, s)
		}
		e.Members = append(e.Members, router.NodeID(m))
	}
	e.Leader = e.Members[0]
	return e, nil
}
