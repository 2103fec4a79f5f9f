package bunstore_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/switchboardkit/switchboard/audit"
	"github.com/switchboardkit/switchboard/storage"
	"github.com/switchboardkit/switchboard/storage/memory"
	"github.com/switchboardkit/switchboard/storage/storagetest"
	"github.com/switchboardkit/switchboard/tenancy"
	"github.com/switchboardkit/switchboard/tenancy/tenancytest"
)

type outboxBackend struct {
	name string
	open func(testing.TB) (storage.Transactor, tenancy.Store, audit.Store, storage.Outbox)
}

var outboxBackends = []outboxBackend{
	{"memory", func(testing.TB) (storage.Transactor, tenancy.Store, audit.Store, storage.Outbox) {
		st := memory.New()
		return st, st.Tenancy(), st.Audit(), st.Outbox()
	}},
	{"postgres", func(tb testing.TB) (storage.Transactor, tenancy.Store, audit.Store, storage.Outbox) {
		st := storagetest.OpenPostgres(tb)
		return st, st.Tenancy(), st.Audit(), st.Outbox()
	}},
}

// BenchmarkOutboxMutation measures an audited mutation (SetDisplayName:
// re-read the actor, authorise, update the company, append the audit event)
// without and with one outbox message written in its transaction: what an
// effect's durability costs.
func BenchmarkOutboxMutation(b *testing.B) {
	type notice struct {
		CompanyID string `json:"company_id"`
		Name      string `json:"name"`
	}
	for _, db := range outboxBackends {
		b.Run(db.name, func(b *testing.B) {
			ctx := context.Background()
			tx, ts, as, box := db.open(b)
			people := tenancy.NewService(tx, ts, audit.NewLog(as), box, tenancytest.Keys(), tenancy.WithPasswordCost(4))
			c, owner, err := people.CreateCompany(ctx, tenancy.Platform("bench"), tenancy.NewCompany{Kind: tenancy.KindRegular,
				LegalName: "Bench", Owner: tenancy.Person{FirstName: "O", LastName: "W", Email: storage.NewID() + "@bench.example"}})
			if err != nil {
				b.Fatal(err)
			}
			by, err := people.ActorFor(ctx, owner.ID, c.ID)
			if err != nil {
				b.Fatal(err)
			}
			for _, withOutbox := range []bool{false, true} {
				name := "without_outbox"
				if withOutbox {
					name = "with_outbox"
				}
				b.Run(name, func(b *testing.B) {
					b.ReportAllocs()
					i := 0
					for b.Loop() {
						i++
						display := fmt.Sprint("Bench ", i)
						err := tx.InTx(ctx, func(ctx context.Context) error {
							if _, err := people.SetDisplayName(ctx, by, c.ID, display); err != nil {
								return err
							}
							if !withOutbox {
								return nil
							}
							_, err := storage.Enqueue(ctx, box, "bench", time.Now(), c.ID, "bench.renamed", notice{c.ID, display})
							return err
						})
						if err != nil {
							b.Fatal(err)
						}
					}
				})
			}
		})
	}
}

// BenchmarkOutboxDispatch measures delivery: 4 dispatchers (as on 4 hosts)
// drain 2 000 due messages of one topic concurrently, each message claimed
// with a lease, handed to a no-op handler and marked delivered. msgs/s is
// the throughput of the four together.
func BenchmarkOutboxDispatch(b *testing.B) {
	const messages, dispatchers, batch = 2000, 4, 100
	type payload struct {
		N int `json:"n"`
	}
	for _, db := range outboxBackends {
		b.Run(db.name, func(b *testing.B) {
			ctx := context.Background()
			tx, _, _, box := db.open(b)
			var delivered int
			var elapsed time.Duration
			b.ReportAllocs()
			for b.Loop() {
				b.StopTimer()
				topic := storage.Topic("bench." + storage.NewID())
				for start := 0; start < messages; start += 500 {
					if err := tx.InTx(ctx, func(ctx context.Context) error {
						for n := range 500 {
							if _, err := storage.Enqueue(ctx, box, "bench", time.Now().Add(-time.Second), "c", topic, payload{start + n}); err != nil {
								return err
							}
						}
						return nil
					}); err != nil {
						b.Fatal(err)
					}
				}
				ds := make([]*storage.Dispatcher, dispatchers)
				var mu sync.Mutex
				for i := range ds {
					ds[i] = storage.NewDispatcher(box, storage.WithBatch(batch))
					storage.Handle(ds[i], topic, func(context.Context, string, payload) error { return nil })
				}
				b.StartTimer()
				t0 := time.Now()
				var wg sync.WaitGroup
				for _, d := range ds {
					wg.Go(func() {
						rep, err := d.Drain(ctx)
						if err != nil {
							b.Error(err)
						}
						mu.Lock()
						delivered += rep.Delivered
						mu.Unlock()
					})
				}
				wg.Wait()
				elapsed += time.Since(t0)
			}
			if delivered != messages*b.N {
				b.Fatalf("delivered %d of %d", delivered, messages*b.N)
			}
			b.ReportMetric(float64(delivered)/elapsed.Seconds(), "msgs/s")
		})
	}
}
