package bunstore_test

import (
	"context"
	"testing"

	"github.com/shopspring/decimal"

	"github.com/switchboardkit/switchboard/audit"
	"github.com/switchboardkit/switchboard/licensing"
	"github.com/switchboardkit/switchboard/storage"
	"github.com/switchboardkit/switchboard/storage/memory"
	"github.com/switchboardkit/switchboard/storage/storagetest"
	"github.com/switchboardkit/switchboard/tenancy"
	"github.com/switchboardkit/switchboard/tenancy/tenancytest"
)

// BenchmarkActorUseCase measures a mutation (AssignLicense) and a read
// (Pools) by a company administrator over the real tenancy directory, on
// memory and PostgreSQL: what deciding on the membership re-read in the use
// case's transaction costs, compared run against run with the code before
// it.
func BenchmarkActorUseCase(b *testing.B) {
	type backend struct {
		name string
		open func(testing.TB) (storage.Transactor, tenancy.Store, licensing.Store, audit.Store, storage.Outbox)
	}
	for _, db := range []backend{
		{"memory", func(testing.TB) (storage.Transactor, tenancy.Store, licensing.Store, audit.Store, storage.Outbox) {
			st := memory.New()
			return st, st.Tenancy(), st.Licensing(), st.Audit(), st.Outbox()
		}},
		{"postgres", func(tb testing.TB) (storage.Transactor, tenancy.Store, licensing.Store, audit.Store, storage.Outbox) {
			st := storagetest.OpenPostgres(tb)
			return st, st.Tenancy(), st.Licensing(), st.Audit(), st.Outbox()
		}},
	} {
		b.Run(db.name, func(b *testing.B) {
			ctx := context.Background()
			tx, ts, ls, as, box := db.open(b)
			trail := audit.NewLog(as)
			people := tenancy.NewService(tx, ts, trail, box, tenancytest.Keys(), tenancy.WithPasswordCost(4))
			lic := licensing.NewService(tx, ls, people, trail, box)
			platform := tenancy.Platform("bench")
			c, owner, err := people.CreateCompany(ctx, platform, tenancy.NewCompany{Kind: tenancy.KindRegular,
				LegalName: "Bench", Owner: tenancy.Person{FirstName: "O", LastName: "W", Email: storage.NewID() + "@bench.example"}})
			if err != nil {
				b.Fatal(err)
			}
			admin, err := people.ActorFor(ctx, owner.ID, c.ID)
			if err != nil {
				b.Fatal(err)
			}
			if err := lic.SetAgreement(ctx, platform, c.ID, map[licensing.Item]decimal.Decimal{
				licensing.LicenseItem(licensing.LicensePro): decimal.Zero}); err != nil {
				b.Fatal(err)
			}
			if _, err := lic.PurchaseLicenses(ctx, admin, c.ID, licensing.LicensePurchase{
				Kind: licensing.LicensePro, Quantity: licensing.MaxQuantity, IdempotencyKey: storage.NewID()}); err != nil {
				b.Fatal(err)
			}
			b.Run("read", func(b *testing.B) {
				b.ReportAllocs()
				for b.Loop() {
					if _, err := lic.Pools(ctx, admin, c.ID); err != nil {
						b.Fatal(err)
					}
				}
			})
			b.Run("mutation", func(b *testing.B) {
				users := make([]string, 0, b.N)
				for range b.N {
					emp, err := people.RegisterEmployee(ctx, admin, c.ID, tenancy.NewEmployee{FirstName: "E", LastName: "M",
						Email: storage.NewID() + "@bench.example", Role: tenancy.RoleOperator})
					if err != nil {
						b.Fatal(err)
					}
					users = append(users, emp.UserID)
				}
				b.ReportAllocs()
				b.ResetTimer()
				for i := range b.N {
					if _, err := lic.AssignLicense(ctx, admin, c.ID, users[i], licensing.LicensePro); err != nil {
						b.Fatal(err)
					}
				}
			})
		})
	}
}
