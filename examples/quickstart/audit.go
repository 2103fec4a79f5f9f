package main

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"golang.org/x/mod/sumdb/note"

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
	fmt.Fprintf(env.Out, "%d events in the trail (newest first, %d shown, #0 = not sealed yet); none from the failed use case\n", total, n)

	// Sealing: the host drives it (a ticker, a job queue); each company's
	// pending events get their place in its Merkle log and a signed checkpoint.
	sealed, err := env.Audit.Seal(ctx, env.Tx)
	if err != nil {
		return err
	}
	var witness []byte // a witness keeps the latest checkpoint it saw
	var witnessed string
	var most int64
	for _, r := range sealed {
		fmt.Fprintf(env.Out, "  sealed %d events of %s: log size %d\n", r.Sealed, short(nameOf(r.CompanyID)), r.Head.Size)
		if r.CompanyID != "" && r.Head.Size > most {
			witness, witnessed, most = r.Head.Checkpoint, r.CompanyID, r.Head.Size
		}
	}
	fmt.Fprintf(env.Out, "signed checkpoint of %s:\n%s", short(witnessed), indent(string(witness)))

	// An inclusion proof for the company's first event, checked against the checkpoint.
	first, err := env.Audit.Query(ctx, scope, audit.Filter{CompanyID: witnessed}, storage.PageRequest{Limit: 1})
	if err != nil {
		return err
	}
	ev := first.Items[0]
	proof, err := env.Audit.Prove(ctx, scope, ev.ID)
	if err != nil {
		return err
	}
	cp, err := audit.OpenCheckpoint(audit.DefaultOrigin, proof.Checkpoint, auditKey.verifier)
	if err != nil {
		return err
	}
	fmt.Fprintf(env.Out, "inclusion proof of event #%d (%s) in a log of %d: %d hashes, verifies: %v\n",
		proof.Seq, ev.Action, proof.Size, len(proof.Path), audit.CheckInclusion(proof, ev, cp) == nil)
	forged := *ev
	forged.Action = "compliance.call.forged"
	fmt.Fprintf(env.Out, "the same proof for an edited copy verifies: %v\n", audit.CheckInclusion(proof, &forged, cp) == nil)

	for company := range companies {
		v, err := env.Audit.Verify(ctx, scope, company)
		if err != nil {
			return err
		}
		fmt.Fprintf(env.Out, "  log %s: %d events recomputed, intact=%v\n", short(nameOf(company)), v.Checked, v.OK)
		if !v.OK {
			return fmt.Errorf("log %s broken at %d: %s", company, v.BrokenSeq, v.Reason)
		}
	}
	v, err := env.Audit.VerifyAgainst(ctx, scope, witness, auditKey.verifier)
	if err != nil {
		return err
	}
	fmt.Fprintf(env.Out, "the log of %s still extends the witness's checkpoint: %v\n", short(witnessed), v.OK)
	return nil
}

func nameOf(company string) string {
	if company == "" {
		return "(platform)"
	}
	return company
}

func indent(s string) string {
	return "    " + strings.ReplaceAll(strings.TrimSuffix(s, "\n"), "\n", "\n    ") + "\n"
}

// auditKey signs the quickstart's checkpoints: an in-memory Ed25519 key. In
// production the signer is a KMS key behind a crypto.Signer (audit.NewSigner).
var auditKey = func() (k struct {
	signer   note.Signer
	verifier note.Verifier
}) {
	pub, priv, err := audit.GenerateKey()
	if err == nil {
		k.signer, err = audit.NewSigner("quickstart.switchboard.example", priv)
	}
	if err == nil {
		k.verifier, err = audit.NewVerifier("quickstart.switchboard.example", pub)
	}
	if err != nil {
		panic(err)
	}
	return k
}()
