package main

import (
	"context"
	"errors"
	"fmt"

	"github.com/switchboardkit/switchboard/audit"
	"github.com/switchboardkit/switchboard/storage"
	"github.com/switchboardkit/switchboard/tenancy"
)

// tourAudit shows the trail's guarantees: a failed use case leaves nothing,
// every committed change is an event, and the per-company chains verify.
func tourAudit(ctx context.Context, env *tourEnv) error {
	ctx = audit.WithRequest(ctx, "quickstart-1", "127.0.0.1", "quickstart")
	platform := audit.Actor{UserID: "quickstart", Role: "platform_admin"}

	// A use case that fails half-way: its event is rolled back with it.
	err := env.Tx.InTx(ctx, func(ctx context.Context) error {
		if _, err := env.Audit.Record(ctx, audit.Entry{Actor: platform, Action: "quickstart.fail", EntityType: "demo"}); err != nil {
			return err
		}
		return errors.New("something went wrong after the event was written")
	})
	fmt.Fprintln(env.Out, "failed use case:", err)

	// Who sees what: tenancy turns an actor into the companies it may read.
	for _, who := range []struct {
		name  string
		actor tenancy.Actor
	}{{"reseller admin", env.ResellerAdmin}, {"affiliate owner", env.Owner}, {"manager", env.Manager}} {
		sc, err := env.Tenancy.AuditScope(ctx, who.actor)
		if err != nil {
			return err
		}
		page, err := env.Audit.Query(ctx, sc, audit.Filter{}, storage.PageRequest{Limit: storage.MaxPageSize})
		if err != nil {
			return err
		}
		fmt.Fprintf(env.Out, "the %s may read the trails of %d company(ies): %d events on the first page\n", who.name, len(sc.CompanyIDs), len(page.Items))
	}

	scope, err := env.Tenancy.AuditScope(ctx, tenancy.Platform("quickstart"))
	if err != nil {
		return err
	}
	var companies = map[string]bool{}
	n, total := 0, 0
	req := storage.PageRequest{Limit: 100}
	for {
		page, err := env.Audit.Query(ctx, scope, audit.Filter{}, req)
		if err != nil {
			return err
		}
		for _, e := range page.Items {
			total++
			companies[e.CompanyID] = true
			if n < 15 {
				fmt.Fprintf(env.Out, "  %s  #%d %-34s %-14s %s by %s (%s)\n", e.OccurredAt.Format("15:04:05.000000"), e.Seq,
					e.Action, e.EntityType, short(e.EntityID), short(e.Actor.UserID), e.Actor.Role)
				n++
			}
		}
		if page.NextCursor == "" {
			break
		}
		req.After = page.NextCursor
	}
	fmt.Fprintf(env.Out, "%d events in the trail (newest first, %d shown); none from the failed use case\n", total, n)
	for company := range companies {
		v, err := env.Audit.Verify(ctx, scope, company)
		if err != nil {
			return err
		}
		name := company
		if name == "" {
			name = "(platform)"
		}
		fmt.Fprintf(env.Out, "  chain %s: %d events, intact=%v\n", short(name), v.Checked, v.OK)
		if !v.OK {
			return fmt.Errorf("chain %s broken at %d: %s", name, v.BrokenSeq, v.Reason)
		}
	}
	return nil
}
