package bunstore

import (
	"context"
	"strings"
	"time"

	"github.com/uptrace/bun"

	"github.com/switchboardkit/switchboard/storage"
)

// Outbox returns the store's storage.Outbox. Claims lease with
// SELECT … FOR UPDATE SKIP LOCKED on PostgreSQL and MySQL 8 / MariaDB 10.6+,
// so concurrent dispatchers on any number of hosts skip each other's rows
// instead of waiting; on SQLite the claim runs under the database's single
// writer lock, which serialises claims just as well.
func (s *Store) Outbox() storage.Outbox { return outboxStore{s} }

type outboxStore struct{ s *Store }

var _ storage.Outbox = outboxStore{}

type outboxRow struct {
	bun.BaseModel `bun:"table:outbox_messages"`

	ID          string     `bun:"id,pk"`
	CompanyID   string     `bun:"company_id"`
	Topic       string     `bun:"topic"`
	Payload     []byte     `bun:"payload"`
	Sealed      bool       `bun:"sealed"`
	State       int        `bun:"state"`
	CreatedAt   time.Time  `bun:"created_at"`
	Attempts    int        `bun:"attempts"`
	NextAttempt time.Time  `bun:"next_attempt"`
	DeliveredAt *time.Time `bun:"delivered_at"`
	DeadAt      *time.Time `bun:"dead_at"`
	LastError   string     `bun:"last_error"`
}

func (r *outboxRow) message() storage.Message {
	m := storage.Message{ID: r.ID, CompanyID: r.CompanyID, Topic: storage.Topic(r.Topic), Payload: r.Payload,
		Sealed: r.Sealed, State: storage.MessageState(r.State), Created: r.CreatedAt.UTC(), Attempts: r.Attempts,
		NextAttempt: r.NextAttempt.UTC(), LastError: r.LastError}
	if r.DeliveredAt != nil {
		m.Delivered = r.DeliveredAt.UTC()
	}
	if r.DeadAt != nil {
		m.Dead = r.DeadAt.UTC()
	}
	return m
}

func (o outboxStore) EnqueueMessage(ctx context.Context, m storage.Message) error {
	const op = "bunstore.EnqueueMessage"
	if err := storage.MustBeInTx(ctx, op); err != nil {
		return err
	}
	if _, err := o.s.idb(ctx).NewInsert().Model(pendingRow(m)).Exec(ctx); err != nil {
		return o.s.mapErr(op, err)
	}
	return nil
}

// EnqueueMessages writes ms with one multi-row INSERT.
func (o outboxStore) EnqueueMessages(ctx context.Context, ms []storage.Message) error {
	const op = "bunstore.EnqueueMessages"
	if err := storage.MustBeInTx(ctx, op); err != nil {
		return err
	}
	if len(ms) == 0 {
		return nil
	}
	rows := make([]*outboxRow, len(ms))
	for i, m := range ms {
		rows[i] = pendingRow(m)
	}
	if o.s.bulk(len(rows)) {
		if ok, err := o.s.bulkInsert(ctx, "outbox_messages", bulkOutboxColumns, bulkOutboxRows(rows)); ok || err != nil {
			return o.s.mapErr(op, err)
		}
	}
	if o.s.dialect == SQLite {
		args := make([]any, 0, 12*len(rows))
		for _, r := range rows {
			args = append(args, r.ID, r.CompanyID, r.Topic, r.Payload, r.Sealed, r.State, r.CreatedAt, r.Attempts,
				r.NextAttempt, r.DeliveredAt, r.DeadAt, r.LastError)
		}
		_, err := o.s.sqliteBatch(ctx, op, sqliteInsert("outbox_messages", bulkOutboxColumns, len(rows)), len(rows), args...)
		return err
	}
	if _, err := o.s.idb(ctx).NewInsert().Model(&rows).Exec(ctx); err != nil {
		return o.s.mapErr(op, err)
	}
	return nil
}

