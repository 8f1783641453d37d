package nettransport_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/ensroute/ensroute/router"
	"github.com/ensroute/ensroute/router/nettransport"
)

// TestConfigValidate: a config that would make a node no other node lets in, or that
// breaks a limit of the protocol, is refused by New with ErrBadConfig and an error
// naming the field and the problem.
func TestConfigValidate(t *testing.T) {
	long := strings.Repeat("x", nettransport.MaxName+1)
	for _, tc := range []struct {
		name string
		edit func(*nettransport.Config)
		want string
	}{
		{name: "id not UTF-8", edit: func(c *nettransport.Config) { c.ID = "n\xff" },
			want: `ID "n\xff" is not valid UTF-8`},
		{name: "peer id not UTF-8", edit: func(c *nettransport.Config) { c.Peers = map[router.NodeID]string{"n2": "h:1", "n\xfe": "h:2"} },
			want: `Peers has an id that is not valid UTF-8 ("n\xfe")`},
		{name: "id too long", edit: func(c *nettransport.Config) { c.ID = router.NodeID(long) },
			want: "ID has 1025 bytes, the longest name is 1024"},
		{name: "cluster too long", edit: func(c *nettransport.Config) { c.Cluster = long },
			want: "Cluster has 1025 bytes, the longest name is 1024"},
		{name: "peer id too long", edit: func(c *nettransport.Config) { c.Peers = map[router.NodeID]string{router.NodeID(long): "h:1"} },
			want: "Peers has an id of 1025 bytes"},
		{name: "empty peer address", edit: func(c *nettransport.Config) { c.Peers = map[router.NodeID]string{"n2": ""} },
			want: `Peers has an empty id or address ("n2"="")`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := nettransport.Config{ID: "n1", Cluster: "test", Secret: secret}
			tc.edit(&cfg)
			_, err := nettransport.New(cfg)
			if !errors.Is(err, nettransport.ErrBadConfig) || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("New: %v; want ErrBadConfig and %q", err, tc.want)
			}
		})
	}
	// Any valid UTF-8 will do, beyond ASCII too.
	tr, err := nettransport.New(nettransport.Config{ID: "nœud-1", Cluster: "test", Secret: secret,
		Peers: map[router.NodeID]string{"nœud-2": "h:1"}})
	if err != nil {
		t.Fatalf("UTF-8 ids: %v", err)
	}
	_ = tr.Close()
}
