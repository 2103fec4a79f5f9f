package compliance

import (
	"hash/maphash"
	"sync"
)

const cacheShards = 16

// boundedCache maps string keys to immutable values for the Service's hot
// path: safe for concurrent use, sharded so parallel dialers do not contend
// on one lock, and holding at most about max entries (when a shard is full an
// arbitrary entry of it is dropped). A value must never be modified once put.
type boundedCache[V any] struct {
	seed   maphash.Seed
	per    int // entries per shard; 0: the cache is off
	shards [cacheShards]cacheShard[V]
}

type cacheShard[V any] struct {
	mu sync.RWMutex
	m  map[string]V
	_  [32]byte // keep shards on separate cache lines
}

func newBoundedCache[V any](max int) *boundedCache[V] {
	c := &boundedCache[V]{seed: maphash.MakeSeed()}
	if max > 0 {
		c.per = (max + cacheShards - 1) / cacheShards
	}
	return c
}

func (c *boundedCache[V]) shard(key string) *cacheShard[V] {
	return &c.shards[maphash.String(c.seed, key)%cacheShards]
}

func (c *boundedCache[V]) get(key string) (V, bool) {
	if c.per == 0 {
		var zero V
		return zero, false
	}
	sh := c.shard(key)
	sh.mu.RLock()
	v, ok := sh.m[key]
	sh.mu.RUnlock()
	return v, ok
}

func (c *boundedCache[V]) put(key string, v V) {
	if c.per == 0 {
		return
	}
	sh := c.shard(key)
	sh.mu.Lock()
	defer sh.mu.Unlock()
	if sh.m == nil {
		sh.m = make(map[string]V, min(c.per, 1024))
	}
	if _, ok := sh.m[key]; !ok && len(sh.m) >= c.per {
		for k := range sh.m { // map iteration starts at a random entry
			delete(sh.m, k)
			break
		}
	}
	sh.m[key] = v
}

// len returns how many entries the cache holds.
func (c *boundedCache[V]) len() int {
	n := 0
	for i := range c.shards {
		sh := &c.shards[i]
		sh.mu.RLock()
		n += len(sh.m)
		sh.mu.RUnlock()
	}
	return n
}
