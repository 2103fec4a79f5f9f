package bunstore

import (
	"bytes"
	"context"
	"encoding/hex"
	"encoding/json"
	"time"
)

// Bulk inserts on PostgreSQL. A multi-row INSERT … VALUES of a few hundred
// rows, with every value a literal (bun formats the arguments into the
// text), costs the server more to parse and plan than to execute. The
// batched inserts of a use case (audit events, outbox messages, presence
// intervals) send their rows instead as one JSON argument that
// json_populate_recordset turns into rows of the table's own type: the
// statement is planned as one constant, and every value goes through the
// column type's input function, as a literal does. The rows inserted are
// the same: a zero nullzero column and a nil pointer are omitted (NULL),
// times are written as RFC 3339 instants, bytes as hex bytea.

// pgBulkInsert runs INSERT INTO table (cols) from rows, a slice of structs
// whose JSON names are cols; ok is false (nothing sent) when a value holds
// a NUL, which PostgreSQL text cannot hold: the caller then takes bun's
// path, whose error that is.
func (s *Store) pgBulkInsert(ctx context.Context, table, cols string, rows any) (ok bool, err error) {
	b, err := json.Marshal(rows)
	if err != nil {
		return false, err
	}
	if bytes.Contains(b, []byte(`\u0000`)) {
		return false, nil
	}
	q := "INSERT INTO " + table + " (" + cols + ") SELECT " + cols + " FROM json_populate_recordset(NULL::" + table + ", ?)"
	_, err = s.idb(ctx).ExecContext(ctx, q, string(b))
	return true, err
}

// pgBytes is a bytea value as json_populate_recordset reads it.
func pgBytes(b []byte) *string {
	if b == nil {
		return nil
	}
	s := `\x` + hex.EncodeToString(b)
	return &s
}

const pgAuditColumns = "id, company_id, seq, occurred_at, actor_user_id, actor_company_id, actor_role, action," +
	" entity_type, entity_id, changes, metadata, leaf_hash, v1_seq, v1_prev_hash, v1_hash"

// pgAuditJSON is auditEventRow for pgBulkInsert.
type pgAuditJSON struct {
	ID             string    `json:"id"`
	CompanyID      string    `json:"company_id"`
	Seq            int64     `json:"seq,omitempty"`
	OccurredAt     time.Time `json:"occurred_at"`
	ActorUserID    string    `json:"actor_user_id"`
	ActorCompanyID string    `json:"actor_company_id"`
	ActorRole      string    `json:"actor_role"`
	Action         string    `json:"action"`
	EntityType     string    `json:"entity_type"`
	EntityID       string    `json:"entity_id"`
	Changes        string    `json:"changes"`
	Metadata       string    `json:"metadata"`
	LeafHash       string    `json:"leaf_hash"`
	V1Seq          int64     `json:"v1_seq,omitempty"`
	V1PrevHash     string    `json:"v1_prev_hash"`
	V1Hash         string    `json:"v1_hash"`
}

func pgAuditRows(rows []*auditEventRow) []pgAuditJSON {
	out := make([]pgAuditJSON, len(rows))
	for i, r := range rows {
		out[i] = pgAuditJSON{ID: r.ID, CompanyID: r.CompanyID, Seq: r.Seq, OccurredAt: r.OccurredAt, ActorUserID: r.ActorUserID,
			ActorCompanyID: r.ActorCompanyID, ActorRole: r.ActorRole, Action: r.Action, EntityType: r.EntityType,
			EntityID: r.EntityID, Changes: r.Changes, Metadata: r.Metadata, LeafHash: r.LeafHash, V1Seq: r.V1Seq,
			V1PrevHash: r.V1PrevHash, V1Hash: r.V1Hash}
	}
	return out
}

const pgOutboxColumns = "id, company_id, topic, payload, sealed, state, created_at, attempts, next_attempt," +
	" delivered_at, dead_at, last_error"

// pgOutboxJSON is outboxRow for pgBulkInsert.
type pgOutboxJSON struct {
	ID          string     `json:"id"`
	CompanyID   string     `json:"company_id"`
	Topic       string     `json:"topic"`
	Payload     *string    `json:"payload,omitempty"`
	Sealed      bool       `json:"sealed"`
	State       int        `json:"state"`
	CreatedAt   time.Time  `json:"created_at"`
	Attempts    int        `json:"attempts"`
	NextAttempt time.Time  `json:"next_attempt"`
	DeliveredAt *time.Time `json:"delivered_at,omitempty"`
	DeadAt      *time.Time `json:"dead_at,omitempty"`
	LastError   string     `json:"last_error"`
}

func pgOutboxRows(rows []*outboxRow) []pgOutboxJSON {
	out := make([]pgOutboxJSON, len(rows))
	for i, r := range rows {
		out[i] = pgOutboxJSON{ID: r.ID, CompanyID: r.CompanyID, Topic: r.Topic, Payload: pgBytes(r.Payload), Sealed: r.Sealed,
			State: r.State, CreatedAt: r.CreatedAt, Attempts: r.Attempts, NextAttempt: r.NextAttempt,
			DeliveredAt: r.DeliveredAt, DeadAt: r.DeadAt, LastError: r.LastError}
	}
	return out
}

const pgIntervalColumns = "id, company_id, user_id, day, state, pause_type_id, paid, start_at, end_at, cause, set_by"

// pgIntervalJSON is intervalRow for pgBulkInsert.
type pgIntervalJSON struct {
	ID          string    `json:"id"`
	CompanyID   string    `json:"company_id"`
	UserID      string    `json:"user_id"`
	Day         string    `json:"day"`
	State       string    `json:"state"`
	PauseTypeID string    `json:"pause_type_id"`
	Paid        bool      `json:"paid"`
	Start       time.Time `json:"start_at"`
	End         time.Time `json:"end_at"`
	Cause       string    `json:"cause"`
	SetBy       string    `json:"set_by"`
}

func pgIntervalRows(rows []intervalRow) []pgIntervalJSON {
	out := make([]pgIntervalJSON, len(rows))
	for i := range rows {
		r := &rows[i]
		out[i] = pgIntervalJSON{ID: r.ID, CompanyID: r.CompanyID, UserID: r.UserID, Day: r.Day, State: r.State,
			PauseTypeID: r.PauseTypeID, Paid: r.Paid, Start: r.Start, End: r.End, Cause: r.Cause, SetBy: r.SetBy}
	}
	return out
}
