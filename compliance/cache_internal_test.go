package compliance

import (
	"fmt"
	"reflect"
	"strconv"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestBoundedCacheStaysBounded(t *testing.T) {
	t.Parallel()
	c := newBoundedCache[int](100)
	for i := range 10_000 {
		c.put(strconv.Itoa(i), i)
		v, ok := c.get(strconv.Itoa(i))
		require.True(t, ok, "the entry just put is there")
		require.Equal(t, i, v)
	}
	assert.LessOrEqual(t, c.len(), cacheShards*c.per)
	assert.LessOrEqual(t, c.per, 7)
	for i := range 10_000 { // whatever is still there is right
		if v, ok := c.get(strconv.Itoa(i)); ok {
			require.Equal(t, i, v)
		}
	}

	off := newBoundedCache[int](0)
	off.put("a", 1)
	_, ok := off.get("a")
	assert.False(t, ok, "a cache of size 0 keeps nothing")
	assert.Zero(t, off.len())
}

func TestBoundedCacheConcurrent(t *testing.T) {
	t.Parallel()
	c := newBoundedCache[string](64)
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			for i := range 2000 {
				k := strconv.Itoa((i * (g + 1)) % 300)
				if v, ok := c.get(k); ok && v != "v"+k {
					t.Errorf("%s → %s", k, v)
				}
				c.put(k, "v"+k)
			}
		})
	}
	wg.Wait()
	assert.LessOrEqual(t, c.len(), cacheShards*c.per)
}

// TestRulesCompiledFrom changes every field of Policy in turn: the cache
// check must notice each one (a field added to Policy but not to
// compiledFrom fails here).
func TestRulesCompiledFrom(t *testing.T) {
	t.Parallel()
	base := RegF()
	base.Caps = append(base.Caps, Cap{Period: PeriodDay, Limit: 3, Counts: ClassAttempt})
	base.StartBufferSeconds, base.EndBufferSeconds, base.MaxInFlight = 60, 60, 2
	r, err := Compile(base)
	require.NoError(t, err)
	same := base
	same.Caps = append([]Cap(nil), base.Caps...)
	assert.True(t, r.compiledFrom(&same))

	var change func(v reflect.Value, path string)
	change = func(v reflect.Value, path string) {
		switch v.Kind() {
		case reflect.Struct:
			for i := range v.NumField() {
				change(v.Field(i), path+"."+v.Type().Field(i).Name)
			}
			return
		case reflect.Slice: // Caps: each element's fields, then the length
			for i := range v.Len() {
				change(v.Index(i), fmt.Sprintf("%s[%d]", path, i))
			}
			t.Run(path+"/len", func(t *testing.T) {
				p := base
				p.Caps = base.Caps[:len(base.Caps)-1]
				assert.False(t, r.compiledFrom(&p))
			})
			return
		}
		t.Run(path, func(t *testing.T) {
			p := base
			p.Caps = append([]Cap(nil), base.Caps...)
			f := fieldByPath(reflect.ValueOf(&p).Elem(), path)
			switch f.Kind() {
			case reflect.String:
				f.SetString(f.String() + "x")
			case reflect.Bool:
				f.SetBool(!f.Bool())
			case reflect.Int, reflect.Int32, reflect.Int64:
				f.SetInt(f.Int() + 1)
			case reflect.Uint8, reflect.Uint16:
				f.SetUint(f.Uint() ^ 1)
			default:
				t.Fatalf("field %s of kind %s: teach this test", path, f.Kind())
			}
			assert.False(t, r.compiledFrom(&p), "a change of %s must not match", path)
		})
	}
	change(reflect.ValueOf(base), "")

	// Rules keep their own copy of the caps: changing the caller's slice
	// after Compile, or the one Policy returns, changes nothing.
	caps := r.Policy().Caps
	caps[0].Limit = 99
	base.Caps[0].Limit = 99
	assert.True(t, r.compiledFrom(&same))
	assert.Equal(t, same, r.Policy())
}

// fieldByPath follows ".A.B[1].C".
func fieldByPath(v reflect.Value, path string) reflect.Value {
	for path != "" {
		path = path[1:] // the "." before a name
		end := len(path)
		for i, c := range path {
			if c == '.' || c == '[' {
				end = i
				break
			}
		}
		v, path = v.FieldByName(path[:end]), path[end:]
		for len(path) > 0 && path[0] == '[' {
			j := 1
			for path[j] != ']' {
				j++
			}
			n, _ := strconv.Atoi(path[1:j])
			v, path = v.Index(n), path[j+1:]
		}
	}
	return v
}
