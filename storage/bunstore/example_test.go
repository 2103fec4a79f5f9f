package bunstore_test

import (
	"bytes"
	"context"
	"fmt"
	"log"
	"os"
	"path/filepath"

	"github.com/switchboardkit/switchboard/account"
	"github.com/switchboardkit/switchboard/account/presence"
	"github.com/switchboardkit/switchboard/audit"
	"github.com/switchboardkit/switchboard/compliance"
	"github.com/switchboardkit/switchboard/licensing"
	"github.com/switchboardkit/switchboard/storage"
	"github.com/switchboardkit/switchboard/storage/bunstore"
	"github.com/switchboardkit/switchboard/tenancy"
)

// Example wires every Switchboard service on one store, the way a host
// service does at start-up. The README's "Wiring" section shows the same code.
func Example() {
	ctx := context.Background()
	dir, err := os.MkdirTemp("", "switchboard-example-")
	if err != nil {
		log.Fatal(err)
	}
	defer func() { _ = os.RemoveAll(dir) }() // a temp dir: nothing to report

	store, err := bunstore.Open(ctx, filepath.Join(dir, "switchboard.db")) // or "postgres://…", "root@tcp(host:3306)/db"; see bunstore.ParseDSN
	if err != nil {
		log.Fatal(err)
	}
	defer func() {
		if err := store.Close(); err != nil {
			log.Print(err)
		}
	}()
	if err := store.Migrate(ctx); err != nil {
		log.Fatal(err)
	}

	trail := audit.NewLog(store.Audit())
	box := store.Outbox()                                                 // effects commit with their change
	keys, err := account.NewStaticKeys("k1", bytes.Repeat([]byte{7}, 32)) // a KMS-backed KeyProvider in production
	if err != nil {
		log.Fatal(err)
	}

	// licensing, account and presence are created after tenancy but
	// tenancy's hooks call them, so the hooks close over the variables.
	var (
		credit    *licensing.Service
		settings  *account.Service
		operators *presence.Service
	)
	people := tenancy.NewService(store, store.Tenancy(), trail, box, keys,
		tenancy.WithMemberAddedHook(func(ctx context.Context, by tenancy.Actor, companyID, userID string) error {
			_, err := credit.GrantDefaultPackages(ctx, by, companyID, userID) // new users get the default packages
			return err
		}),
		tenancy.WithMemberRemovedHook(func(ctx context.Context, by tenancy.Actor, companyID, userID string) error {
			// Leavers free their licenses, subscriptions and packages, their
			// organisation options and SMS permissions, and go offline.
			if _, err := credit.ReleaseUser(ctx, by, companyID, userID); err != nil {
				return err
			}
			if _, err := settings.ReleaseUser(ctx, by, companyID, userID); err != nil {
				return err
			}
			_, err := operators.ReleaseUser(ctx, by, companyID, userID)
			return err
		}),
		tenancy.WithMemberDeactivatedHook(func(ctx context.Context, by tenancy.Actor, companyID, userID string) error {
			_, err := operators.ReleaseUser(ctx, by, companyID, userID) // deactivated: seats kept, status offline
			return err
		}),
		tenancy.WithCredentialsChangedHook(func(context.Context, tenancy.CredentialsChange) error {
			return nil // end the user's other sessions: password changed or reset, login changed
		}),
		tenancy.WithPasswordResetLimiter(tenancy.RateLimiterFunc(func(context.Context, string) error { return nil })), // the host's limiter
		tenancy.WithRegistrationLimiter(tenancy.RateLimiterFunc(func(context.Context, string) error { return nil })))
	credit = licensing.NewService(store, store.Licensing(), people, trail, box)
	settings = account.NewService(store, store.Account(), people, trail, keys)
	operators = presence.NewService(store, store.Presence(), people, settings, trail, box) // settings: operators' time zones
	calls := compliance.NewService(store, store.Compliance(), people, trail,
		compliance.WithSuspensions(credit)) // credit: who is suspended

	// The host delivers the effects: one dispatcher, a handler per topic,
	// run from the host's own loop (here: drained once below; in a service,
	// go dispatch.Run(ctx, time.Second) under the host's errgroup).
	dispatch := storage.NewDispatcher(box, storage.WithKeys(keys))
	tenancy.OnCredentials(dispatch, func(ctx context.Context, msgID string, c tenancy.Credentials) error {
		fmt.Println("credentials for", c.Email) // e-mail c.Password; msgID deduplicates a redelivery
		return nil
	})
	tenancy.OnMemberRemoved(dispatch, func(context.Context, string, tenancy.MemberRemoved) error { return nil })         // end its sessions
	tenancy.OnMemberDeactivated(dispatch, func(context.Context, string, tenancy.MemberDeactivated) error { return nil }) // end its sessions
	tenancy.OnEmailChange(dispatch, func(context.Context, string, tenancy.EmailChangeRequest) error { return nil })      // the token, to the new address
	tenancy.OnEmailChangeNotice(dispatch, func(context.Context, string, tenancy.EmailChangeNotice) error { return nil }) // tell the old address
	tenancy.OnPasswordReset(dispatch, func(context.Context, string, tenancy.PasswordReset) error { return nil })         // the token, to the user
	tenancy.OnInvitation(dispatch, func(context.Context, string, tenancy.Invitation) error { return nil })               // a reseller's sign-up token
	licensing.OnReminder(dispatch, func(context.Context, string, licensing.Reminder) error { return nil })               // e-mail the reminder
	licensing.OnSuspension(dispatch, func(context.Context, string, licensing.Suspension) error { return nil })           // stop campaigns
	presence.OnSwitch(dispatch, func(context.Context, string, presence.Switch) error { return nil })                     // tell the operator

	// The platform creates the first company and its owner; everything else
	// is done by the people of that company.
	company, owner, err := people.CreateCompany(ctx, tenancy.Platform("support"), tenancy.NewCompany{
		Kind: tenancy.KindRegular, LegalName: "New ways company",
		Owner: tenancy.Person{FirstName: "Nina", LastName: "Novak", Email: "nina@newways.example"}})
	if err != nil {
		log.Fatal(err)
	}
	nina, _ := people.ActorFor(ctx, owner.ID, company.ID)
	if _, err := calls.SetSettings(ctx, nina, company.ID, true, compliance.FZ230Calls()); err != nil {
		log.Fatal(err)
	}
	d, err := calls.Check(ctx, nina, compliance.Call{CompanyID: company.ID, Phone: "+7 423 222-33-44"})
	if err != nil {
		log.Fatal(err)
	}
	_ = operators
	fmt.Println("subscriber zone:", d.Zones)
	if _, err := dispatch.Drain(ctx); err != nil {
		log.Fatal(err)
	}
	// Output:
	// subscriber zone: [Asia/Vladivostok]
	// credentials for nina@newways.example
}
