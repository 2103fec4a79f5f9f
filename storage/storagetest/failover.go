package storagetest

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/switchboardkit/switchboard/licensing"
	"github.com/switchboardkit/switchboard/storage"
)

// RunFailover charges one company's ledger from clients of h, a store
// whose DSN lists a primary and its replica (libpq's several hosts with
// target_session_attrs=read-write), while failover stops the primary at
// once and promotes the replica. It proves that the clients resume on the
// new primary without a restart; that meanwhile every failure is
// storage.ErrUnavailable (or a retry budget given up), never another
// answer; that every acknowledged charge survives on the new primary; and
// that a charge whose outcome the client never learnt was committed wholly
// or not at all (sent again with its key, it applies once).
func RunFailover(t *testing.T, h *Harness, failover func(t *testing.T)) {
	ctx := context.Background()
	w := newLicWorld(t, h)
	_, err := w.svc.SetCreditTerms(ctx, w.resellerAdmin, w.company.ID, licensing.CreditTerms{CreditLimit: nullDec("1000000")})
	require.NoError(t, err)
	const clients = 8
	load := startCharges(w, []*Harness{h}, clients)
	time.Sleep(time.Second)
	start := time.Now()
	failover(t)
	promoted := time.Now()
	// Run until the clients have written on the new primary for a second.
	var resumed time.Time
	for deadline := time.Now().Add(60 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		load.mu.Lock()
		for _, a := range load.attempts {
			if a.err == nil && a.at.After(promoted) {
				resumed = a.at
				break
			}
		}
		load.mu.Unlock()
		if !resumed.IsZero() && time.Since(resumed) > time.Second {
			break
		}
	}
	attempts := load.stop()
	require.False(t, resumed.IsZero(), "no charge succeeded within 60s of the promotion")

	counts := map[string]int{}
	for _, a := range attempts {
		switch {
		case a.err == nil:
			counts["ok"]++
		case errors.Is(a.err, storage.ErrUnavailable):
			counts["unavailable"]++
		case errors.Is(a.err, storage.ErrRetryable):
			counts["gave up"]++
		default:
			assert.NoError(t, a.err, "charge %s: every failure during the failover is ErrUnavailable or a given-up retry", a.key)
		}
	}
	t.Logf("%d clients, %d charges: %v; primary stopped and replica promoted in %v; first charge acknowledged by the new primary %v after the old one was stopped",
		clients, len(attempts), counts, promoted.Sub(start).Round(time.Millisecond), resumed.Sub(start).Round(time.Millisecond))
	settleCharges(t, w, attempts, []*Harness{h})
}
