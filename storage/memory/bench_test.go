package memory_test

import (
	"testing"

	"github.com/switchboardkit/switchboard/storage/memory"
	"github.com/switchboardkit/switchboard/storage/storagetest"
)

func BenchmarkAuditAppend(b *testing.B) {
	storagetest.BenchmarkAuditAppend(b, storagetest.MemoryHarness(memory.New()))
}

func BenchmarkAuditQuery(b *testing.B) {
	storagetest.BenchmarkAuditQuery(b, storagetest.MemoryHarness(memory.New()))
}

func BenchmarkAuditSeal(b *testing.B) {
	storagetest.BenchmarkAuditSeal(b, storagetest.MemoryHarness(memory.New()))
}

func BenchmarkAuditVerify(b *testing.B) {
	storagetest.BenchmarkAuditVerify(b, storagetest.MemoryHarness(memory.New()))
}
