package bunstore_test

import (
	"context"
	"fmt"
	"runtime"
	"sync/atomic"
	"testing"

	"github.com/shopspring/decimal"

	"github.com/switchboardkit/switchboard/audit"
	"github.com/switchboardkit/switchboard/licensing"
	"github.com/switchboardkit/switchboard/storage"
	"github.com/switchboardkit/switchboard/storage/bunstore"
	"github.com/switchboardkit/switchboard/storage/storagetest"
	"github.com/switchboardkit/switchboard/tenancy"
	"github.com/switchboardkit/switchboard/tenancy/tenancytest"
)

// benchAssign measures licensing.Service.AssignLicense — authorise, member
// check, the conditional pool update, the assignment insert and the audit
// event, in one transaction — with 32 concurrent workers. With companies ==
// 1 every worker draws from one pool (the contended case: each assignment
// updates the same pool row and the same audit chain head, so they queue);
// with companies == 32 each worker has its own company.
func benchAssign(b *testing.B, st *bunstore.Store, companies int) {
	ctx := context.Background()
	dir := tenancytest.NewDirectory()
	svc := licensing.NewService(st, st.Licensing(), dir, audit.NewLog(st.Audit()), st.Outbox())
	platform := tenancy.Platform("bench")
	type tenant struct {
		ref   tenancy.CompanyRef
		admin tenancy.Actor
	}
	tenants := make([]tenant, companies)
	for i := range tenants {
		c := dir.AddCompany(tenancy.CompanyRef{})
		tenants[i] = tenant{c, dir.AddMember(c, tenancy.RoleAdministrator, "")}
		if err := svc.SetAgreement(ctx, platform, c.ID, map[licensing.Item]decimal.Decimal{
			licensing.LicenseItem(licensing.LicensePro): decimal.Zero}); err != nil {
			b.Fatal(err)
		}
		if _, err := svc.PurchaseLicenses(ctx, tenants[i].admin, c.ID, licensing.LicensePurchase{
			Kind: licensing.LicensePro, Quantity: licensing.MaxQuantity, IdempotencyKey: storage.NewID()}); err != nil {
			b.Fatal(err)
		}
	}
	var next atomic.Int64
	b.SetParallelism(max(1, 32/runtime.GOMAXPROCS(0)))
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		tn := tenants[int(next.Add(1)-1)%companies]
		for pb.Next() {
			user := dir.AddMember(tn.ref, tenancy.RoleOperator, "").UserID
			if _, err := svc.AssignLicense(ctx, tn.admin, tn.ref.ID, user, licensing.LicensePro); err != nil {
				b.Error(err)
				return
			}
		}
	})
	b.StopTimer()
	for _, tn := range tenants {
		pools, err := svc.Pools(ctx, tn.admin, tn.ref.ID)
		if err != nil {
			b.Fatal(err)
		}
		if pools[0].Assigned > pools[0].Bought {
			b.Fatalf("over-assigned: %+v", pools[0])
		}
	}
}

func BenchmarkLicenseAssign(b *testing.B) {
	for _, db := range []struct {
		name string
		open func(testing.TB) *bunstore.Store
	}{{"sqlite", storagetest.OpenSQLite}, {"postgres", storagetest.OpenPostgres}, {"mysql", storagetest.OpenMySQL}} {
		for _, companies := range []int{1, 32} {
			b.Run(fmt.Sprintf("%s/companies=%d", db.name, companies), func(b *testing.B) {
				benchAssign(b, db.open(b), companies)
			})
		}
	}
}
