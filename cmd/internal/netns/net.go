package netns

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
)

// prefix starts the name of every namespace this package creates.
const prefix = "ensr"

// Net is one test network. Its methods are safe for concurrent use.
type Net struct {
	tag string // prefix, pid and random tag: unique to this Net
	sw  string // the switch namespace

	mu    sync.Mutex
	hosts []*Host
}

// Host is one namespace of a Net, with one address on the bridge.
type Host struct {
	Name string // as given to AddHost
	NS   string // the namespace's name
	IP   string // its address on the bridge
	link string // the outer veth end, in the switch namespace
}

// Available returns nil if this process can build namespaces, or ErrUnavailable
// saying why not.
func Available() error {
	if os.Geteuid() != 0 {
		return fmt.Errorf("%w: network namespaces need root (running as uid %d)", ErrUnavailable, os.Geteuid())
	}
	if _, err := exec.LookPath("ip"); err != nil {
		return fmt.Errorf("%w: no ip command (install iproute2)", ErrUnavailable)
	}
	return nil
}

// RequireEnv is the environment variable that makes a test needing namespaces fail
// instead of skip where they are not available (Need): CI sets it to "require"
// wherever it can build them, so that they never skip there in silence.
const RequireEnv = "ENSROUTE_NETNS_TEST"

// TB is what Need uses of a *testing.T.
type TB interface {
	Helper()
	Skipf(format string, args ...any)
	Fatalf(format string, args ...any)
}

// Need skips test t when this process cannot build namespaces (Available), or fails
// it when RequireEnv is "require".
func Need(t TB) {
	t.Helper()
	if err := Available(); err != nil {
		if os.Getenv(RequireEnv) == "require" {
			t.Fatalf("%v, and %s=require", err, RequireEnv)
			return
		}
		t.Skipf("skipped: %v", err)
	}
}

// New builds the switch namespace and its bridge, after deleting the namespaces that
// dead runs left behind.
func New() (*Net, error) {
	if err := Available(); err != nil {
		return nil, err
	}
	Sweep()
	var b [3]byte
	_, _ = rand.Read(b[:])
	n := &Net{tag: fmt.Sprintf("%s%d-%s", prefix, os.Getpid(), hex.EncodeToString(b[:]))}
	n.sw = n.tag + "-sw"
	for _, args := range [][]string{
		{"netns", "add", n.sw},
		{"-n", n.sw, "link", "add", "br0", "type", "bridge"},
		{"-n", n.sw, "link", "set", "br0", "up"},
	} {
		if err := ip(args...); err != nil {
			n.Close()
			return nil, fmt.Errorf("%w (%w)", ErrUnavailable, err)
		}
	}
	return n, nil
}

// AddHost adds a namespace named after name, joined to the bridge, with the next
// address of 10.99.0.0/24.
func (n *Net) AddHost(name string) (*Host, error) {
	n.mu.Lock()
	defer n.mu.Unlock()
	i := len(n.hosts) + 1
	if i > 250 {
		return nil, fmt.Errorf("netns: too many hosts")
	}
	h := &Host{Name: name, NS: fmt.Sprintf("%s-%d", n.tag, i), IP: fmt.Sprintf("10.99.0.%d", i), link: fmt.Sprintf("h%d", i)}
	// Both ends of the veth pair are created straight in their namespaces: nothing
	// appears in this process's namespace, even for a moment.
	for _, args := range [][]string{
		{"netns", "add", h.NS},
		{"-n", n.sw, "link", "add", h.link, "type", "veth", "peer", "name", "eth0", "netns", h.NS},
		{"-n", n.sw, "link", "set", h.link, "master", "br0"},
		{"-n", n.sw, "link", "set", h.link, "up"},
		{"-n", h.NS, "addr", "add", h.IP + "/24", "dev", "eth0"},
		{"-n", h.NS, "link", "set", "eth0", "up"},
		{"-n", h.NS, "link", "set", "lo", "up"},
	} {
		if err := ip(args...); err != nil {
			_ = ip("netns", "del", h.NS)
			return nil, err
		}
	}
	n.hosts = append(n.hosts, h)
	return h, nil
}

