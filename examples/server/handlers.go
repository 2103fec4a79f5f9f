package main

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/shopspring/decimal"

	"github.com/switchboardkit/switchboard/compliance"
	"github.com/switchboardkit/switchboard/licensing"
	"github.com/switchboardkit/switchboard/storage"
	"github.com/switchboardkit/switchboard/tenancy"
)

// Handlers are thin: decode, build the Actor, call the SDK, encode.

func (s *Server) healthz(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusOK, statusOut{Status: "ok"})
}

// readyz answers 200 when the database answers and both schemas (the SDK's
// and the service's) are current.
func (s *Server) readyz(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
	defer cancel()
	if err := s.store.DB().PingContext(ctx); err != nil {
		writeError(w, r, storage.Unavailable("server.readyz", err))
		return
	}
	states, err := s.store.MigrationStatus(ctx)
	if err != nil {
		writeError(w, r, storage.Unavailable("server.readyz", err))
		return
	}
	pending := 0
	for _, st := range states {
		if !st.Applied || st.Unknown {
			pending++
		}
	}
	own, err := pendingService(ctx, s.store.DB())
	if err != nil {
		writeError(w, r, storage.Unavailable("server.readyz", err))
		return
	}
	if pending+own > 0 {
		writeError(w, r, storage.Unavailable("server.readyz",
			errors.New("schema not current: "+strconv.Itoa(pending+own)+" migrations differ")))
		return
	}
	writeJSON(w, http.StatusOK, statusOut{Status: "ready"})
}

// ---- sessions and anonymous flows

type loginIn struct {
	Email    string `json:"email"`
	Password string `json:"password"`
}

type sessionOut struct {
	Token     string       `json:"token"`
	ExpiresAt time.Time    `json:"expires_at"`
	User      tenancy.User `json:"user"`
}

func (s *Server) createSession(w http.ResponseWriter, r *http.Request) {
	if !s.logins.allow("login:" + clientIP(r)) {
		writeError(w, r, errRateLimited)
		return
	}
	in, err := decode[loginIn](w, r)
	if err != nil {
		writeError(w, r, err)
		return
	}
	if !s.logins.allow("login:" + tenancy.EmailKey(in.Email)) {
		writeError(w, r, errRateLimited)
		return
	}
	u, err := s.people.Authenticate(r.Context(), in.Email, in.Password)
	if err != nil {
		if errors.Is(err, storage.ErrForbidden) || errors.Is(err, storage.ErrInvalid) || errors.Is(err, storage.ErrNotFound) {
			err = errUnauthorized // one answer for an unknown e-mail and a wrong password
		}
		writeError(w, r, err)
		return
	}
	token, sess, err := s.sessions.Create(r.Context(), u.ID)
	if err != nil {
		writeError(w, r, storage.Unavailable("server.createSession", err))
		return
	}
	writeJSON(w, http.StatusCreated, sessionOut{Token: token, ExpiresAt: sess.ExpiresAt, User: u})
}

