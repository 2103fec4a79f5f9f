package memory_test

import (
	"testing"

	"github.com/switchboardkit/switchboard/storage/memory"
	"github.com/switchboardkit/switchboard/storage/storagetest"
)

func BenchmarkAuditAppend(b *testing.B) {
	storagetest.BenchmarkAuditAppend(b, memoryHarness(memory.New()))
}

func BenchmarkAuditQuery(b *testing.B) {
	storagetest.BenchmarkAuditQuery(b, memoryHarness(memory.New()))
}
