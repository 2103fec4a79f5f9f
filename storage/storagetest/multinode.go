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

	"github.com/switchboardkit/switchboard/audit"
	"github.com/switchboardkit/switchboard/compliance"
	"github.com/switchboardkit/switchboard/licensing"
	"github.com/switchboardkit/switchboard/storage"
	"github.com/switchboardkit/switchboard/tenancy"
)

// RunMultiNode runs the use cases that keep a limit with clients on every
// node of a multi-primary cluster at once (c.Nodes, one database). On
// Galera a row lock is local to its node: what keeps a limit across nodes
// is that every use case gated by one writes one shared row (the license
// pool, the credit account, the subscriber's lock row, the log head), so
// two transactions on two nodes that both passed the check conflict at
// commit (certification, error 1213) and one runs again under InTx. The
// checks after the load read through c.Causal.
func RunMultiNode(t *testing.T, c *Cluster) {
	t.Run("seats: a pool of 10, 90 assignments from every node", func(t *testing.T) { multiSeats(t, c) })
	t.Run("credit: 60 charges from every node never pass the limit", func(t *testing.T) { multiCredit(t, c) })
	t.Run("reservations: 20 subscribers × 12 attempts keep the daily cap of 2", func(t *testing.T) { multiReservations(t, c) })
	t.Run("audit: writers and sealers on every node keep one log", func(t *testing.T) { multiAudit(t, c) })
	t.Run("a removal on one node races an assignment on another", func(t *testing.T) { multiRemoveRacesAssign(t, c) })
	t.Run("outbox: two dispatchers per node deliver each of 500 messages once", func(t *testing.T) { multiOutbox(t, c) })
	t.Run("registration: one e-mail registered from every node at once is one user", func(t *testing.T) { multiRegistration(t, c) })
	t.Run("presence: ApplyDue from a host on every node applies each switch once", func(t *testing.T) {
		defer conflicts(t, c)()
		presenceApplyDueOn(t, c.Nodes, c.Causal[0])
	})
	t.Run("a demotion on one node, then the old actor's write on another", func(t *testing.T) { multiDemotedActor(t, c) })
}

// conflicts returns a function logging how many transactions the cluster's
// certification sent back (wsrep_local_cert_failures, plus the local
// transactions aborted by a replicated one, wsrep_local_bf_aborts) since
// conflicts was called: the retries that kept the limits.
func conflicts(t *testing.T, c *Cluster) func() {
	ctx := context.Background()
	read := func() int64 {
		if c.Status == nil {
			return 0
		}
		var sum int64
		for i := range c.Causal {
			for _, name := range []string{"wsrep_local_cert_failures", "wsrep_local_bf_aborts"} {
				v, err := c.Status(ctx, i, name)
				require.NoError(t, err)
				n, err := strconv.ParseInt(v, 10, 64)
				require.NoError(t, err, "%s = %q", name, v)
				sum += n
			}
		}
		return sum
	}
	before := read()
	return func() { t.Logf("certification conflicts and brute-force aborts on the cluster: %d", read()-before) }
}

// tally counts the outcomes of concurrent use cases: done, refused by the
// limit, given up after the retry budget (storage.ErrConflict wrapping
// ErrRetryable), and anything else (a failure of the test).
type tally struct {
	ok, refused, gaveUp atomic.Int64
	mu                  sync.Mutex
	other               []error
}

func (n *tally) add(err error, refusedKind error) {
	switch {
	case err == nil:
		n.ok.Add(1)
	case refusedKind != nil && errors.Is(err, refusedKind):
		n.refused.Add(1)
	case errors.Is(err, storage.ErrRetryable):
		n.gaveUp.Add(1)
	default:
		n.mu.Lock()
		n.other = append(n.other, err)
		n.mu.Unlock()
	}
}

func (n *tally) check(t *testing.T) {
	t.Helper()
	for _, err := range n.other {
		assert.NoError(t, err)
	}
}

func (n *tally) String() string {
	return fmt.Sprintf("ok %d, refused %d, gave up %d, other errors %d", n.ok.Load(), n.refused.Load(), n.gaveUp.Load(), len(n.other))
}