func (s *Server) deleteSession(w http.ResponseWriter, r *http.Request) {
	p, _ := r.Context().Value(keyPrincipal).(principal)
	if p.session == "" { // the platform token is not a session
		writeError(w, r, storage.Invalid("server.deleteSession", "authorization", "session", "the platform token cannot be logged out"))
		return
	}
	if err := s.sessions.revoke(r.Context(), p.session); err != nil {
		writeError(w, r, storage.Unavailable("server.deleteSession", err))
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (s *Server) registerAffiliate(w http.ResponseWriter, r *http.Request) {
	if !s.logins.allow("register-ip:" + clientIP(r)) {
		writeError(w, r, errRateLimited)
		return
	}
	in, err := decode[tenancy.NewAffiliate](w, r)
	if err != nil {
		writeError(w, r, err)
		return
	}
	c, owner, err := s.people.RegisterAffiliate(r.Context(), r.PathValue("slug"), in)
	if err != nil { // the link's limiter's refusal wraps errRateLimited: 429
		writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, companyOut{Company: c, Owner: owner})
}

func (s *Server) requestPasswordReset(w http.ResponseWriter, r *http.Request) {
	if !s.logins.allow("reset-ip:" + clientIP(r)) {
		writeError(w, r, errRateLimited)
		return
	}
	in, err := decode[resetIn](w, r)
	if err != nil {
		writeError(w, r, err)
		return
	}
	if err := s.people.RequestPasswordReset(r.Context(), in.Email); err != nil {
		if errors.Is(err, storage.ErrLimitExceeded) {
			err = errRateLimited
		}
		writeError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusAccepted) // the same for an unknown address
}

type newPasswordIn struct {
	Token    string `json:"token"`
	Password string `json:"password"`
	Repeat   string `json:"repeat"`
}

func (s *Server) resetPassword(w http.ResponseWriter, r *http.Request) {
	if !s.logins.allow("reset-ip:" + clientIP(r)) {
		writeError(w, r, errRateLimited)
		return
	}
	in, err := decode[newPasswordIn](w, r)
	if err != nil {
		writeError(w, r, err)
		return
	}
	if err := s.people.ResetPassword(r.Context(), in.Token, in.Password, in.Repeat); err != nil {
		writeError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// ---- tenancy

// withActor runs fn with the request's Actor, answering the error otherwise.
func (s *Server) withActor(w http.ResponseWriter, r *http.Request, fn func(a tenancy.Actor) error) {
	a, err := s.actor(r)
	if err == nil {
		err = fn(a)
	}
	if err != nil {
		writeError(w, r, err)
	}
}

// body decodes the request into T and runs fn with the Actor.
func body[T any](s *Server, w http.ResponseWriter, r *http.Request, fn func(a tenancy.Actor, in T) error) {
	in, err := decode[T](w, r)
	if err != nil {
		writeError(w, r, err)
		return
	}
	s.withActor(w, r, func(a tenancy.Actor) error { return fn(a, in) })
}

func (s *Server) createCompany(w http.ResponseWriter, r *http.Request) {
	body(s, w, r, func(a tenancy.Actor, in tenancy.NewCompany) error {
		c, owner, err := s.people.CreateCompany(r.Context(), a, in)
		if err == nil {
			writeJSON(w, http.StatusCreated, companyOut{Company: c, Owner: owner})
		}
		return err
	})
}

func (s *Server) getCompany(w http.ResponseWriter, r *http.Request) {
	s.withActor(w, r, func(a tenancy.Actor) error {
		c, err := s.people.GetCompany(r.Context(), a, r.PathValue("company"))
		if err == nil {
			writeJSON(w, http.StatusOK, c)
		}
		return err
	})
}

// pageRequest reads ?after=&limit=.
func pageRequest(r *http.Request) (storage.PageRequest, error) {
	p := storage.PageRequest{After: r.URL.Query().Get("after")}
	if l := r.URL.Query().Get("limit"); l != "" {
		n, err := strconv.Atoi(l)
		if err != nil || n < 1 {
			return p, storage.Invalid("server.page", "limit", "min", "limit must be a positive integer")
		}
		p.Limit = n
	}
	return p, nil
}

type pageOut[T any] struct {
	Items      []T    `json:"items"`
	NextCursor string `json:"next_cursor,omitempty"`
}

// writePage answers one page, with the next page's address in a Link header.
func writePage[T any](w http.ResponseWriter, r *http.Request, p storage.Page[T]) {
	if p.NextCursor != "" {
		q := r.URL.Query()
		q.Set("after", p.NextCursor)
		next := url.URL{Path: r.URL.Path, RawQuery: q.Encode()}
		w.Header().Set("Link", "<"+next.String()+`>; rel="next"`)
	}
	items := p.Items
	if items == nil {
		items = []T{}
	}
	writeJSON(w, http.StatusOK, pageOut[T]{Items: items, NextCursor: p.NextCursor})
}

func (s *Server) registerEmployee(w http.ResponseWriter, r *http.Request) {
	body(s, w, r, func(a tenancy.Actor, in tenancy.NewEmployee) error {
		e, err := s.people.RegisterEmployee(r.Context(), a, r.PathValue("company"), in)
		if err == nil {
			writeJSON(w, http.StatusCreated, e)
		}
		return err
	})
}

func (s *Server) updateMember(w http.ResponseWriter, r *http.Request) {
	body(s, w, r, func(a tenancy.Actor, in tenancy.MemberChange) error {
		e, err := s.people.UpdateMember(r.Context(), a, r.PathValue("company"), r.PathValue("user"), in)
		if err == nil {
			writeJSON(w, http.StatusOK, e)
		}
		return err
	})
}

// noContent runs a use case that answers nothing.
func (s *Server) noContent(w http.ResponseWriter, r *http.Request, fn func(a tenancy.Actor) error) {
	s.withActor(w, r, func(a tenancy.Actor) error {
		err := fn(a)
		if err == nil {
			w.WriteHeader(http.StatusNoContent)
		}
		return err
	})
}

func (s *Server) removeMember(w http.ResponseWriter, r *http.Request) {
	s.noContent(w, r, func(a tenancy.Actor) error {
		return s.people.RemoveMember(r.Context(), a, r.PathValue("company"), r.PathValue("user"))
	})
}

func (s *Server) deactivateMember(w http.ResponseWriter, r *http.Request) {
	s.noContent(w, r, func(a tenancy.Actor) error {
		return s.people.DeactivateMember(r.Context(), a, r.PathValue("company"), r.PathValue("user"))
	})
}

func (s *Server) reactivateMember(w http.ResponseWriter, r *http.Request) {
	s.noContent(w, r, func(a tenancy.Actor) error {
		return s.people.ReactivateMember(r.Context(), a, r.PathValue("company"), r.PathValue("user"))
	})
}

func (s *Server) setRegistration(w http.ResponseWriter, r *http.Request) {
	body(s, w, r, func(a tenancy.Actor, in registrationIn) error {
		c, err := s.people.SetOpenRegistration(r.Context(), a, r.PathValue("company"), in.Open)
		if err == nil {
			writeJSON(w, http.StatusOK, c)
		}
		return err
	})
}

func (s *Server) issueInvitation(w http.ResponseWriter, r *http.Request) {
	body(s, w, r, func(a tenancy.Actor, in tenancy.InvitationInput) error {
		inv, err := s.people.IssueInvitation(r.Context(), a, r.PathValue("company"), in)
		if err == nil {
			writeJSON(w, http.StatusCreated, inv)
		}
		return err
	})
}

func (s *Server) createSubAccount(w http.ResponseWriter, r *http.Request) {
	body(s, w, r, func(a tenancy.Actor, in subAccountIn) error {
		sub, err := s.people.CreateSubAccount(r.Context(), a, r.PathValue("company"), in.Name)
		if err == nil {
			writeJSON(w, http.StatusCreated, sub)
		}
		return err
	})
}

func (s *Server) changePassword(w http.ResponseWriter, r *http.Request) {
	body(s, w, r, func(a tenancy.Actor, in changePasswordIn) error {
		err := s.people.ChangePassword(r.Context(), a, in.Current, in.New, in.Repeat)
		if err == nil {
			w.WriteHeader(http.StatusNoContent)
		}
		return err
	})
}

// ---- licensing

func (s *Server) setAgreement(w http.ResponseWriter, r *http.Request) {
	body(s, w, r, func(a tenancy.Actor, in agreementIn) error {
		err := s.credit.SetAgreement(r.Context(), a, r.PathValue("company"), in.Prices)
		if err == nil {
			w.WriteHeader(http.StatusNoContent)
		}
		return err
	})
}

// idempotencyKey is the request's Idempotency-Key header, passed to the
// SDK's idempotency key: a retried request returns the first answer.
func idempotencyKey(r *http.Request) string { return r.Header.Get("Idempotency-Key") }

func (s *Server) purchaseLicenses(w http.ResponseWriter, r *http.Request) {
	body(s, w, r, func(a tenancy.Actor, in purchaseIn) error {
		p, err := s.credit.PurchaseLicenses(r.Context(), a, r.PathValue("company"), licensing.LicensePurchase{
			Kind: in.Kind, Quantity: in.Quantity, IdempotencyKey: idempotencyKey(r)})
		if err == nil {
			writeJSON(w, http.StatusCreated, p)
		}
		return err
	})
}

func (s *Server) licensePools(w http.ResponseWriter, r *http.Request) {
	s.withActor(w, r, func(a tenancy.Actor) error {
		pools, err := s.credit.Pools(r.Context(), a, r.PathValue("company"))
		if err == nil {
			if pools == nil {
				pools = []licensing.Pool{}
			}
			writeJSON(w, http.StatusOK, itemsOut[licensing.Pool]{Items: pools})
		}
		return err
	})
}

func (s *Server) assignLicense(w http.ResponseWriter, r *http.Request) {
	s.withActor(w, r, func(a tenancy.Actor) error {
		as, err := s.credit.AssignLicense(r.Context(), a, r.PathValue("company"), r.PathValue("user"), licensing.LicenseKind(r.PathValue("kind")))
		if err == nil {
			writeJSON(w, http.StatusOK, as)
		}
		return err
	})
}

func (s *Server) unassignLicense(w http.ResponseWriter, r *http.Request) {
	s.noContent(w, r, func(a tenancy.Actor) error {
		return s.credit.UnassignLicense(r.Context(), a, r.PathValue("company"), r.PathValue("user"), licensing.LicenseKind(r.PathValue("kind")))
	})
}

func (s *Server) creditStatus(w http.ResponseWriter, r *http.Request) {
	s.withActor(w, r, func(a tenancy.Actor) error {
		c, err := s.credit.Credit(r.Context(), a, r.PathValue("company"))
		if err == nil {
			writeJSON(w, http.StatusOK, c)
		}
		return err
	})
}

func (s *Server) setCreditTerms(w http.ResponseWriter, r *http.Request) {
	body(s, w, r, func(a tenancy.Actor, in licensing.CreditTerms) error {
		c, err := s.credit.SetCreditTerms(r.Context(), a, r.PathValue("company"), in)
		if err == nil {
			writeJSON(w, http.StatusOK, c)
		}
		return err
	})
}

type moneyIn struct {
	Amount      decimal.Decimal `json:"amount"`
	Description string          `json:"description"`
}

func (s *Server) money(w http.ResponseWriter, r *http.Request,
	op func(ctx context.Context, by tenancy.Actor, companyID string, in licensing.MoneyInput) (licensing.LedgerEntry, error)) {
	body(s, w, r, func(a tenancy.Actor, in moneyIn) error {
		e, err := op(r.Context(), a, r.PathValue("company"), licensing.MoneyInput{
			Amount: in.Amount, Description: in.Description, IdempotencyKey: idempotencyKey(r)})
		if err == nil {
			writeJSON(w, http.StatusCreated, e)
		}
		return err
	})
}

func (s *Server) charge(w http.ResponseWriter, r *http.Request) { s.money(w, r, s.credit.Charge) }
func (s *Server) recordPayment(w http.ResponseWriter, r *http.Request) {
	s.money(w, r, s.credit.RecordPayment)
}

// ---- compliance

func (s *Server) setCallPolicy(w http.ResponseWriter, r *http.Request) {
	body(s, w, r, func(a tenancy.Actor, in callPolicyIn) error {
		p, ok := compliance.Preset(in.Preset)
		if !ok {
			return storage.Invalid("server.setCallPolicy", "preset", "oneof", "unknown policy preset")
		}
		st, err := s.calls.SetSettings(r.Context(), a, r.PathValue("company"), in.FZ230, p)
		if err == nil {
			writeJSON(w, http.StatusOK, st)
		}
		return err
	})
}

// callIn is one call-list record; the company is the one in the path.
type callIn struct {
	Phone    string   `json:"phone"`
	Zone     string   `json:"zone,omitempty"`
	Zones    []string `json:"zones,omitempty"`
	Key      string   `json:"key,omitempty"`
	SkipCaps bool     `json:"skip_caps,omitempty"`
}

func (c callIn) call(company string) compliance.Call {
	return compliance.Call{CompanyID: company, Phone: c.Phone, Zone: c.Zone, Zones: c.Zones, Key: c.Key, SkipCaps: c.SkipCaps}
}

// checkedOut is one record's answer in a batch: its decision or its problem.
type checkedOut struct {
	*compliance.Decision
	Problem *Problem `json:"problem,omitempty"`
}

func (s *Server) checkBatch(w http.ResponseWriter, r *http.Request) {
	body(s, w, r, func(a tenancy.Actor, in batchIn) error {
		calls := make([]compliance.Call, len(in.Calls))
		for i, c := range in.Calls {
			calls[i] = c.call(r.PathValue("company"))
		}
		at := in.At
		if at.IsZero() {
			at = s.clock.Now()
		}
		res, err := s.calls.CheckBatch(r.Context(), a, calls, at)
		if err != nil {
			return err
		}
		out := make([]checkedOut, len(res))
		for i := range res {
			if res[i].Err != nil {
				p := problemFor(res[i].Err)
				out[i].Problem = &p
			} else {
				out[i].Decision = &res[i].Decision
			}
		}
		writeJSON(w, http.StatusOK, itemsOut[checkedOut]{Items: out})
		return nil
	})
}

func (s *Server) reserve(w http.ResponseWriter, r *http.Request) {
	body(s, w, r, func(a tenancy.Actor, in callIn) error {
		res, d, err := s.calls.Reserve(r.Context(), a, in.call(r.PathValue("company")))
		switch {
		case err != nil:
			return err
		case !d.Allowed: // a refusal is a decision, not an error
			writeJSON(w, http.StatusOK, reserveOut{Decision: d})
		default:
			writeJSON(w, http.StatusCreated, reserveOut{Reservation: &res, Decision: d})
		}
		return nil
	})
}

func (s *Server) complete(w http.ResponseWriter, r *http.Request) {
	body(s, w, r, func(a tenancy.Actor, in outcomeIn) error {
		res, err := s.inCompany(r, func(ctx context.Context) (compliance.Reservation, error) {
			return s.calls.Complete(ctx, a, r.PathValue("id"), in.Outcome)
		})
		if err == nil {
			writeJSON(w, http.StatusOK, res)
		}
		return err
	})
}

func (s *Server) release(w http.ResponseWriter, r *http.Request) {
	s.withActor(w, r, func(a tenancy.Actor) error {
		res, err := s.inCompany(r, func(ctx context.Context) (compliance.Reservation, error) {
			return s.calls.Release(ctx, a, r.PathValue("id"))
		})
		if err == nil {
			writeJSON(w, http.StatusOK, res)
		}
		return err
	})
}

// inCompany runs a reservation use case addressed by id under the company
// in the path, inside one transaction, and refuses (rolling it back) a
// reservation of another company as not found: the path names the company,
// the id alone must not reach across.
func (s *Server) inCompany(r *http.Request, fn func(ctx context.Context) (compliance.Reservation, error)) (compliance.Reservation, error) {
	var res compliance.Reservation
	err := s.store.InTx(r.Context(), func(ctx context.Context) error {
		var err error
		if res, err = fn(ctx); err != nil {
			return err
		}
		if res.CompanyID != r.PathValue("company") {
			return storage.NotFound("server.reservation", "reservation", r.PathValue("id"))
		}
		return nil
	})
	return res, err
}

// ---- request and response bodies (the OpenAPI document is generated from them)

type resetIn struct {
	Email string `json:"email"`
}

type registrationIn struct {
	Open bool `json:"open"` // anyone with the link may register; otherwise invited companies only
}

type subAccountIn struct {
	Name string `json:"name"`
}

type changePasswordIn struct {
	Current string `json:"current"`
	New     string `json:"new"`
	Repeat  string `json:"repeat"`
}

type agreementIn struct {
	Prices map[licensing.Item]decimal.Decimal `json:"prices"`
}

type purchaseIn struct {
	Kind     licensing.LicenseKind `json:"kind"`
	Quantity int                   `json:"quantity"`
}

type callPolicyIn struct {
	FZ230  bool   `json:"fz230"`
	Preset string `json:"preset"`
}

type batchIn struct {
	Calls []callIn  `json:"calls"`
	At    time.Time `json:"at,omitzero"`
}

type outcomeIn struct {
	Outcome compliance.Outcome `json:"outcome"`
}

type statusOut struct {
	Status string `json:"status"`
}

type companyOut struct {
	Company tenancy.Company `json:"company"`
	Owner   tenancy.User    `json:"owner"`
}

type itemsOut[T any] struct {
	Items []T `json:"items"`
}

// reserveOut is a reservation with its decision; a refusal has none.
type reserveOut struct {
	Reservation *compliance.Reservation `json:"reservation,omitempty"`
	Decision    compliance.Decision     `json:"decision"`
}

// answer runs fn with the request's Actor and answers its result with status.
func answer[T any](s *Server, w http.ResponseWriter, r *http.Request, status int, fn func(ctx context.Context, a tenancy.Actor) (T, error)) {
	s.withActor(w, r, func(a tenancy.Actor) error {
		v, err := fn(r.Context(), a)
		if err == nil {
			writeJSON(w, status, v)
		}
		return err
	})
}

// answerBody decodes the request into In, runs fn with it and the Actor and
// answers the result with status.
func answerBody[In, T any](s *Server, w http.ResponseWriter, r *http.Request, status int, fn func(ctx context.Context, a tenancy.Actor, in In) (T, error)) {
	body(s, w, r, func(a tenancy.Actor, in In) error {
		v, err := fn(r.Context(), a, in)
		if err == nil {
			writeJSON(w, status, v)
		}
		return err
	})
}

// items wraps a list as {"items": […]}, never null.
func items[T any](v []T, err error) (itemsOut[T], error) {
	if v == nil {
		v = []T{}
	}
	return itemsOut[T]{Items: v}, err
}

// answerPage answers fn's page with the Link header, reading ?after=&limit= first.
func answerPage[T any](s *Server, w http.ResponseWriter, r *http.Request, fn func(ctx context.Context, a tenancy.Actor, p storage.PageRequest) (storage.Page[T], error)) {
	s.withActor(w, r, func(a tenancy.Actor) error {
		pr, err := pageRequest(r)
		if err != nil {
			return err
		}
		p, err := fn(r.Context(), a, pr)
		if err == nil {
			writePage(w, r, p)
		}
		return err
	})
}

// queryTime reads an RFC 3339 query parameter; optional ones may be absent
// (the zero time).
func queryTime(r *http.Request, name string, required bool) (time.Time, error) {
	v := r.URL.Query().Get(name)
	if v == "" {
		if required {
			return time.Time{}, storage.Invalid("server.query", name, "required", "an RFC 3339 instant is required")
		}
		return time.Time{}, nil
	}
	t, err := time.Parse(time.RFC3339, v)
	if err != nil {
		return time.Time{}, storage.Invalid("server.query", name, "datetime", "must be an RFC 3339 instant")
	}
	return t, nil
}

// company is the company the path names.
func company(r *http.Request) string { return r.PathValue("company") }
