package account_test

import (
	"context"
	"testing"

	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"

	"github.com/switchboardkit/switchboard/account"
	"github.com/switchboardkit/switchboard/storage/observe"
)

func BenchmarkValidINN(b *testing.B) {
	for b.Loop() {
		account.ValidINN("500100732259")
	}
}

func BenchmarkValidSettlementAccount(b *testing.B) {
	for b.Loop() {
		account.ValidSettlementAccount("40702810138250123017", "044525225")
	}
}

func BenchmarkValidateRequisites(b *testing.B) {
	ctx := context.Background()
	svc, _ := newFixture(b)
	r := account.Requisites{INN: "7707083893", KPP: "773601001", BIK: "044525225",
		CorrespondentAccount: "30101810400000000225", SettlementAccount: "40702810138250123017", BankName: "ПАО Сбербанк"}
	for b.Loop() {
		if err := svc.ValidateRequisites(ctx, r); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkLocation is the query presence makes per operator (memory store).
func BenchmarkLocation(b *testing.B) {
	ctx := context.Background()
	svc, f := newFixture(b)
	if _, err := svc.SetUserLocale(ctx, f.op, f.company.ID, f.op.UserID, account.UserLocale{TimeZone: "Europe/Moscow"}); err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if _, err := svc.Location(ctx, f.company.ID, f.op.UserID); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkUpdateProfile is one authorised, validated, audited write (memory store).
func BenchmarkUpdateProfile(b *testing.B) {
	ctx := context.Background()
	svc, f := newFixture(b)
	names := [2]string{"New ways company", "New ways"}
	i := 0
	for b.Loop() {
		i++
		if _, err := svc.UpdateProfile(ctx, f.admin, f.company.ID, account.Profile{DisplayName: names[i%2], Country: "RU"}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkUpdateProfileTraced is BenchmarkUpdateProfile with every use case
// traced by an OpenTelemetry SDK provider (spans dropped by a no-op exporter
// would still be recorded, so they go to an in-memory one that is reset).
func BenchmarkUpdateProfileTraced(b *testing.B) {
	ctx := context.Background()
	exp := tracetest.NewInMemoryExporter()
	svc, f := newFixture(b, observe.WithTracerProvider(sdktrace.NewTracerProvider(sdktrace.WithSyncer(exp))))
	names := [2]string{"New ways company", "New ways"}
	i := 0
	for b.Loop() {
		i++
		if _, err := svc.UpdateProfile(ctx, f.admin, f.company.ID, account.Profile{DisplayName: names[i%2], Country: "RU"}); err != nil {
			b.Fatal(err)
		}
		exp.Reset()
	}
}
