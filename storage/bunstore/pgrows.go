package bunstore

import (
	"database/sql/driver"
	"fmt"
	"io"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgtype"
)

// pgRows are the rows of the last statement of a query sent with its
// transaction's BEGIN and deferred writes (see pgTx.query), read from
// pgconn directly because pgx's Rows read the first result of a
// multi-statement query only. Values become the same driver.Values as
// pgx's stdlib gives for each type, so scanning sees no difference.
type pgRows struct {
	mrr    *pgconn.MultiResultReader
	rr     *pgconn.ResultReader
	m      *pgtype.Map
	fields []pgconn.FieldDescription
	decode []func([]byte) (driver.Value, error)
	names  []string
}

func newPgRows(m *pgtype.Map, mrr *pgconn.MultiResultReader) *pgRows {
	rr := mrr.ResultReader()
	return &pgRows{mrr: mrr, rr: rr, m: m, fields: rr.FieldDescriptions()}
}

func (r *pgRows) Columns() []string {
	if r.names == nil {
		r.names = make([]string, len(r.fields))
		for i, f := range r.fields {
			r.names[i] = f.Name
		}
	}
	return r.names
}

// Close reads what is left of the result and of the query.
func (r *pgRows) Close() error {
	_, err := r.rr.Close()
	if cerr := r.mrr.Close(); err == nil {
		err = cerr
	}
	return err
}

func (r *pgRows) Next(dest []driver.Value) error {
	if !r.rr.NextRow() {
		if _, err := r.rr.Close(); err != nil {
			return err
		}
		return io.EOF
	}
	if r.decode == nil {
		r.decode = make([]func([]byte) (driver.Value, error), len(r.fields))
		for i, f := range r.fields {
			r.decode[i] = valueFunc(r.m, f.DataTypeOID, f.Format)
		}
	}
	for i, v := range r.rr.Values() {
		if v == nil {
			dest[i] = nil
			continue
		}
		var err error
		if dest[i], err = r.decode[i](v); err != nil {
			return fmt.Errorf("convert field %d failed: %w", i, err)
		}
	}
	return nil
}

// valueFunc converts a field of type oid into the driver.Value pgx's
// stdlib gives for it.
func valueFunc(m *pgtype.Map, oid uint32, format int16) func([]byte) (driver.Value, error) {
	switch oid {
	case pgtype.BoolOID:
		return scanAs[bool](m, oid, format, nil)
	case pgtype.ByteaOID, pgtype.JSONOID, pgtype.JSONBOID, pgtype.XMLOID:
		return scanAs[[]byte](m, oid, format, nil)
	case pgtype.CIDOID, pgtype.OIDOID, pgtype.XIDOID:
		return scanAs(m, oid, format, func(d pgtype.Uint32) (driver.Value, error) { return d.Value() })
	case pgtype.DateOID:
		return scanAs(m, oid, format, func(d pgtype.Date) (driver.Value, error) { return d.Value() })
	case pgtype.Float4OID:
		return scanAs(m, oid, format, func(d float32) (driver.Value, error) { return float64(d), nil })
	case pgtype.Float8OID:
		return scanAs[float64](m, oid, format, nil)
	case pgtype.Int2OID:
		return scanAs(m, oid, format, func(d int16) (driver.Value, error) { return int64(d), nil })
	case pgtype.Int4OID:
		return scanAs(m, oid, format, func(d int32) (driver.Value, error) { return int64(d), nil })
	case pgtype.Int8OID:
		return scanAs[int64](m, oid, format, nil)
	case pgtype.TimestampOID:
		return scanAs(m, oid, format, func(d pgtype.Timestamp) (driver.Value, error) { return d.Value() })
	case pgtype.TimestamptzOID:
		return scanAs(m, oid, format, func(d pgtype.Timestamptz) (driver.Value, error) { return d.Value() })
	default:
		return scanAs[string](m, oid, format, nil)
	}
}

// scanAs scans into a T with pgx's plan for oid, then converts it with
// conv (nil: the T itself).
func scanAs[T any](m *pgtype.Map, oid uint32, format int16, conv func(T) (driver.Value, error)) func([]byte) (driver.Value, error) {
	var d T
	plan := m.PlanScan(oid, format, &d)
	return func(src []byte) (driver.Value, error) {
		var zero T
		d = zero // a []byte must not alias the previous row's value
		if err := plan.Scan(src, &d); err != nil {
			return nil, err
		}
		if conv != nil {
			return conv(d)
		}
		return d, nil
	}
}
