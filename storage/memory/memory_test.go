package memory_test

import (
	"context"
	"testing"

	"github.com/switchboardkit/switchboard/audit"
	"github.com/switchboardkit/switchboard/storage/memory"
	"github.com/switchboardkit/switchboard/storage/storagetest"
)

func TestConformance(t *testing.T) {
	storagetest.Run(t, func(t *testing.T) *storagetest.Harness {
		return memoryHarness(memory.New())
	})
}

func memoryHarness(st *memory.Store) *storagetest.Harness {
	return &storagetest.Harness{
		Name:      "memory",
		Tx:        st,
		Audit:     st.Audit(),
		Licensing: st.Licensing(),
		Presence:  st.Presence(),
		Account:   st.Account(), AccountRaw: func(_ context.Context, id string) ([]byte, error) { return st.AccountRaw(id), nil },
		Tenancy:    st.Tenancy(),
		Compliance: st.Compliance(),
		Outbox:     st.Outbox(),
		TamperAuditAction: func(_ context.Context, id, action string) error {
			st.TamperAuditEvent(id, func(e *audit.Event) { e.Action = action })
			return nil
		},
		AuditTamper: st.AuditTamper(),
		Close:       st.Close,
	}
}
