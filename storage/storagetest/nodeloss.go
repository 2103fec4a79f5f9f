package storagetest

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/switchboardkit/switchboard/licensing"
	"github.com/switchboardkit/switchboard/storage"
)

// NodeLoss drives a node's death and return for RunNodeLoss: Kill stops
// node i (0-based) at once, Rejoin starts it again and returns once it is
// back in the cluster and synced.
type NodeLoss struct {
	Kill   func(t *testing.T, node int)
	Rejoin func(t *testing.T, node int)
}

// chargeAttempt is one charge a client sent: its idempotency key, the node
// it went to, and how it ended.
type chargeAttempt struct {
	key     string
	node    int
	at      time.Time
	entryID string // when acknowledged
	err     error
}

// RunNodeLoss charges one company's ledger from clients on every node while
// the last node is killed and, later, rejoins. It proves that the clients
// of the surviving nodes keep committing while the node is down; that
// every error is storage.ErrUnavailable (or a retry budget given up, which
// is not an answer); that every acknowledged charge is on every node
// afterwards; that a charge whose outcome the client never learnt was
// wholly committed or not at all (sent again with its idempotency key, it
// is answered from the stored result or applied once); and that the nodes
// end with identical tables.
func RunNodeLoss(t *testing.T, c *Cluster, loss NodeLoss) {
	ctx := context.Background()
	w := newLicWorld(t, c.Nodes[0])
	_, err := w.svc.SetCreditTerms(ctx, w.resellerAdmin, w.company.ID, licensing.CreditTerms{CreditLimit: nullDec("1000000")})
	require.NoError(t, err)
	victim := len(c.Nodes) - 1
	const perNode = 3

	load := startCharges(w, c.Nodes, perNode)
	time.Sleep(time.Second)
	killed := time.Now()
	loss.Kill(t, victim)
	dead := time.Now()
	// The survivors go on once they have evicted the dead node (after the
	// cluster's suspect timeout); until then their commits wait.
	if c.Status != nil {
		for {
			size, err := c.Status(ctx, 0, "wsrep_cluster_size")
			require.NoError(t, err)
			if size == strconv.Itoa(len(c.Nodes)-1) {
				break
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
	evicted := time.Now()
	time.Sleep(2 * time.Second)
	rejoining := time.Now()
	loss.Rejoin(t, victim)
	back := time.Now()
	time.Sleep(time.Second)
	attempts := load.stop()
	t.Logf("node %d killed in %v, evicted by the survivors %v later, rejoined (synced) in %v", victim+1,
		dead.Sub(killed).Round(time.Millisecond), evicted.Sub(dead).Round(time.Millisecond), back.Sub(rejoining).Round(time.Millisecond))

	// Outcomes, per node and per phase.
	okDown, okVictimAfter := 0, 0
	var firstAfterKill time.Time
	counts := map[string]int{}
	for _, a := range attempts {
		down := a.at.After(dead) && a.at.Before(rejoining)
		switch {
		case a.err == nil:
			counts["ok"]++
			if down && a.node != victim {
				okDown++
			}
			if a.node != victim && a.at.After(dead) && (firstAfterKill.IsZero() || a.at.Before(firstAfterKill)) {
				firstAfterKill = a.at
			}
			if a.node == victim && a.at.After(back) {
				okVictimAfter++
			}
		case errors.Is(a.err, storage.ErrUnavailable):
			counts["unavailable"]++
		case errors.Is(a.err, storage.ErrRetryable):
			counts["gave up"]++
		default:
			assert.NoError(t, a.err, "charge %s on node %d: every failure is ErrUnavailable or a given-up retry", a.key, a.node+1)
		}
		if a.err != nil && (a.node != victim || errors.Is(a.err, storage.ErrRetryable)) {
			t.Logf("node %d failed charge %s: %v", a.node+1, a.key, a.err)
		}
	}
	if !firstAfterKill.IsZero() {
		t.Logf("first charge acknowledged by a survivor %v after the kill", firstAfterKill.Sub(dead).Round(time.Millisecond))
	}
	t.Logf("%d charges: %v; acknowledged on the survivors while node %d was down: %d; on node %d after it rejoined: %d",
		len(attempts), counts, victim+1, okDown, victim+1, okVictimAfter)
	assert.Positive(t, okDown, "the surviving nodes keep committing")
	assert.Positive(t, okVictimAfter, "the rejoined node serves again")

	settleCharges(t, w, attempts, c.Causal)
	if c.Checksum != nil {
		for _, table := range []string{"licensing_ledger", "licensing_accounts", "licensing_idempotency", "audit_events", "audit_unsealed"} {
			sums, err := c.Checksum(ctx, table)
			require.NoError(t, err)
			for i := 1; i < len(sums); i++ {
				assert.Equal(t, sums[0], sums[i], "table %s: node %d differs from node 1", table, i+1)
			}
		}
	}
}

// settleCharges sends again, with its idempotency key, every charge whose
// client saw an error: answered from the stored result when it had
// committed, applied now when it had not. Then every store in checks must
// hold each acknowledged charge (the same entry), each key once, and a
// ledger whose running balance is its exact sum: nothing acknowledged lost,
// nothing half-done, nothing doubled.
func settleCharges(t *testing.T, w *licWorld, attempts []chargeAttempt, checks []*Harness) {
	t.Helper()
	ctx := context.Background()
	for _, a := range attempts {
		if a.err == nil {
			continue
		}
		_, err := w.svc.Charge(ctx, w.resellerAdmin, w.company.ID,
			licensing.MoneyInput{Amount: dec("1.00"), Description: a.key, IdempotencyKey: a.key})
		require.NoError(t, err, "charge %s sent again", a.key)
	}

	// Every node holds every acknowledged charge, each key once, and a
	// ledger whose running balance is its exact sum.
	for i, h := range checks {
		wn := w.on(h)
		bal := wn.checkLedger(t)
		byKey := map[string]string{}
		req := storage.PageRequest{Limit: 500}
		for {
			page, err := wn.svc.Ledger(ctx, wn.admin, wn.company.ID, req)
			require.NoError(t, err)
			for _, e := range page.Items {
				require.Empty(t, byKey[e.Description], "node %d: charge %s entered twice", i+1, e.Description)
				byKey[e.Description] = e.ID
			}
			if page.NextCursor == "" {
				break
			}
			req.After = page.NextCursor
		}
		assert.Len(t, byKey, len(attempts), "node %d: one entry per charge sent", i+1)
		assert.True(t, bal.Equal(dec(fmt.Sprint(-len(attempts)))), "node %d: balance %s", i+1, bal)
		lost := 0
		for _, a := range attempts {
			if a.err == nil && byKey[a.key] != a.entryID {
				lost++
			}
		}
		assert.Zero(t, lost, "node %d: acknowledged charges missing", i+1)
	}
}

// chargeLoad is clients charging one ledger in a loop, each charge of 1.00
// under a fresh idempotency key (also its description).
type chargeLoad struct {
	mu       sync.Mutex
	attempts []chargeAttempt
	halt     atomic.Bool
	clients  sync.WaitGroup
}

// startCharges starts perNode clients on each of nodes.
func startCharges(w *licWorld, nodes []*Harness, perNode int) *chargeLoad {
	ctx := context.Background()
	l := &chargeLoad{}
	var seq atomic.Int64
	for n, h := range nodes {
		node := w.on(h)
		for range perNode {
			l.clients.Go(func() {
				for !l.halt.Load() {
					key := fmt.Sprint("k-", seq.Add(1))
					e, err := node.svc.Charge(ctx, node.resellerAdmin, node.company.ID,
						licensing.MoneyInput{Amount: dec("1.00"), Description: key, IdempotencyKey: key})
					l.mu.Lock()
					l.attempts = append(l.attempts, chargeAttempt{key: key, node: n, at: time.Now(), entryID: e.ID, err: err})
					l.mu.Unlock()
					if err != nil {
						time.Sleep(200 * time.Millisecond) // a dead server refuses at once: do not spin (each failed charge is sent again at the end)
					}
				}
			})
		}
	}
	return l
}

// stop stops the clients and returns every attempt, in completion order.
func (l *chargeLoad) stop() []chargeAttempt {
	l.halt.Store(true)
	l.clients.Wait()
	return l.attempts
}
