package memory

import "iter"

// idMap is a map keyed by ID, split on the ID's first idPart bytes (a
// UUIDv7's millisecond, storage.NewID's IDs being UUIDv7s): the IDs made
// together share one small table, so a batch of new IDs touches a few
// tables that stay in cache rather than one that grows huge, and growing
// rehashes only the small ones. Any string is a valid key. The zero value
// is an empty map.
type idMap[V any] struct {
	parts map[string]map[string]V
	n     int
	// the part last written to, as most writes in a row go to one (only
	// writers, who hold the store exclusively, change it)
	lastKey  string
	lastPart map[string]V
	// max is at least every ID set (it stays when one is deleted): a new ID
	// above it, as storage.NewID's increasing IDs are, needs no lookup to
	// be known absent.
	max string
}

const idPart = 13 // "xxxxxxxx-xxxx": 48 bits of milliseconds

func partOf(id string) string { return id[:min(len(id), idPart)] }

// part returns the part of id, nil when there is none; write (the caller
// writes to the map) makes it when missing and remembers it.
func (m *idMap[V]) part(id string, write bool) map[string]V {
	k := partOf(id)
	if m.lastPart != nil && k == m.lastKey {
		return m.lastPart
	}
	p := m.parts[k]
	if !write {
		return p
	}
	if p == nil {
		if m.parts == nil {
			m.parts = map[string]map[string]V{}
		}
		p = map[string]V{}
		m.parts[k] = p
	}
	m.lastKey, m.lastPart = k, p
	return p
}

func (m *idMap[V]) get(id string) (V, bool) {
	v, ok := m.part(id, false)[id]
	return v, ok
}

// has reports whether m holds id.
func (m *idMap[V]) has(id string) bool {
	if id > m.max {
		return false
	}
	_, ok := m.get(id)
	return ok
}

func (m *idMap[V]) set(id string, v V) {
	m.max = max(m.max, id)
	p := m.part(id, true)
	if _, ok := p[id]; !ok {
		m.n++
	}
	p[id] = v
}

func (m *idMap[V]) delete(id string) {
	p := m.part(id, false)
	if _, ok := p[id]; !ok {
		return
	}
	delete(p, id)
	m.n--
	if len(p) == 0 {
		k := partOf(id)
		delete(m.parts, k)
		if m.lastKey == k {
			m.lastKey, m.lastPart = "", nil
		}
	}
}

func (m *idMap[V]) len() int { return m.n }

// all yields every (id, value), in no particular order.
func (m *idMap[V]) all() iter.Seq2[string, V] {
	return func(yield func(string, V) bool) {
		for _, p := range m.parts {
			for id, v := range p {
				if !yield(id, v) {
					return
				}
			}
		}
	}
}

// putID sets m[k] = v, remembering how to undo it (put for an idMap).
func putID[V any](t *tx, m *idMap[V], k string, v V) {
	old, had := m.get(k)
	t.onRollback(func() {
		if had {
			m.set(k, old)
		} else {
			m.delete(k)
		}
	})
	m.set(k, v)
}
