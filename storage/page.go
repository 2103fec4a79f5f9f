package storage

import (
	"encoding/base64"
	"encoding/json"
)

// DefaultPageSize is used when a PageRequest asks for no size; MaxPageSize caps it.
const (
	DefaultPageSize = 50
	MaxPageSize     = 1000
)

// PageRequest asks for one page of a keyset-paginated listing. After is the
// opaque cursor of the previous page's NextCursor ("" for the first page).
type PageRequest struct {
	After string
	Limit int
}

// Size returns the effective page size.
func (p PageRequest) Size() int {
	switch {
	case p.Limit <= 0:
		return DefaultPageSize
	case p.Limit > MaxPageSize:
		return MaxPageSize
	}
	return p.Limit
}

// Page is one page of results. NextCursor is "" on the last page.
type Page[T any] struct {
	Items      []T
	NextCursor string
}

// EncodeCursor turns a keyset position (any JSON-encodable value, usually a
// small struct of the sort keys) into an opaque cursor.
func EncodeCursor(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic("storage: cursor not encodable: " + err.Error())
	}
	return base64.RawURLEncoding.EncodeToString(b)
}

// DecodeCursor reads a cursor made by EncodeCursor into v. A malformed cursor
// is a *ValidationError on the field "after".
func DecodeCursor(op, cursor string, v any) error {
	b, err := base64.RawURLEncoding.DecodeString(cursor)
	if err == nil {
		err = json.Unmarshal(b, v)
	}
	if err != nil {
		return Invalid(op, "after", "cursor", "malformed page cursor")
	}
	return nil
}
