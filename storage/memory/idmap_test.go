package memory

import (
	"maps"
	"testing"

	"github.com/switchboardkit/switchboard/storage"
)

// TestIDMapIsAMap checks idMap against a plain map over UUIDv7 and short
// keys, through sets, overwrites and deletes.
func TestIDMapIsAMap(t *testing.T) {
	var m idMap[int]
	want := map[string]int{}
	keys := append(storage.NewIDs(300), "", "a", "b1", "0190aaaa-bbbb")
	for i, k := range keys {
		m.set(k, i)
		want[k] = i
		if i%3 == 0 {
			m.set(k, -i)
			want[k] = -i
		}
		if i%5 == 0 {
			m.delete(k)
			delete(want, k)
		}
	}
	m.delete("absent")
	if m.len() != len(want) {
		t.Fatalf("len = %d, want %d", m.len(), len(want))
	}
	for _, k := range keys {
		got, ok := m.get(k)
		if w, wok := want[k]; ok != wok || got != w {
			t.Fatalf("get(%q) = %d, %v; want %d, %v", k, got, ok, w, wok)
		}
	}
	if got := maps.Collect(m.all()); !maps.Equal(got, want) {
		t.Fatalf("all = %v, want %v", got, want)
	}
	for k := range want {
		m.delete(k)
	}
	if m.len() != 0 || len(m.parts) != 0 {
		t.Fatalf("after deleting everything: len %d, %d parts", m.len(), len(m.parts))
	}
}
