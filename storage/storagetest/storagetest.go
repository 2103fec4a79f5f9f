package storagetest

import (
	"context"
	"sync"
	"testing"

	"github.com/switchboardkit/switchboard/account"
	"github.com/switchboardkit/switchboard/account/presence"
	"github.com/switchboardkit/switchboard/audit"
	"github.com/switchboardkit/switchboard/compliance"
	"github.com/switchboardkit/switchboard/licensing"
	"github.com/switchboardkit/switchboard/storage"
	"github.com/switchboardkit/switchboard/tenancy"
)

// Harness is a backend under test: its transactor and every domain store it
// implements, plus the hooks some tests need to reach behind the SDK.
type Harness struct {
	// Name labels the backend in failure messages ("memory", "sqlite", …).
	Name string
	Tx   storage.Transactor

	// One store per domain.
	Audit      audit.Store
	Tenancy    tenancy.Store
	Licensing  licensing.Store
	Account    account.Store
	Presence   presence.Store
	Compliance compliance.Store
	// Outbox is the backend's outbox of external effects.
	Outbox storage.Outbox

	// AccountRaw returns every stored byte of a company's account data, so
	// tests can prove secrets are stored encrypted.
	AccountRaw func(ctx context.Context, companyID string) ([]byte, error)
	// TamperAuditAction rewrites the action of a stored audit event directly
	// in the database, bypassing the SDK. Tamper tests skip when nil.
	TamperAuditAction func(ctx context.Context, eventID, action string) error
	// AuditTamper edits the stored audit log directly. The tamper-detection
	// tests skip when nil.
	AuditTamper AuditTamper
	// DeleteMemberRow deletes a membership row directly in the database,
	// bypassing the SDK (the second-guard test). Nil when the backend has
	// no rows behind the SDK to delete (memory): the test skips.
	DeleteMemberRow func(ctx context.Context, companyID, userID string) error
	// Digest returns a digest of every table's rows by table name, so a
	// World can prove a failed call changed no row (RequireNoTrace). Nil
	// when the backend has no tables to read.
	Digest func(ctx context.Context) (map[string]string, error)
	// Close closes the backend. The closed-backend test skips when nil; it
	// runs last.
	Close func() error

	fxOnce  sync.Once
	fx      *effects      // the one dispatcher of the services' effects (effects.go)
	fxClock storage.Clock // what that dispatcher calls now; nil: the system clock (a World's own harness: its clock)
}

// Run runs every behaviour test against the backend newHarness opens. It is
// called once per Run; tests isolate themselves by working on fresh company
// IDs, so the backend may already hold data. Register cleanup with t.Cleanup.
func Run(t *testing.T, newHarness func(t *testing.T) *Harness) {
	h := newHarness(t)
	// The suspension matrix digests every table around each refused call:
	// it runs first, while the backend holds little else.
	t.Run("suspension matrix", func(t *testing.T) { runSuspensionMatrix(t, h) })
	t.Run("audit", func(t *testing.T) { runAudit(t, h) })
	t.Run("audit log", func(t *testing.T) { runAuditLog(t, h) })
	t.Run("atomicity", func(t *testing.T) { runAtomicity(t, h) })
	t.Run("tenancy", func(t *testing.T) { runTenancy(t, h) })
	t.Run("licensing", func(t *testing.T) { runLicensing(t, h) })
	t.Run("account", func(t *testing.T) { runAccount(t, h) })
	t.Run("presence", func(t *testing.T) { runPresence(t, h) })
	t.Run("compliance", func(t *testing.T) { runCompliance(t, h) })
	t.Run("text round trip", func(t *testing.T) { textRoundTrip(t, h) })
	t.Run("call keys", func(t *testing.T) { complianceCallKeys(t, h) })
	t.Run("transaction context", func(t *testing.T) { transactionContext(t, h) })
	t.Run("messages", func(t *testing.T) { runMessages(t, h) })
	t.Run("dialer", func(t *testing.T) { runDialer(t, h) })
	t.Run("outbox", func(t *testing.T) { runOutbox(t, h) })
	t.Run("no secret in spans or logs", func(t *testing.T) { observedSecrets(t, h) })
	t.Run("integrity", func(t *testing.T) { runIntegrity(t, h) })
	t.Run("membership row deleted behind the SDK", func(t *testing.T) { memberRowDeleted(t, h) })
	t.Run("isolation matrix", func(t *testing.T) { runMatrix(t, h) })
	t.Run("role matrix", func(t *testing.T) { runRoleMatrix(t, h) })
	t.Run("closed", func(t *testing.T) { runClosed(t, h) })
}
