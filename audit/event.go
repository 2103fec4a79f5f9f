package audit

import (
	"encoding/json"
	"time"
)

// Actor is who made a change, as the audit trail records it: the user, the
// company the user acted from, and the role the user acted in. tenancy.Actor
// converts to it.
type Actor struct {
	UserID    string `json:"user_id"`
	CompanyID string `json:"company_id"`
	Role      string `json:"role"`
}

// Change is one field's before and after value, JSON-encoded. A nil Before
// means the field did not exist (creation); a nil After means it was removed.
// A redacted change carries the marker "[redacted]" instead of either value.
type Change struct {
	Field    string          `json:"field"`
	Before   json.RawMessage `json:"before,omitempty"`
	After    json.RawMessage `json:"after,omitempty"`
	Redacted bool            `json:"redacted,omitempty"`
}

// Entry is what a use case records: the Log fills in the ID, time, sequence
// number, request metadata and hash chain.
type Entry struct {
	Actor Actor
	// CompanyID is the company on whose behalf the change was made: the
	// company whose chain the event joins. "" is the platform's own chain.
	CompanyID  string
	Action     string // dotted verb, e.g. "tenancy.company.create"
	EntityType string // e.g. "company"
	EntityID   string
	Changes    []Change
}

// Event is a stored audit event.
type Event struct {
	ID         string            `json:"id"`
	CompanyID  string            `json:"company_id"`
	Seq        int64             `json:"seq"` // position in the company's chain, from 1
	OccurredAt time.Time         `json:"occurred_at"`
	Actor      Actor             `json:"actor"`
	Action     string            `json:"action"`
	EntityType string            `json:"entity_type"`
	EntityID   string            `json:"entity_id"`
	Changes    []Change          `json:"changes"`
	Metadata   map[string]string `json:"metadata,omitempty"`
	PrevHash   string            `json:"prev_hash"` // hex SHA-256 of the previous event, "" for the first
	Hash       string            `json:"hash"`      // hex SHA-256 over this event and PrevHash
}

// Head is the end of a company's chain: the last sequence number and hash.
// The zero Head is an empty chain.
type Head struct {
	CompanyID string
	Seq       int64
	Hash      string
}

// Filter narrows a query. Empty fields do not filter. From and To bound
// OccurredAt half-open: From <= t < To.
type Filter struct {
	CompanyID  string
	ActorID    string // the acting user's ID
	Action     string
	EntityType string
	EntityID   string
	From, To   time.Time
}

// Scope is which companies' events a reader may see; tenancy computes it for
// an actor (a company admin: the own company; a reseller: itself and its
// affiliates; the platform: all). The zero Scope sees nothing.
type Scope struct {
	All        bool
	CompanyIDs []string
}

// Allows reports whether the scope covers companyID.
func (s Scope) Allows(companyID string) bool {
	if s.All {
		return true
	}
	for _, id := range s.CompanyIDs {
		if id == companyID {
			return true
		}
	}
	return false
}

// Cursor is the keyset position of an event in newest-first order.
type Cursor struct {
	At time.Time `json:"t"`
	ID string    `json:"id"`
}
