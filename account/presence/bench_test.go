package presence_test

import (
	"testing"

	"github.com/switchboardkit/switchboard/storage/memory"
	"github.com/switchboardkit/switchboard/storage/storagetest"
)

func memHarness() *storagetest.Harness {
	st := memory.New()
	return &storagetest.Harness{Name: "memory", Tx: st, Audit: st.Audit(), Presence: st.Presence(), Outbox: st.Outbox(), Close: st.Close}
}

// BenchmarkBudget1000Intervals: the budget view of an operator with 1 000
// intervals that day, on the memory backend.
func BenchmarkBudget1000Intervals(b *testing.B) {
	storagetest.BenchPresenceBudget(b, memHarness(), 1000)
}

// BenchmarkApplyDue10000Operators: one ApplyDue switching 10 000 operators, memory backend.
func BenchmarkApplyDue10000Operators(b *testing.B) {
	storagetest.BenchPresenceApplyDue(b, memHarness(), 10000)
}

// BenchmarkPlatformApplyDue10000Operators: one ApplyPlatformDue switching
// 10 000 operators of 100 companies, memory backend.
func BenchmarkPlatformApplyDue10000Operators(b *testing.B) {
	storagetest.BenchPresencePlatformApplyDue(b, memHarness(), 10000)
}
