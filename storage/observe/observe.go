package observe

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/trace"
	"go.opentelemetry.io/otel/trace/noop"

	"github.com/switchboardkit/switchboard/storage"
)

type spanKey struct{}

// Attribute keys of the use-case spans and log records.
const (
	KeyCompany = "switchboard.company_id" // the company the use case acts on, when known
	KeyAction  = "switchboard.action"     // the audited action, or ActionRead
	KeyOutcome = "switchboard.outcome"    // OutcomeOK or the error kind (see Outcome)
)

// ActionRead is the action of a use case that changes nothing.
const ActionRead = "read"

// Outcome kinds besides the storage error kinds.
const (
	OutcomeOK       = "ok"       // the use case succeeded
	OutcomeCanceled = "canceled" // the caller's context was cancelled or timed out
	OutcomeOther    = "other"    // an error of no SDK kind (a host callback's, say)
)

// Option configures an SDK service. Every service constructor takes
// ...Option; WithLogger and WithTracerProvider are accepted by all of them,
// and each domain adds its own (tenancy.WithClock …), built with For.
type Option interface {
	apply(target any, o *Observer)
}

type observerOption func(*Observer)

func (f observerOption) apply(_ any, o *Observer) { f(o) }

// WithLogger sets the logger the service writes to (default: discarded). A
// nil logger keeps the default.
func WithLogger(l *slog.Logger) Option {
	return observerOption(func(o *Observer) { o.log = l })
}

// WithTracerProvider sets the OpenTelemetry tracer provider the service's
// use-case spans come from (default: none, and no span is started). The SDK
// never reads the global provider: pass otel.GetTracerProvider() to use it.
// A nil provider or one of go.opentelemetry.io/otel/trace/noop keeps tracing off.
func WithTracerProvider(tp trace.TracerProvider) Option {
	return observerOption(func(o *Observer) { o.tp = tp })
}

type serviceOption[S any] func(*S)

func (f serviceOption[S]) apply(target any, _ *Observer) {
	s, ok := target.(*S)
	if !ok {
		panic(fmt.Sprintf("an option of %T was given to the constructor of %T", (*S)(nil), target))
	}
	f(s)
}

// For makes an Option that configures a service of type S; the domains
// build their own options with it. Given to the constructor of another
// type, the option panics there, naming both types: it is a wiring mistake,
// caught when the service is built.
func For[S any](f func(*S)) Option { return serviceOption[S](f) }

// Apply applies opts to target (a service of the domain that calls it) and
// to o, then derives o's tracer for the instrumentation scope (the domain's
// import path). Nil options are skipped.
func Apply(scope string, target any, o *Observer, opts []Option) {
	for _, opt := range opts {
		if opt != nil {
			opt.apply(target, o)
		}
	}
	o.tracer = nil
	if o.tp != nil {
		if _, off := o.tp.(noop.TracerProvider); !off {
			o.tracer = o.tp.Tracer(scope)
		}
	}
}

// Observer is a service's logger and tracer. The zero value is off: it logs
// nothing and starts no span. It is safe for concurrent use once built.
type Observer struct {
	log    *slog.Logger
	tp     trace.TracerProvider
	tracer trace.Tracer
}

var discard = slog.New(slog.DiscardHandler)

// Logger is the service's logger, never nil (a discarding one by default).
func (o *Observer) Logger() *slog.Logger {
	if o == nil || o.log == nil {
		return discard
	}
	return o.log
}

// UseCase is one running use case, as Start began it. Its zero value ends
// nothing.
type UseCase struct {
	o                   *Observer
	ctx                 context.Context
	span                trace.Span
	op, company, action string
	start               time.Time
}