// licOn is w's licensing service over another node's harness; the
// directory (who is a member) is shared.
func (w *licWorld) on(h *Harness) *licWorld {
	o := *w
	o.h = h
	o.log = audit.NewLog(h.Audit)
	o.svc = licensing.NewService(h.Tx, h.Licensing, w.dir, o.log, h.Outbox)
	return &o
}

func multiSeats(t *testing.T, c *Cluster) {
	defer conflicts(t, c)()
	ctx := context.Background()
	w := newLicWorld(t, c.Nodes[0])
	w.buy(t, licensing.LicensePro, 10)
	const n = 90
	var res tally
	var wg sync.WaitGroup
	for i := range n {
		node := w.on(c.Nodes[i%len(c.Nodes)])
		user := w.user()
		wg.Go(func() {
			_, err := node.svc.AssignLicense(ctx, node.admin, node.company.ID, user, licensing.LicensePro)
			res.add(err, storage.ErrLimitExceeded)
		})
	}
	wg.Wait()
	t.Logf("%d assignments over %d nodes: %s", n, len(c.Nodes), &res)
	res.check(t)
	assert.EqualValues(t, 10, res.ok.Load(), "exactly the pool's 10 seats are assigned")
	for i, h := range c.Causal {
		wn := w.on(h)
		pool := wn.pool(t, licensing.LicensePro)
		assert.Equal(t, [2]int{10, 10}, [2]int{pool.Bought, pool.Assigned}, "node %d", i+1)
		page, err := wn.svc.Assignments(ctx, wn.admin, wn.company.ID, storage.PageRequest{Limit: 100})
		require.NoError(t, err)
		assert.Len(t, page.Items, 10, "node %d holds 10 assignments", i+1)
		assert.Len(t, wn.events(t, "licensing.license.assign"), 10, "node %d: one audit event per assignment", i+1)
	}
}

func multiCredit(t *testing.T, c *Cluster) {
	defer conflicts(t, c)()
	ctx := context.Background()
	w := newLicWorld(t, c.Nodes[0])
	_, err := w.svc.SetCreditTerms(ctx, w.resellerAdmin, w.company.ID, licensing.CreditTerms{CreditLimit: nullDec("100")})
	require.NoError(t, err)
	const n = 60
	var res tally
	var wg sync.WaitGroup
	for i := range n {
		node := w.on(c.Nodes[i%len(c.Nodes)])
		wg.Go(func() {
			_, err := node.svc.Charge(ctx, node.resellerAdmin, node.company.ID,
				licensing.MoneyInput{Amount: dec("7.00"), IdempotencyKey: fmt.Sprint("c-", i)})
			res.add(err, storage.ErrLimitExceeded)
		})
	}
	wg.Wait()
	t.Logf("%d charges of 7 under a limit of 100 over %d nodes: %s", n, len(c.Nodes), &res)
	res.check(t)
	assert.EqualValues(t, 14, res.ok.Load(), "floor(100 / 7) charges fit")
	for i, h := range c.Causal {
		bal := w.on(h).checkLedger(t)
		assert.True(t, bal.Equal(dec("-98")), "node %d: balance %s", i+1, bal)
	}
}