// pendingRow is the row of a newly enqueued message.
func pendingRow(m storage.Message) *outboxRow {
	return &outboxRow{ID: m.ID, CompanyID: m.CompanyID, Topic: string(m.Topic), Payload: m.Payload, Sealed: m.Sealed,
		State: int(storage.MessagePending), CreatedAt: storage.Timestamp(m.Created), Attempts: m.Attempts,
		NextAttempt: storage.Timestamp(m.NextAttempt), LastError: m.LastError}
}

func (o outboxStore) ClaimMessages(ctx context.Context, c storage.Claim) ([]storage.Message, error) {
	const op = "bunstore.ClaimMessages"
	if len(c.Topics) == 0 || c.Limit <= 0 {
		return []storage.Message{}, nil
	}
	topics := make([]string, len(c.Topics))
	for i, t := range c.Topics {
		topics[i] = string(t)
	}
	now, until := storage.Timestamp(c.Now), storage.Timestamp(c.LeaseUntil)
	var out []storage.Message
	err := o.s.InTx(ctx, func(ctx context.Context) error {
		db := o.s.idb(ctx)
		var rows []outboxRow
		// outbox_messages_claim (state, topic, next_attempt, id) keeps the
		// scan on the claimed topics: InnoDB locks every row a locking read
		// examines, so a scan of all due messages would lock (and make other
		// dispatchers skip) messages of topics this claim does not serve.
		q := db.NewSelect().Model(&rows).
			Where("state = ?", int(storage.MessagePending)).Where("next_attempt <= ?", now).
			Where("topic IN (?)", bun.List(topics)).
			OrderExpr("next_attempt, id").Limit(int64(c.Limit))
		// On InnoDB a locking read also locks, for a moment, the index record
		// just past its range; SKIP LOCKED can therefore pass over a due
		// message another claim's scan is touching. It comes with the next
		// Dispatch: delayed, never lost nor delivered twice.
		if o.s.dialect != SQLite {
			q = q.For("UPDATE SKIP LOCKED")
		}
		if err := q.Scan(ctx); err != nil {
			return o.s.mapErr(op, err)
		}
		out = make([]storage.Message, len(rows))
		if len(rows) == 0 {
			return nil
		}
		ids := make([]string, len(rows))
		for i := range rows {
			ids[i] = rows[i].ID
			rows[i].Attempts++
			rows[i].NextAttempt = until
			out[i] = rows[i].message()
		}
		if _, err := db.NewUpdate().Model((*outboxRow)(nil)).
			Set("attempts = attempts + 1").Set("next_attempt = ?", until).
			Where("id IN (?)", bun.List(ids)).Exec(ctx); err != nil {
			return o.s.mapErr(op, err)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// settle applies the update to the pending message id claimed by attempt;
// ErrConflict when another claim or settle came first.
func (o outboxStore) settle(ctx context.Context, op, id string, attempt int, set func(q *bun.UpdateQuery) *bun.UpdateQuery) error {
	if err := o.s.checkOpen(op); err != nil {
		return err
	}
	q := set(o.s.idb(ctx).NewUpdate().Model((*outboxRow)(nil))).
		Where("id = ?", id).Where("state = ?", int(storage.MessagePending)).Where("attempts = ?", attempt)
	res, err := q.Exec(ctx)
	if err != nil {
		return o.s.mapErr(op, err)
	}
	if n, err := res.RowsAffected(); err == nil && n > 0 {
		return nil
	}
	// Nothing changed: unknown, settled or leased again — or (MySQL counts
	// changed rows only) an update that wrote the values the row had.
	m, err := o.GetMessage(ctx, id)
	if err != nil {
		return storage.Reop(op, err)
	}
	if m.State == storage.MessagePending && m.Attempts == attempt {
		return nil
	}
	return storage.E(op, storage.ErrConflict, "message %s is no longer leased by attempt %d", id, attempt)
}

func (o outboxStore) MarkDelivered(ctx context.Context, id string, attempt int, at time.Time) error {
	at = storage.Timestamp(at)
	return o.settle(ctx, "bunstore.MarkDelivered", id, attempt, func(q *bun.UpdateQuery) *bun.UpdateQuery {
		return q.Set("state = ?", int(storage.MessageDelivered)).Set("delivered_at = ?", at).
			Set("payload = CASE WHEN sealed THEN NULL ELSE payload END")
	})
}

func (o outboxStore) MarkDeliveredAll(ctx context.Context, leases []storage.Lease, at time.Time) (int, error) {
	const op = "bunstore.MarkDeliveredAll"
	if err := o.s.checkOpen(op); err != nil {
		return 0, err
	}
	if len(leases) == 0 {
		return 0, nil
	}
	at = storage.Timestamp(at)
	// (id, attempts) IN ((?, ?), …): a row value list, understood alike by
	// PostgreSQL, MySQL/MariaDB and SQLite.
	pairs := make([]string, len(leases))
	args := make([]any, 0, 2*len(leases))
	for i, l := range leases {
		pairs[i] = "(?, ?)"
		args = append(args, l.ID, l.Attempt)
	}
	res, err := o.s.idb(ctx).NewUpdate().Model((*outboxRow)(nil)).
		Set("state = ?", int(storage.MessageDelivered)).Set("delivered_at = ?", at).
		Set("payload = CASE WHEN sealed THEN NULL ELSE payload END").
		Where("state = ?", int(storage.MessagePending)).
		Where("(id, attempts) IN ("+strings.Join(pairs, ", ")+")", args...).Exec(ctx)
	if err != nil {
		return 0, o.s.mapErr(op, err)
	}
	n, err := res.RowsAffected() // every matched row changes (state), so MySQL's changed-rows count is the matched count
	if err != nil {
		return 0, storage.Internal(op, err)
	}
	return int(n), nil
}

func (o outboxStore) RetryMessage(ctx context.Context, id string, attempt int, next time.Time, lastErr string) error {
	next = storage.Timestamp(next)
	return o.settle(ctx, "bunstore.RetryMessage", id, attempt, func(q *bun.UpdateQuery) *bun.UpdateQuery {
		return q.Set("next_attempt = ?", next).Set("last_error = ?", lastErr)
	})
}

func (o outboxStore) DeadLetter(ctx context.Context, id string, attempt int, at time.Time, lastErr string) error {
	at = storage.Timestamp(at)
	return o.settle(ctx, "bunstore.DeadLetter", id, attempt, func(q *bun.UpdateQuery) *bun.UpdateQuery {
		return q.Set("state = ?", int(storage.MessageDead)).Set("dead_at = ?", at).Set("last_error = ?", lastErr)
	})
}

func (o outboxStore) DeadLetters(ctx context.Context, topic storage.Topic, after string, limit int) ([]storage.Message, error) {
	return scanAll(ctx, o.s, "bunstore.DeadLetters", func(q *bun.SelectQuery) *bun.SelectQuery {
		q = q.Where("state = ?", int(storage.MessageDead)).Where("id > ?", after)
		if topic != "" {
			q = q.Where("topic = ?", string(topic))
		}
		return q.OrderExpr("id").Limit(int64(limit))
	}, (*outboxRow).message)
}

func (o outboxStore) Redrive(ctx context.Context, id string, at time.Time) error {
	const op = "bunstore.Redrive"
	if err := o.s.checkOpen(op); err != nil {
		return err
	}
	res, err := o.s.idb(ctx).NewUpdate().Model((*outboxRow)(nil)).
		Set("state = ?", int(storage.MessagePending)).Set("attempts = 0").
		Set("next_attempt = ?", storage.Timestamp(at)).Set("dead_at = NULL").
		Where("id = ?", id).Where("state = ?", int(storage.MessageDead)).Exec(ctx)
	if err != nil {
		return o.s.mapErr(op, err)
	}
	if n, err := res.RowsAffected(); err != nil || n == 0 {
		return storage.NotFound(op, "dead letter", id)
	}
	return nil
}

func (o outboxStore) GetMessage(ctx context.Context, id string) (*storage.Message, error) {
	var r outboxRow
	if err := o.s.scanOne(ctx, "bunstore.GetMessage", "message", id, o.s.idb(ctx).NewSelect().Model(&r).Where("id = ?", id)); err != nil {
		return nil, err
	}
	m := r.message()
	return &m, nil
}