// Start begins the use case op ("tenancy.AddMember") acting on companyID
// ("" when not known yet) and performing action (the main audit action it
// records, or ActionRead). It returns the context the use case runs in (it
// carries the span) and the UseCase to end with the use case's result:
//
//	ctx, uc := s.obs.Start(ctx, op, companyID, "tenancy.member.add")
//	defer func() { uc.End(err) }()
//
// With tracing off Start returns ctx itself and allocates nothing, whatever
// the logger.
func (o *Observer) Start(ctx context.Context, op, companyID, action string) (context.Context, UseCase) {
	if o == nil || o.tracer == nil && o.log == nil {
		return ctx, UseCase{}
	}
	uc := UseCase{o: o, op: op, company: companyID, action: action, start: time.Now()}
	if o.tracer != nil {
		ctx, uc.span = o.tracer.Start(ctx, op, trace.WithSpanKind(trace.SpanKindInternal),
			trace.WithAttributes(attribute.String(KeyCompany, companyID), attribute.String(KeyAction, action)))
		ctx = context.WithValue(ctx, spanKey{}, uc.span)
	}
	uc.ctx = ctx
	return ctx, uc
}

// End finishes the use case with its error (nil for success). It sets the
// outcome (Outcome of the error) on the span, marks the span as failed for
// internal, unavailable and non-SDK errors, and writes one log record: Debug
// for a use case that ended as designed (ok or a domain refusal), Error, with
// the error's text, for a failure. No argument of the use case is recorded
// besides company and action, so no secret can reach a span or a log record;
// the SDK's error texts never carry one.
func (uc UseCase) End(err error) {
	if uc.o == nil {
		return
	}
	outcome := Outcome(err)
	if uc.span != nil {
		uc.span.SetAttributes(attribute.String(KeyOutcome, outcome))
		if failed(outcome) {
			uc.span.SetStatus(codes.Error, outcome)
		}
		uc.span.End()
	}
	log := uc.o.log
	if log == nil {
		return
	}
	if failed(outcome) {
		log.LogAttrs(uc.ctx, slog.LevelError, uc.op+" failed", slog.String(KeyCompany, uc.company),
			slog.String(KeyAction, uc.action), slog.String(KeyOutcome, outcome),
			slog.Duration("duration", time.Since(uc.start)), slog.String("error", err.Error()))
		return
	}
	if log.Enabled(uc.ctx, slog.LevelDebug) {
		log.LogAttrs(uc.ctx, slog.LevelDebug, uc.op, slog.String(KeyCompany, uc.company),
			slog.String(KeyAction, uc.action), slog.String(KeyOutcome, outcome),
			slog.Duration("duration", time.Since(uc.start)))
	}
}

func failed(outcome string) bool {
	return outcome == kindInternal || outcome == kindUnavailable || outcome == OutcomeOther
}

// Annotate sets the company a use case learns while it runs (the one it
// creates) on the span of the innermost use case running in ctx (one Start
// began; a host's own spans are left alone). It does nothing, and does not
// allocate, when no such span is recording or companyID is "".
// audit.Log.Record calls it with its event's company.
func Annotate(ctx context.Context, companyID string) {
	span, ok := ctx.Value(spanKey{}).(trace.Span)
	if !ok || companyID == "" || !span.IsRecording() {
		return
	}
	span.SetAttributes(attribute.String(KeyCompany, companyID))
}

const (
	kindInternal    = "internal"
	kindUnavailable = "unavailable"
)

var kinds = []struct {
	err  error
	name string
}{
	{storage.ErrNotFound, "not_found"},
	{storage.ErrForbidden, "forbidden"},
	{storage.ErrInvalid, "invalid"},
	{storage.ErrLimitExceeded, "limit_exceeded"},
	{storage.ErrSuspended, "suspended"},
	{storage.ErrPrecondition, "precondition"},
	{storage.ErrConflict, "conflict"},
	{storage.ErrUnavailable, kindUnavailable},
	{storage.ErrInternal, kindInternal},
	{storage.ErrRetryable, "retryable"},
}

// Outcome names how a use case ended: OutcomeOK for nil; the SDK error kind
// it carries ("not_found", "forbidden", "invalid", "limit_exceeded",
// "suspended", "precondition", "conflict", "unavailable", "internal",
// "retryable"); OutcomeCanceled for a cancelled or expired context;
// OutcomeOther for any other error.
func Outcome(err error) string {
	if err == nil {
		return OutcomeOK
	}
	var se *storage.Error
	if errors.As(err, &se) {
		for _, k := range kinds {
			if se.Kind == k.err {
				return k.name
			}
		}
	}
	for _, k := range kinds {
		if errors.Is(err, k.err) {
			return k.name
		}
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return OutcomeCanceled
	}
	return OutcomeOther
}