func multiReservations(t *testing.T, c *Cluster) {
	defer conflicts(t, c)()
	ctx := context.Background()
	e := newComplianceEnv(t, c.Nodes[0], allDay(2, 10))
	svcs := make([]*compliance.Service, len(c.Nodes))
	for i, h := range c.Nodes {
		svcs[i] = compliance.NewService(h.Tx, h.Compliance, e.dir, audit.NewLog(h.Audit, audit.WithClock(e.clock)),
			compliance.WithClock(e.clock), compliance.WithReservationTTL(5*time.Minute))
	}
	const subscribers, attempts = 20, 12
	phone := func(s int) string { return fmt.Sprintf("+749500%05d", s) }
	var res tally
	var mu sync.Mutex
	granted := map[string]int{}
	var wg sync.WaitGroup
	for s := range subscribers {
		for a := range attempts {
			svc := svcs[(s+a)%len(svcs)]
			wg.Go(func() {
				call := compliance.Call{CompanyID: e.company.ID, Phone: phone(s), Zone: "Europe/Moscow"}
				_, d, err := svc.Reserve(ctx, e.dialer, call)
				if err == nil && !d.Allowed {
					err = storage.LimitExceeded("reserve", "refused")
				}
				res.add(err, storage.ErrLimitExceeded)
				if err == nil {
					mu.Lock()
					granted[call.Phone]++
					mu.Unlock()
				}
			})
		}
	}
	wg.Wait()
	t.Logf("%d reservations (%d subscribers × %d) over %d nodes: %s", subscribers*attempts, subscribers, attempts, len(c.Nodes), &res)
	res.check(t)
	assert.EqualValues(t, 2*subscribers, res.ok.Load(), "every subscriber gets exactly its 2 calls")
	for s := range subscribers {
		assert.Equal(t, 2, granted[phone(s)], "subscriber %s", phone(s))
		for i, h := range c.Causal {
			hist, err := h.Compliance.History(ctx, e.company.ID, phone(s), time.Time{})
			require.NoError(t, err)
			assert.Len(t, hist, 2, "node %d: %s has 2 reservations", i+1, phone(s))
		}
	}
}

func multiAudit(t *testing.T, c *Cluster) {
	defer conflicts(t, c)()
	ctx := context.Background()
	all := audit.Scope{All: true}
	company := storage.NewID()
	const perNode = 20
	n := perNode * len(c.Nodes)
	var writers, sealers sync.WaitGroup
	var writing atomic.Bool
	writing.Store(true)
	var res, seals tally
	ids := make(chan string, n)
	for i := range n {
		h := c.Nodes[i%len(c.Nodes)]
		log := audit.NewLog(h.Audit)
		writers.Go(func() {
			var id string
			err := h.Tx.InTx(ctx, func(ctx context.Context) error {
				ev, err := log.Record(ctx, audit.Entry{Actor: testActor, CompanyID: company, Action: "x.update",
					EntityType: "x", EntityID: fmt.Sprint(i)})
				if err == nil {
					id = ev.ID // the last attempt's, the one committed
				}
				return err
			})
			res.add(err, nil)
			if err == nil {
				ids <- id
			}
		})
	}
	for _, h := range c.Nodes {
		log := audit.NewLog(h.Audit, audit.WithSealBatch(7))
		sealers.Go(func() {
			for writing.Load() {
				_, err := log.Seal(ctx, h.Tx, company)
				seals.add(err, nil)
			}
		})
	}
	writers.Wait()
	writing.Store(false)
	sealers.Wait()
	close(ids)
	t.Logf("%d events written over %d nodes: %s; seals from every node: %s", n, len(c.Nodes), &res, &seals)
	res.check(t)
	seals.check(t)
	require.EqualValues(t, n, res.ok.Load())
	_, err := audit.NewLog(c.Nodes[0].Audit).Seal(ctx, c.Nodes[0].Tx, company)
	require.NoError(t, err)
	for i, h := range c.Causal {
		log := audit.NewLog(h.Audit)
		v, err := log.Verify(ctx, all, company)
		require.NoError(t, err)
		assert.True(t, v.OK, "node %d: verification %+v", i+1, v)
		assert.EqualValues(t, n, v.Checked, "node %d", i+1)
		assert.EqualValues(t, n, v.Size, "node %d", i+1)
	}
	log := audit.NewLog(c.Causal[0].Audit)
	seqs := map[int64]string{}
	for id := range ids {
		e := mustGet(t, log, all, id)
		require.True(t, e.Sealed(), "event %s left unsealed", id)
		require.Empty(t, seqs[e.Seq], "seq %d given twice", e.Seq)
		seqs[e.Seq] = id
	}
	assert.Len(t, seqs, n)
}

