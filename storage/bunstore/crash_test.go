package bunstore_test

import (
	"bufio"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/switchboardkit/switchboard/audit"
	"github.com/switchboardkit/switchboard/storage"
	"github.com/switchboardkit/switchboard/storage/bunstore"
	"github.com/switchboardkit/switchboard/storage/storagetest"
	"github.com/switchboardkit/switchboard/tenancy"
	"github.com/switchboardkit/switchboard/tenancy/tenancytest"
)

// The crash child's instructions, in its environment.
const (
	crashDialect = "SWITCHBOARD_CRASH_DIALECT"
	crashDSN     = "SWITCHBOARD_CRASH_DSN"
	crashCompany = "SWITCHBOARD_CRASH_COMPANY"
	crashAdmin   = "SWITCHBOARD_CRASH_ADMIN"
	crashEmail   = "SWITCHBOARD_CRASH_EMAIL"
)

// TestCrashAfterCommit: a process registers an employee and is killed
// (SIGKILL) after the registration commits and before it dispatches
// anything. The new employee's password is not lost: another process
// dispatches the outbox and the handler receives exactly one Credentials
// for that user, with a password that logs in.
func TestCrashAfterCommit(t *testing.T) {
	for _, db := range []struct {
		name string
		open func(t *testing.T) (*bunstore.Store, string)
	}{
		{"sqlite", func(t *testing.T) (*bunstore.Store, string) {
			path := filepath.Join(t.TempDir(), "crash.db")
			st, err := bunstore.OpenSQLite(context.Background(), path)
			require.NoError(t, err)
			require.NoError(t, st.Migrate(context.Background()))
			t.Cleanup(func() { _ = st.Close() })
			return st, path
		}},
		{"postgres", func(t *testing.T) (*bunstore.Store, string) { return storagetest.OpenPostgresDSN(t) }},
		{"mysql", func(t *testing.T) (*bunstore.Store, string) { return storagetest.OpenMySQLDSN(t) }},
	} {
		t.Run(db.name, func(t *testing.T) {
			t.Parallel()
			crashAfterCommit(t, db.name, db.open)
		})
	}
}

func crashAfterCommit(t *testing.T, dialect string, open func(t *testing.T) (*bunstore.Store, string)) {
	ctx := context.Background()
	st, dsn := open(t)
	keys := tenancytest.Keys()
	people := tenancy.NewService(st, st.Tenancy(), audit.NewLog(st.Audit()), st.Outbox(), keys, tenancy.WithPasswordCost(4))
	mail := tenancytest.NewMailbox(st.Outbox(), keys)
	c, owner, err := people.CreateCompany(ctx, tenancy.Platform("crash"), tenancy.NewCompany{Kind: tenancy.KindRegular,
		LegalName: "Crash", Owner: tenancy.Person{FirstName: "O", LastName: "W", Email: storage.NewID() + "@crash.example"}})
	require.NoError(t, err)
	require.Len(t, mail.Sent(), 1, "the owner's credentials, delivered before the child starts")

	email := storage.NewID() + "@crash.example"
	child := exec.Command(os.Args[0], "-test.run=^TestCrashChild$", "-test.count=1") //nolint:gosec // G204: the test binary itself, re-executed
	child.Env = append(os.Environ(), crashDialect+"="+dialect, crashDSN+"="+dsn, crashCompany+"="+c.ID,
		crashAdmin+"="+owner.ID, crashEmail+"="+email)
	child.Stderr = os.Stderr
	out, err := child.StdoutPipe()
	require.NoError(t, err)
	require.NoError(t, child.Start())
	var userID string
	lines := bufio.NewScanner(out)
	for lines.Scan() {
		if id, ok := strings.CutPrefix(lines.Text(), "COMMITTED "); ok {
			userID = id
			break
		}
	}
	require.NoError(t, child.Process.Kill()) // SIGKILL: no deferred call, no after-commit work runs
	_ = child.Wait()
	require.NotEmpty(t, userID, "the child reported no committed registration")

	sent := mail.Sent()
	require.Len(t, sent, 2, "exactly one more message: the employee's credentials")
	cred, n := mail.For(email)
	require.Equal(t, 1, n)
	require.Equal(t, userID, cred.UserID)
	_, err = people.Authenticate(ctx, email, cred.Password)
	require.NoError(t, err, "the delivered password logs in")
	mail.Drain()
	require.Len(t, mail.Sent(), 2, "a second dispatch delivers nothing again")
}

// TestCrashChild is TestCrashAfterCommit's child process: it registers one
// employee, reports the commit on stdout and waits to be killed. It does
// nothing unless started by the parent.
func TestCrashChild(t *testing.T) {
	dsn := os.Getenv(crashDSN)
	if dsn == "" {
		t.Skip("the child of TestCrashAfterCommit; runs only when it starts it")
	}
	ctx := context.Background()
	var st *bunstore.Store
	var err error
	if os.Getenv(crashDialect) == "sqlite" {
		st, err = bunstore.OpenSQLite(ctx, dsn)
	} else {
		st, err = bunstore.Open(ctx, dsn)
	}
	require.NoError(t, err)
	people := tenancy.NewService(st, st.Tenancy(), audit.NewLog(st.Audit()), st.Outbox(), tenancytest.Keys(), tenancy.WithPasswordCost(4))
	company := os.Getenv(crashCompany)
	by, err := people.ActorFor(ctx, os.Getenv(crashAdmin), company)
	require.NoError(t, err)
	emp, err := people.RegisterEmployee(ctx, by, company, tenancy.NewEmployee{FirstName: "Crash", LastName: "Test",
		Email: os.Getenv(crashEmail), Role: tenancy.RoleOperator})
	require.NoError(t, err)
	_, err = os.Stdout.WriteString("COMMITTED " + emp.UserID + "\n")
	require.NoError(t, err)
	select {} // killed here, before any dispatch
}
