package bunstore_test

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"

	"github.com/switchboardkit/switchboard/storage/bunstore"
)

// SQL spans carry the statement with placeholders, never an argument.
func TestTraceSQLNoArguments(t *testing.T) {
	ctx := context.Background()
	s, err := bunstore.OpenSQLite(ctx, filepath.Join(t.TempDir(), "trace.db"))
	require.NoError(t, err)
	t.Cleanup(func() { _ = s.Close() })
	exp := tracetest.NewInMemoryExporter()
	s.TraceSQL(sdktrace.NewTracerProvider(sdktrace.WithSyncer(exp)))

	const secret = "s3cret-Passw0rd!"
	var got string
	require.NoError(t, s.DB().NewSelect().ColumnExpr("?", secret).Scan(ctx, &got))
	require.Equal(t, secret, got)
	rows, err := s.DB().QueryContext(ctx, "SELECT ?", secret)
	require.NoError(t, err)
	require.NoError(t, rows.Close())
	require.NoError(t, rows.Err())

	spans := exp.GetSpans()
	require.Len(t, spans, 2)
	for _, sp := range spans {
		require.Equal(t, "SELECT", sp.Name)
		var text string
		for _, a := range sp.Attributes {
			require.NotContains(t, a.Value.String(), secret)
			if a.Key == "db.query.text" {
				text = a.Value.String()
			}
		}
		require.True(t, strings.HasPrefix(text, "SELECT ?"), text)
	}
}