// multiRemoveRacesAssign is integrityRemoveRacesAssign with the removal on
// node 1 and the assignment on node 2. LockMember's company row lock is
// local to a node; what orders the two across nodes is that both write a
// row of the membership (the removal deletes it, the assignment re-reads
// it and writes the license pool the removal's release also writes).
func multiRemoveRacesAssign(t *testing.T, c *Cluster) {
	defer conflicts(t, c)()
	e := newIntegrityEnv(t, c.Nodes[0])
	ctx := context.Background()
	h2 := c.Nodes[1]
	trail2 := audit.NewLog(h2.Audit)
	people2 := tenancy.NewService(h2.Tx, h2.Tenancy, trail2, h2.Outbox, TestKeys, tenancy.WithPasswordCost(4))
	lic2 := licensing.NewService(h2.Tx, h2.Licensing, people2, trail2, h2.Outbox)
	var removed []string
	var assigned, refused, gaveUp int
	for range integrityRounds {
		u := e.member(t, tenancy.RoleOperator)
		var wg sync.WaitGroup
		var assignErr, removeErr error
		wg.Go(func() { _, assignErr = lic2.AssignLicense(ctx, e.owner, e.c.ID, u.UserID, licensing.LicensePro) })
		wg.Go(func() { removeErr = e.people.RemoveMember(ctx, e.owner, e.c.ID, u.UserID) })
		wg.Wait()
		require.NoError(t, removeErr)
		switch {
		case assignErr == nil:
			assigned++
		case errors.Is(assignErr, storage.ErrRetryable):
			gaveUp++
		default:
			require.ErrorIs(t, assignErr, storage.ErrInvalid, "the loser sees no member")
			refused++
		}
		removed = append(removed, u.UserID)
	}
	check := *e
	check.lic = licensing.NewService(c.Causal[0].Tx, c.Causal[0].Licensing, e.people, audit.NewLog(c.Causal[0].Audit), c.Causal[0].Outbox)
	held := check.holders(t)
	leftovers := 0
	for _, u := range removed {
		if held[u] {
			leftovers++
		}
	}
	t.Logf("rounds: %d (assignment first: %d, removal first: %d, gave up: %d), leftovers: %d", integrityRounds, assigned, refused, gaveUp, leftovers)
	assert.Zero(t, leftovers, "no removed user holds a license")
}

// multiOutbox enqueues through node 1 and drains with dispatchers on every
// node: a claim is a write of the message row, so two nodes claiming one
// message conflict at commit and the loser's claim runs again without it.
func multiOutbox(t *testing.T, c *Cluster) {
	defer conflicts(t, c)()
	const messages, perNode = 500, 2
	ctx := context.Background()
	topic := testTopic()
	now := storage.Timestamp(time.Now())
	var ids []string
	for range messages / 250 {
		ids = append(ids, enqueue(t, c.Nodes[0], topic, now, 250)...)
	}
	var mu sync.Mutex
	seen := map[string]int{}
	var wg sync.WaitGroup
	var res tally
	for _, h := range c.Nodes {
		for range perNode {
			d := storage.NewDispatcher(h.Outbox, storage.WithBatch(25))
			storage.Handle(d, topic, func(_ context.Context, id string, _ testPayload) error {
				mu.Lock()
				seen[id]++
				mu.Unlock()
				return nil
			})
			wg.Go(func() {
				_, err := d.Drain(ctx)
				res.add(err, nil)
			})
		}
	}
	wg.Wait()
	t.Logf("%d messages, %d dispatchers over %d nodes: drains %s", messages, perNode*len(c.Nodes), len(c.Nodes), &res)
	res.check(t)
	require.Len(t, seen, messages, "no message lost")
	twice := 0
	for _, id := range ids {
		if seen[id] != 1 {
			twice++
		}
	}
	assert.Zero(t, twice, "messages delivered more than once")
}

