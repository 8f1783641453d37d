package realcluster

import (
	"context"
	"strings"
	"testing"

	"github.com/ensroute/ensroute/router"
	"github.com/ensroute/ensroute/router/driver"
	"github.com/ensroute/ensroute/router/nettransport"
)

// TestLeadRefused: a member that answers the lead other than "ok ..." (it took a
// newer entry meanwhile, and did not take the lead) fails Lead, saying what it
// answered; one that answers ok does not. The member is a peer of the client's own
// node here, which the call reaches without a network.
func TestLeadRefused(t *testing.T) {
	tr, err := nettransport.New(nettransport.Config{ID: "n2", Cluster: "ensroute", Secret: []byte("the-cluster-secret")})
	if err != nil {
		t.Fatal(err)
	}
	defer tr.Close()
	drv, err := driver.New(driver.Config{ID: "n2", Transport: tr})
	if err != nil {
		t.Fatal(err)
	}
	defer drv.Close()
	tr.Attach(drv)
	cl := &Client{Node: drv, Transport: tr}
	ref := router.PeerRef{Ensemble: "e1", Name: "n2", Node: "n2"}
	for _, tc := range []struct{ answer, want string }{
		{"error: not leading: the node took a newer entry meanwhile", "lead e1 on n2: the member did not take the lead: error: not leading"},
		{"ok e1 -> e1/n2@n2 v2", ""},
	} {
		_ = drv.AddPeer(ref, driver.PeerFunc(func(r *driver.Request) { r.Reply([]byte(tc.answer)) }))
		err := cl.Lead(context.Background(), "e1", "n2")
		if tc.want == "" && err != nil || tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)) {
			t.Errorf("a member that answers %q: Lead %v, want %q", tc.answer, err, tc.want)
		}
	}
}
