package bunstore

import (
	"context"
	"database/sql"
	"errors"

	"github.com/uptrace/bun"
	"github.com/uptrace/bun/schema"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/trace"
)

// TraceSQL makes every statement the store's bun.DB runs a client span of
// tp's tracer (a child of the use case's span when the services trace too),
// named after the operation (SELECT, INSERT …) with db.system.name,
// db.operation.name and db.query.text. The text is the statement with
// placeholders, never with the bound values, so no secret or personal data
// reaches a span. Call it once, before the store is used (it is not safe
// concurrently with queries). It instruments the store's own handle (DB
// returns it afterwards): on a store built with New, the host's *bun.DB is
// left as it was. A nil tp does nothing.
func (s *Store) TraceSQL(tp trace.TracerProvider) {
	if tp == nil {
		return
	}
	s.hook = &sqlHook{tracer: tp.Tracer("github.com/switchboardkit/switchboard/storage/bunstore"),
		system: map[Dialect]string{SQLite: "sqlite", Postgres: "postgresql", MySQL: "mysql"}[s.dialect]}
	s.db = s.db.WithQueryHook(s.hook)
}

// sqlHook is a bun.QueryHook starting one span per statement. (bun's own
// bunotel hook is not available at the bun version this module pins.)
type sqlHook struct {
	tracer trace.Tracer
	system string
}

func (h *sqlHook) BeforeQuery(ctx context.Context, _ *bun.QueryEvent) context.Context {
	ctx, _ = h.tracer.Start(ctx, "sql", trace.WithSpanKind(trace.SpanKindClient))
	return ctx
}

func (h *sqlHook) AfterQuery(ctx context.Context, e *bun.QueryEvent) {
	span := trace.SpanFromContext(ctx)
	if !span.IsRecording() {
		return
	}
	defer span.End()
	opName := e.Operation()
	span.SetName(opName)
	span.SetAttributes(attribute.String("db.system.name", h.system), attribute.String("db.operation.name", opName),
		attribute.String("db.query.text", queryText(e)))
	if e.Err != nil && !errors.Is(e.Err, sql.ErrNoRows) && !errors.Is(e.Err, sql.ErrTxDone) {
		span.SetStatus(codes.Error, opName+" failed")
	}
}

// queryText is the statement without its arguments: bun's query rendered
// with a formatter that leaves placeholders, or the raw statement's template.
func queryText(e *bun.QueryEvent) string {
	if e.IQuery != nil {
		if b, err := e.IQuery.AppendQuery(schema.NewNopQueryGen(), nil); err == nil {
			return string(b)
		}
	}
	return e.QueryTemplate
}