// multiRegistration registers one e-mail in two companies from clients on
// every node at once: the unique login index is certified cluster-wide, so
// exactly one registration commits and the others are storage.ErrConflict.
func multiRegistration(t *testing.T, c *Cluster) {
	defer conflicts(t, c)()
	ctx := context.Background()
	e := newTenancyEnv(c.Nodes[0])
	r, _ := e.newReseller(t)
	w1, w2 := e.newAffiliate(t, r), e.newAffiliate(t, r)
	svcs := make([]*tenancy.Service, len(c.Nodes))
	for i, h := range c.Nodes {
		svcs[i] = tenancy.NewService(h.Tx, h.Tenancy, audit.NewLog(h.Audit), h.Outbox, TestKeys, tenancy.WithPasswordCost(4))
	}
	email := uniqueEmail("race")
	const n = 30
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			by, company := w1.admin, w1.c.ID
			if i%2 == 1 {
				by, company = w2.admin, w2.c.ID
			}
			_, errs[i] = svcs[i%len(svcs)].RegisterEmployee(ctx, by, company,
				tenancy.NewEmployee{FirstName: "R", LastName: "C", Email: email, Role: tenancy.RoleOperator})
		})
	}
	wg.Wait()
	var res tally
	for _, err := range errs {
		if err != nil && !errors.Is(err, storage.ErrRetryable) && errors.Is(err, storage.ErrConflict) {
			res.refused.Add(1)
			continue
		}
		res.add(err, nil)
	}
	t.Logf("%d registrations of one e-mail over %d nodes: %s (refused: already registered)", n, len(c.Nodes), &res)
	res.check(t)
	require.EqualValues(t, 1, res.ok.Load(), "exactly one registration succeeds")
	for i, h := range c.Causal {
		u, err := h.Tenancy.UserByEmail(ctx, email)
		require.NoError(t, err, "node %d", i+1)
		ms, err := h.Tenancy.Memberships(ctx, u.ID)
		require.NoError(t, err)
		assert.Len(t, ms, 1, "node %d: one membership", i+1)
	}
}

// multiDemotedActor demotes an administrator through node 1 and, once the
// demotion has returned, has the old Actor assign a license through node 2.
// Node 2 applies node 1's commit a moment later, and the assignment writes
// no row the demotion wrote, so certification does not order the two: a
// node read without causality checks may authorise the write on the role
// it still holds. With wsrep_sync_wait=1 (c.Causal) the check waits for
// the demotion and refuses. The test counts the first and requires none of
// the second.
func multiDemotedActor(t *testing.T, c *Cluster) {
	defer conflicts(t, c)()
	e := newIntegrityEnv(t, c.Nodes[0])
	ctx := context.Background()
	on := func(h *Harness) *licensing.Service {
		people := tenancy.NewService(h.Tx, h.Tenancy, audit.NewLog(h.Audit), h.Outbox, TestKeys, tenancy.WithPasswordCost(4))
		return licensing.NewService(h.Tx, h.Licensing, people, audit.NewLog(h.Audit), h.Outbox)
	}
	plain, causal := on(c.Nodes[1]), on(c.Causal[1])
	const rounds = 20
	accepted := map[string]int{}
	for _, cfg := range []struct {
		name string
		lic  *licensing.Service
	}{{"without wsrep_sync_wait", plain}, {"with wsrep_sync_wait=1", causal}} {
		for range rounds {
			admin := e.member(t, tenancy.RoleAdministrator)
			target := e.member(t, tenancy.RoleOperator)
			_, err := e.people.UpdateMember(ctx, e.owner, e.c.ID, admin.UserID, tenancy.MemberChange{Role: tenancy.RoleOperator})
			require.NoError(t, err)
			_, err = cfg.lic.AssignLicense(ctx, admin, e.c.ID, target.UserID, licensing.LicensePro)
			var ve *storage.ValidationError
			switch {
			case err == nil:
				accepted[cfg.name]++
			case errors.Is(err, storage.ErrForbidden), errors.Is(err, storage.ErrNotFound):
			case cfg.lic == plain && errors.As(err, &ve):
				// Without causal reads the other node may not have the
				// target's membership yet either: a stale read, refused.
			default:
				require.NoError(t, err)
			}
		}
	}
	t.Logf("%d rounds each: writes by a just-demoted actor on the other node accepted: %v", rounds, accepted)
	assert.Zero(t, accepted["with wsrep_sync_wait=1"], "causal reads see the demotion")
}
