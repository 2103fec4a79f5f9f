package memory_test

import (
	"testing"

	"github.com/switchboardkit/switchboard/storage/memory"
	"github.com/switchboardkit/switchboard/storage/storagetest"
)

func TestConformance(t *testing.T) {
	storagetest.Run(t, func(t *testing.T) *storagetest.Harness {
		return storagetest.MemoryHarness(memory.New())
	})
}
