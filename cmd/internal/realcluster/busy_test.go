package realcluster

import "testing"

// TestBusy: the drain check finds a queue that is not empty, whether a member's, the
// clients' (one unlabelled gauge) or a router mailbox, or one whose value it cannot
// read, and passes one where all are empty.
func TestBusy(t *testing.T) {
	quiet := `# HELP ensroute_send_queue_bytes x
ensroute_router_mailbox_depth{instance="0"} 0
ensroute_send_queue_bytes{peer="n2"} 0
ensroute_clients_send_queue_bytes 0
ensroute_clients_connected 3
`
	if got := Busy(quiet); got != "" {
		t.Fatalf("Busy(quiet) = %q, want none", got)
	}
	for _, line := range []string{`ensroute_router_mailbox_depth{instance="3"} 2`, `ensroute_send_queue_bytes{peer="n3"} 120`,
		`ensroute_clients_send_queue_bytes 64`, `ensroute_send_queue_bytes{peer="n3"} unreadable`} {
		if got := Busy(quiet + line + "\n"); got != line {
			t.Fatalf("Busy = %q, want %q", got, line)
		}
	}
}