// Host returns the host called name, or nil.
func (n *Net) Host(name string) *Host {
	n.mu.Lock()
	defer n.mu.Unlock()
	for _, h := range n.hosts {
		if h.Name == name {
			return h
		}
	}
	return nil
}

func (n *Net) host(name string) (*Host, error) {
	if h := n.Host(name); h != nil {
		return h, nil
	}
	return nil, fmt.Errorf("netns: no host %q", name)
}

// Cut takes host name's link down: nothing reaches it or leaves it, silently.
func (n *Net) Cut(name string) error {
	h, err := n.host(name)
	if err != nil {
		return err
	}
	return ip("-n", n.sw, "link", "set", h.link, "down")
}

// Restore brings host name's link up again.
func (n *Net) Restore(name string) error {
	h, err := n.host(name)
	if err != nil {
		return err
	}
	return ip("-n", n.sw, "link", "set", h.link, "up")
}

// Netem adds delay, loss and the like (tc netem arguments, such as "delay", "20ms")
// to what host name sends; no arguments removes them. It returns ErrNoNetem when the
// kernel lacks netem.
func (n *Net) Netem(name string, args ...string) error {
	h, err := n.host(name)
	if err != nil {
		return err
	}
	if len(args) == 0 {
		return tc("-n", h.NS, "qdisc", "del", "dev", "eth0", "root")
	}
	return tc(append([]string{"-n", h.NS, "qdisc", "replace", "dev", "eth0", "root", "netem"}, args...)...)
}

// Wrap is the command prefix that runs a program in host name's namespace.
func (n *Net) Wrap(name string) []string {
	if h := n.Host(name); h != nil {
		return []string{"ip", "netns", "exec", h.NS}
	}
	return nil
}

// Close deletes every namespace of the Net (which deletes their links). It is
// idempotent.
func (n *Net) Close() error {
	n.mu.Lock()
	hosts := n.hosts
	n.hosts = nil
	n.mu.Unlock()
	var first error
	for _, ns := range append(namesOf(hosts), n.sw) {
		if err := ip("netns", "del", ns); err != nil && first == nil && exists(ns) {
			first = err
		}
	}
	return first
}

func namesOf(hosts []*Host) []string {
	var out []string
	for _, h := range hosts {
		out = append(out, h.NS)
	}
	return out
}

func exists(ns string) bool {
	_, err := os.Stat("/run/netns/" + ns)
	return err == nil
}

// Sweep deletes the namespaces of this package whose creating process is gone (a
// run killed before it could clean up).
func Sweep() {
	for _, ns := range List() {
		pid, ok := Owner(ns)
		if !ok {
			continue
		}
		if _, err := os.Stat(fmt.Sprintf("/proc/%d", pid)); err == nil {
			continue // its run is alive (or the pid was reused: left for a later sweep)
		}
		_ = ip("netns", "del", ns)
	}
}

// Owner returns the process id that a namespace name of this package carries: the
// process that created it. ok is false for other names.
func Owner(ns string) (pid int, ok bool) {
	rest, found := strings.CutPrefix(ns, prefix)
	if !found {
		return 0, false
	}
	pidText, _, _ := strings.Cut(rest, "-")
	pid, err := strconv.Atoi(pidText)
	return pid, err == nil && pid > 0
}

// List returns the namespaces of this package that exist now, of any run.
func List() []string {
	entries, _ := os.ReadDir("/run/netns")
	var out []string
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), prefix) {
			out = append(out, e.Name())
		}
	}
	return out
}

func ip(args ...string) error { return command("ip", args...) }

func tc(args ...string) error {
	err := command("tc", args...)
	if err != nil && strings.Contains(err.Error(), "Specified qdisc kind is unknown") {
		return fmt.Errorf("%w: %w", ErrNoNetem, err)
	}
	return err
}

func command(name string, args ...string) error {
	out, err := exec.Command(name, args...).CombinedOutput()
	if err != nil {
		return fmt.Errorf("%w: %s %s: %v: %s", ErrCommand, name, strings.Join(args, " "), err, strings.TrimSpace(string(out)))
	}
	return nil
}
