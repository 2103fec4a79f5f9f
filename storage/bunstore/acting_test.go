package bunstore_test

import (
	"context"
	"errors"
	"testing"

	"github.com/switchboardkit/switchboard/storage"
	"github.com/switchboardkit/switchboard/storage/bunstore"
	"github.com/switchboardkit/switchboard/storage/storagetest"
	"github.com/switchboardkit/switchboard/tenancy"
)

// ScanWithActingMember reads a host's row with the membership its user
// acts through: the one in the company itself first, the reseller's
// otherwise, none for a company the user belongs to neither way.
func TestScanWithActingMember(t *testing.T) {
	for _, b := range []struct {
		name string
		open func(testing.TB) *bunstore.Store
	}{{"SQLite", storagetest.OpenSQLite}, {"Postgres", storagetest.OpenPostgres}, {"MySQL", storagetest.OpenMySQL}} {
		t.Run(b.name, func(t *testing.T) {
			st := b.open(t)
			ctx := context.Background()
			w := storagetest.NewWorld(t, storagetest.OnHarness(storagetest.BunHarness(st)))
			rf := w.Reseller(1)
			aff := rf.Affiliates[0]
			if _, err := st.DB().ExecContext(ctx, "CREATE TABLE acting_hosts (k VARCHAR(64) NOT NULL PRIMARY KEY, user_id VARCHAR(64) NOT NULL)"); err != nil {
				t.Fatal(err)
			}
			for k, u := range map[string]string{"owner": aff.Owner.UserID, "admin": rf.Admin.UserID} {
				if _, err := st.DB().NewRaw("INSERT INTO acting_hosts (k, user_id) VALUES (?, ?)", k, u).Exec(ctx); err != nil {
					t.Fatal(err)
				}
			}
			read := func(k, company string) (string, bunstore.ActingMember, error) {
				var m bunstore.ActingMember
				var user string
				err := st.ScanWithActingMember(ctx, bunstore.HostRow{Table: "acting_hosts", Key: "k", User: "user_id", Columns: []string{"user_id"}},
					k, company, &m, &user)
				return user, m, err
			}
			want := func(k, company string, direct bool, inCompany string, role tenancy.Role, deactivated bool) {
				t.Helper()
				user, m, err := read(k, company)
				if err != nil {
					t.Fatalf("%s in %s: %v", k, company, err)
				}
				mem, ok := m.Member()
				if !ok || m.Direct() != direct || mem.UserID != user || mem.CompanyID != inCompany || mem.Role != role || mem.Deactivated != deactivated {
					t.Fatalf("%s (%s) in %s: %+v found %v direct %v; want in %s as %s, direct %v, deactivated %v",
						k, user, company, mem, ok, m.Direct(), inCompany, role, direct, deactivated)
				}
			}
			none := func(k, company string) {
				t.Helper()
				if _, m, err := read(k, company); err != nil {
					t.Fatal(err)
				} else if mem, ok := m.Member(); ok || m.Direct() {
					t.Fatalf("%s in %s: %+v, want no membership", k, company, mem)
				}
			}
			want("owner", aff.ID, true, aff.ID, tenancy.RoleOwner, false)
			want("admin", aff.ID, false, rf.ID, tenancy.RoleResellerAdmin, false) // through the reseller
			want("admin", rf.ID, true, rf.ID, tenancy.RoleResellerAdmin, false)
			none("owner", rf.ID) // an affiliate's people do not act in the reseller
			none("owner", "no-such-company")

			// A membership in the company itself comes first, deactivated or not.
			if _, err := w.People.AddMember(ctx, aff.Owner, aff.ID, w.Email(rf.Admin.UserID), tenancy.MemberChange{Role: tenancy.RoleOperator}); err != nil {
				t.Fatal(err)
			}
			want("admin", aff.ID, true, aff.ID, tenancy.RoleOperator, false)
			if err := w.People.DeactivateMember(ctx, aff.Owner, aff.ID, rf.Admin.UserID); err != nil {
				t.Fatal(err)
			}
			want("admin", aff.ID, true, aff.ID, tenancy.RoleOperator, true)
			_, m, _ := read("admin", aff.ID)
			if mem, _ := m.Member(); !errors.Is(func() error { _, err := mem.Actor(); return err }(), storage.ErrForbidden) {
				t.Fatal("a deactivated membership builds an Actor")
			}
			if _, _, err := read("nobody", aff.ID); !errors.Is(err, storage.ErrNotFound) {
				t.Fatalf("unknown row: %v", err)
			}
			// Several reads on the same connections: prepared once, run again.
			for range 3 {
				want("owner", aff.ID, true, aff.ID, tenancy.RoleOwner, false)
			}
			// Inside a transaction of the store, the read is the transaction's.
			if err := st.InTx(ctx, func(ctx context.Context) error {
				var m bunstore.ActingMember
				var user string
				if err := st.ScanWithActingMember(ctx, bunstore.HostRow{Table: "acting_hosts", Key: "k", User: "user_id", Columns: []string{"user_id"}},
					"owner", aff.ID, &m, &user); err != nil {
					return err
				}
				if mem, ok := m.Member(); !ok || !m.Direct() || mem.Role != tenancy.RoleOwner || user != aff.Owner.UserID {
					t.Errorf("in a transaction: %+v %v %s", mem, ok, user)
				}
				return nil
			}); err != nil {
				t.Fatal(err)
			}
			var user string
			if err := st.ScanWithActingMember(ctx, bunstore.HostRow{Table: "acting_hosts; DROP TABLE x", Key: "k", User: "user_id", Columns: []string{"user_id"}},
				"owner", aff.ID, &m, &user); !errors.Is(err, storage.ErrInvalid) {
				t.Fatalf("a table name that is not an identifier: %v", err)
			}
			if err := st.ScanWithActingMember(ctx, bunstore.HostRow{Table: "acting_hosts", Key: "k", User: "user_id", Columns: []string{"user_id"}},
				"owner", aff.ID, &m); !errors.Is(err, storage.ErrInvalid) {
				t.Fatalf("fewer destinations than columns: %v", err)
			}
		})
	}
}
