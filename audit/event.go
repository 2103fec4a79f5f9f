package audit

import (
	"encoding/json"
	"time"

	"golang.org/x/mod/sumdb/tlog"
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

// Entry is what a use case records: the Log fills in the ID, time and
// request metadata; the position in the company's log and the leaf hash are
// assigned when the event is sealed.
type Entry struct {
	Actor Actor
	// CompanyID is the company on whose behalf the change was made: the
	// company whose log the event joins. "" is the platform's own log.
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
	Seq        int64             `json:"seq"` // position in the company's log from 1; 0 while unsealed
	OccurredAt time.Time         `json:"occurred_at"`
	Actor      Actor             `json:"actor"`
	Action     string            `json:"action"`
	EntityType string            `json:"entity_type"`
	EntityID   string            `json:"entity_id"`
	Changes    []Change          `json:"changes"`
	Metadata   map[string]string `json:"metadata,omitempty"`
	// Hash is the hex RFC 6962 leaf hash of the event (LeafHash), set when
	// it is sealed; "" while unsealed.
	Hash string `json:"hash,omitempty"`
	// V1 is the hash-chain link of an event recorded before the
	// transparency log existed, carried over and covered by the leaf hash;
	// nil for every later event.
	V1 *V1Link `json:"v1,omitempty"`
}

// Sealed reports whether the event has its place in the log.
func (e *Event) Sealed() bool { return e.Seq > 0 }

// V1Link is a carried-over event's place in the former per-company hash
// chain: its sequence number, the previous event's chain hash and its own
// (V1Hash).
type V1Link struct {
	Seq      int64  `json:"seq"`
	PrevHash string `json:"prev_hash"`
	Hash     string `json:"hash"`
}

// Head is the sealed end of a company's log: its size, its RFC 6962 root
// hash, the hashes of the perfect subtrees along its right edge (Frontier,
// largest first, which let the next seal extend the tree without reading
// it) and the latest signed checkpoint. The zero Head is an empty log.
type Head struct {
	CompanyID  string
	Size       int64
	Root       tlog.Hash
	Frontier   []tlog.Hash
	Checkpoint []byte // the signed note of (CompanyID, Size, Root); nil when the log has no signer
	SealedAt   time.Time
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
