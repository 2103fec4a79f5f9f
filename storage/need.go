package storage

import (
	"fmt"
	"reflect"
)

// Need panics when dependency v of the service built by op is nil (a nil
// interface, or an interface holding a nil pointer, map, func or channel).
// Services call it from their constructors, so a missing transactor,
// store, audit recorder or outbox is refused when the service is built,
// with a message naming it, rather than surfacing as a nil dereference in
// the middle of a use case — or after its commit.
func Need(op, name string, v any) {
	if isNil(v) {
		panic(fmt.Sprintf("%s: %s is nil; the service cannot be built without it", op, name))
	}
}

func isNil(v any) bool {
	if v == nil {
		return true
	}
	switch r := reflect.ValueOf(v); r.Kind() {
	case reflect.Pointer, reflect.Map, reflect.Func, reflect.Chan, reflect.Interface, reflect.Slice:
		return r.IsNil()
	default:
		return false
	}
}
