// Package observe is the SDK's one observability story: the options every
// service constructor accepts, and the span and log record each use case
// produces.
//
// # Options
//
// Every constructor — tenancy.NewService, account.NewService,
// presence.NewService, licensing.NewService, compliance.NewService,
// audit.NewLog — takes ...Option, and each domain's own Option type is an
// alias of this package's Option. So the same two options work everywhere,
// and a host builds them once:
//
//	obs := []observe.Option{observe.WithLogger(logger), observe.WithTracerProvider(tp)}
//	ten := tenancy.NewService(st, st.Tenancy(), log, st.Outbox(), keys, append(obs, tenancy.WithClock(clk))...)
//	lic := licensing.NewService(st, st.Licensing(), ten, log, st.Outbox(), obs...)
//
// A domain's own options (tenancy.WithClock, licensing.WithClock …) are
// built with For and apply only to that domain's service: given to another
// constructor, one panics there with a message naming both types. That is
// the price of one shared type (the compiler no longer tells the two apart);
// the mistake still surfaces when the service is built, never later.
//
// Defaults: logging is discarded and no tracer is used. The SDK never reads
// OpenTelemetry's global provider; a host that wants it passes
// otel.GetTracerProvider().
//
// # Spans and log records
//
// Each use case (a service method the host calls) is one span named after
// the method ("tenancy.AddMember") with three attributes:
//
//   - switchboard.company_id: the company the use case acts on ("" when it
//     creates one; the audit event's company is set once it is recorded);
//   - switchboard.action: the main audit action a change records
//     ("tenancy.member.add"; a use case that records several events names
//     the one it exists for), or "read" for a use case that changes nothing;
//   - switchboard.outcome: "ok", or the kind of the error it returned
//     (Outcome: "not_found", "forbidden", "invalid", "conflict" …).
//
// A span's status is Error only for internal, unavailable and non-SDK
// errors: a refusal (forbidden, invalid, limit exceeded) is the SDK working
// as designed. Use cases called inside another (audit.Log.Record inside
// every change, a licensing hook inside tenancy.RegisterEmployee) are child
// spans. The Directory lookups other domains make (tenancy.Service.Company,
// Member, ActorFor) are not use cases and have no span.
//
// The same use case writes one log record at its end, through the
// service's logger: Debug for an outcome the SDK designed (ok or a refusal),
// Error, with the error's text, for internal and unavailable failures.
//
// SQL statements become child spans when the host enables them on the bun
// store (bunstore.Store.TraceSQL); they carry the statement with
// placeholders, never the bound values.
//
// # No secret leaves the SDK
//
// Spans and log records carry only the method name, company ID, action,
// outcome, duration and (for failures) the error's text; the SDK's error
// texts never contain a secret (passwords, mail and PBX credentials, keys),
// and SQL spans never carry argument values. The conformance suite proves it:
// its secret tests run with a recording logger and an in-memory span
// exporter and assert no secret appears in either.
//
// # Cost when off
//
// With no tracer provider (the default) Start returns the caller's context
// and a UseCase held on the stack: a use case allocates nothing for
// observability, whether or not a logger is set, until a record is written.
package observe
