package observe_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"testing"

	"github.com/stretchr/testify/require"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"

	"github.com/switchboardkit/switchboard/audit"
	"github.com/switchboardkit/switchboard/licensing"
	"github.com/switchboardkit/switchboard/storage"
	"github.com/switchboardkit/switchboard/storage/memory"
	"github.com/switchboardkit/switchboard/storage/observe"
	"github.com/switchboardkit/switchboard/tenancy"
	"github.com/switchboardkit/switchboard/tenancy/tenancytest"
)

func TestOutcome(t *testing.T) {
	t.Parallel()
	for err, want := range map[error]string{
		nil: "ok", storage.NotFound("x", "company", "1"): "not_found",
		storage.Forbidden("x", "no"): "forbidden", storage.Invalid("x", "f", "required", "m"): "invalid",
		storage.Internal("x", errors.New("boom")): "internal", fmt.Errorf("w: %w", context.Canceled): "canceled",
		errors.New("host"): "other", storage.Wrap("x", storage.ErrConflict, storage.ErrRetryable): "conflict",
	} {
		require.Equal(t, want, observe.Outcome(err), "%v", err)
	}
}

func TestOffAllocatesNothing(t *testing.T) {
	var o observe.Observer
	observe.Apply("test", &o, &o, []observe.Option{observe.WithLogger(slog.New(slog.NewTextHandler(&bytes.Buffer{}, nil)))})
	ctx := context.Background()
	allocs := testing.AllocsPerRun(1000, func() {
		c, uc := o.Start(ctx, "x.Op", "company", "x.action")
		observe.Annotate(c, "company")
		uc.End(nil)
	})
	require.Zero(t, allocs)
}

func TestForeignOptionPanics(t *testing.T) {
	t.Parallel()
	st := memory.New()
	require.PanicsWithValue(t, "an option of *tenancy.Service was given to the constructor of *audit.Log",
		func() { audit.NewLog(st.Audit(), tenancy.WithPasswordCost(4)) })
}

type capture struct {
	spans *tracetest.InMemoryExporter
	logs  *bytes.Buffer
	opts  []observe.Option
}

func newCapture() *capture {
	c := &capture{spans: tracetest.NewInMemoryExporter(), logs: &bytes.Buffer{}}
	tp := sdktrace.NewTracerProvider(sdktrace.WithSyncer(c.spans))
	c.opts = []observe.Option{observe.WithTracerProvider(tp),
		observe.WithLogger(slog.New(slog.NewJSONHandler(c.logs, &slog.HandlerOptions{Level: slog.LevelDebug})))}
	return c
}

func TestUseCaseSpans(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	c := newCapture()
	st := memory.New()
	log := audit.NewLog(st.Audit(), c.opts...)
	ten := tenancy.NewService(st, st.Tenancy(), log, st.Outbox(), tenancytest.Keys(), append(c.opts, tenancy.WithPasswordCost(4))...)
	lic := licensing.NewService(st, st.Licensing(), ten, log, st.Outbox(), c.opts...)
	co, _, err := ten.CreateCompany(ctx, tenancy.Platform("support"), tenancy.NewCompany{Kind: tenancy.KindRegular,
		LegalName: "Acme", Owner: tenancy.Person{FirstName: "A", LastName: "B", Email: "a@acme.example"}})
	require.NoError(t, err)
	_, err = lic.Pools(ctx, tenancy.Actor{UserID: "u", CompanyID: "other", Role: tenancy.RoleOperator}, co.ID)
	require.Error(t, err)

	byName := map[string]map[string]string{}
	for _, s := range c.spans.GetSpans() {
		attrs := map[string]string{}
		for _, a := range s.Attributes {
			attrs[string(a.Key)] = a.Value.String()
		}
		byName[s.Name] = attrs
	}
	require.Equal(t, map[string]string{observe.KeyCompany: co.ID, observe.KeyAction: "tenancy.company.create",
		observe.KeyOutcome: "ok"}, byName["tenancy.CreateCompany"])
	require.Equal(t, co.ID, byName["audit.Record"][observe.KeyCompany])
	require.Equal(t, map[string]string{observe.KeyCompany: co.ID, observe.KeyAction: observe.ActionRead,
		observe.KeyOutcome: observe.Outcome(err)}, byName["licensing.Pools"])
	require.Contains(t, c.logs.String(), `"msg":"tenancy.CreateCompany"`)
}
