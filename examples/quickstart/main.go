// Command quickstart is the guided tour of Switchboard on an embedded SQLite
// file: it opens the store, migrates it, walks through every domain as a
// host service would, then prints the audit trail and verifies its hash
// chains.
//
//	go run ./examples/quickstart              # a fresh database in a temp dir
//	go run ./examples/quickstart -db my.db    # keep the database
//	go run ./examples/quickstart -db 'postgres://…'  # any DSN bunstore.Open accepts
package main

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/switchboardkit/switchboard/account"
	"github.com/switchboardkit/switchboard/audit"
	"github.com/switchboardkit/switchboard/licensing"
	"github.com/switchboardkit/switchboard/storage"
	"github.com/switchboardkit/switchboard/storage/bunstore"
	"github.com/switchboardkit/switchboard/tenancy"
)

// tourEnv is what every part of the tour shares: one store, one audit log.
type tourEnv struct {
	Out       *tourOut
	Store     *bunstore.Store
	Tx        storage.Transactor
	Audit     *audit.Log
	Clock     storage.Clock
	Licensing licensing.Store
	Outbox    storage.Outbox      // every service writes its effects here, in the change's transaction
	Keys      *storage.StaticKeys // seals secrets: account settings, generated passwords in the outbox
	Dispatch  *storage.Dispatcher // the host's delivery of the outbox; each tour adds its handlers
	Credit    *licensing.Service  // left by the licensing tour; compliance asks it who is suspended
	Account   *account.Service    // left by the account tour; licensing books purchases to its cost centres, presence takes time zones from it

	// Left by the tenancy tour for the ones after it: the reseller and its
	// affiliate "New ways company" (CompanyID) with one person per role.
	Tenancy                     *tenancy.Service
	ResellerID, CompanyID       string
	ResellerAdmin, Owner, Admin tenancy.Actor
	Manager, Operator           tenancy.Actor
	NewOperator                 func(context.Context) (tenancy.Actor, error)
	MailedPassword              func(email string) string // what the credentials handler received
}

// deliver runs the host's dispatch loop once: every due outbox message goes
// to its topic's handler (which prints it). A service calls Dispatch from a
// ticker (or Run); the tour calls it after the steps that have effects.
func (env *tourEnv) deliver(ctx context.Context) error {
	_, err := env.Dispatch.Drain(ctx)
	return err
}

// tourOut is the tour's output. It keeps the first write error, which run
// reports when the tour ends, so no line of the tour fails to print silently.
type tourOut struct {
	w   io.Writer
	err error
}

func (o *tourOut) Write(p []byte) (int, error) {
	if o.err != nil {
		return 0, o.err
	}
	n, err := o.w.Write(p)
	if err != nil {
		o.err = err
	}
	return n, err
}

func main() {
	dsn := flag.String("db", "", "database: a SQLite path or a DSN (default: a new SQLite file in a temp dir)")
	flag.Parse()
	if err := run(context.Background(), *dsn); err != nil {
		fmt.Fprintln(os.Stderr, "quickstart:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, dsn string) (err error) {
	out := &tourOut{w: os.Stdout}
	if dsn == "" {
		dir, err := os.MkdirTemp("", "switchboard-quickstart-")
		if err != nil {
			return err
		}
		defer func() { _ = os.RemoveAll(dir) }() // best effort: a leftover temp dir is harmless
		dsn = filepath.Join(dir, "switchboard.db")
	}
	store, err := bunstore.Open(ctx, dsn)
	if err != nil {
		return err
	}
	defer func() {
		if cerr := store.Close(); cerr != nil && err == nil {
			err = cerr
		}
	}()
	if err := store.Migrate(ctx); err != nil {
		return err
	}
	fmt.Fprintf(out, "opened %s and applied migrations\n", store.Dialect())

	clock := storage.SystemClock{}
	// The host supplies the key secrets are sealed with (a KMS in production).
	keys, err := storage.NewStaticKeys("2026-11", bytes.Repeat([]byte{0x42}, 32))
	if err != nil {
		return err
	}
	env := &tourEnv{
		Out:       out,
		Store:     store,
		Tx:        store,
		Audit:     audit.NewLog(store.Audit(), audit.WithClock(clock), audit.WithSigner(auditKey.signer), audit.WithVerifier(auditKey.verifier)),
		Clock:     clock,
		Licensing: store.Licensing(),
		Outbox:    store.Outbox(),
		Keys:      keys,
		Dispatch:  storage.NewDispatcher(store.Outbox(), storage.WithKeys(keys)),
	}
	for _, step := range []struct {
		name string
		run  func(context.Context, *tourEnv) error
	}{
		{"tenancy", tourTenancy},
		{"account settings", tourAccount},
		{"licensing and credit", tourLicensing},
		{"tax identity, packages, cost centres, subscriptions, organisation search", tourLifecycle},
		{"presence and pause budgets", tourPresence},
		{"compliance: may we call now?", tourCompliance},
		{"audit trail", tourAudit},
	} {
		fmt.Fprintf(out, "\n## %s\n", step.name)
		if err := step.run(ctx, env); err != nil {
			return fmt.Errorf("%s: %w", step.name, err)
		}
	}
	if out.err != nil {
		return fmt.Errorf("printing the tour: %w", out.err)
	}
	return nil
}
