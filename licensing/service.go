package licensing

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"

	"github.com/switchboardkit/switchboard/audit"
	"github.com/switchboardkit/switchboard/storage"
	"github.com/switchboardkit/switchboard/storage/observe"
	"github.com/switchboardkit/switchboard/tenancy"
)

// Service is the licensing and credit use cases. It is safe for concurrent use.
type Service struct {
	obs   observe.Observer // logger and tracer (observe.WithLogger, observe.WithTracerProvider)
	tx    storage.Transactor
	store Store
	dir   tenancy.Directory
	audit audit.Recorder
	clock storage.Clock
	box   storage.Outbox
	v     *storage.Validator
	// centres checks a purchase's cost centre (WithCostCentres).
	centres CostCentres
}

// CostCentres is what licensing asks of the host about cost centres:
// account.Service implements it. ActiveCostCentre returns nil when
// costCentreID is an active cost centre of companyID, else a
// *storage.ValidationError (field "cost_centre_id"); it runs inside the
// purchase's transaction.
type CostCentres interface {
	ActiveCostCentre(ctx context.Context, companyID, costCentreID string) error
}

// WithCostCentres lets purchases be booked to cost centres, checked by c
// (typically the account.Service). Without it a purchase naming a cost
// centre is refused (field "cost_centre_id").
func WithCostCentres(c CostCentres) Option { return observe.For(func(s *Service) { s.centres = c }) }

// checkCostCentre validates a purchase's cost centre ("" is none).
func (s *Service) checkCostCentre(ctx context.Context, op, companyID, id string) error {
	switch {
	case id == "":
		return nil
	case s.centres == nil:
		return storage.Invalid(op, "cost_centre_id", "configured", "cost centres are not enabled (licensing.WithCostCentres)")
	}
	return storage.Reop(op, s.centres.ActiveCostCentre(ctx, companyID, id))
}

// Option configures a Service. It is observe.Option, so the shared observe.WithLogger and
// observe.WithTracerProvider are accepted too.
type Option = observe.Option

// WithClock sets the clock (default storage.SystemClock).
func WithClock(c storage.Clock) Option { return observe.For(func(s *Service) { s.clock = c }) }

// NewService returns the licensing service over a transactor, its store, the
// tenancy directory (company facts and membership) and the audit recorder,
// writing its effects (payment reminders, suspensions) to box. It panics
// when a dependency is nil (storage.Need).
func NewService(tx storage.Transactor, store Store, dir tenancy.Directory, rec audit.Recorder, box storage.Outbox, opts ...Option) *Service {
	const op = "licensing.NewService"
	storage.Need(op, "the transactor", tx)
	storage.Need(op, "the store", store)
	storage.Need(op, "the tenancy directory", dir)
	storage.Need(op, "the audit recorder", rec)
	storage.Need(op, "the outbox", box)
	s := &Service{tx: tx, store: store, dir: dir, audit: rec, box: box, clock: storage.SystemClock{},
		v: storage.NewValidator()}
	for _, r := range tenancy.Rules() { // "phone", for subscription numbers
		if err := s.v.RegisterRule(r); err != nil {
			panic(op + ": registering tenancy's validation rules: " + err.Error()) // static rules: cannot fail
		}
	}
	observe.Apply("github.com/switchboardkit/switchboard/licensing", s, &s.obs, opts)
	return s
}

// company loads companyID's facts and authorises act on its company-wide
// data for the actor as Verify re-reads it. To a non-platform actor a
// company it may not see is storage.ErrNotFound, as a missing one is.
func (s *Service) company(ctx context.Context, op string, by tenancy.Actor, act tenancy.Action, companyID string) (tenancy.CompanyRef, error) {
	if companyID == "" {
		return tenancy.CompanyRef{}, storage.Invalid(op, "company_id", "required", "is required")
	}
	by, err := s.dir.Verify(ctx, by)
	if err != nil {
		return tenancy.CompanyRef{}, storage.Reop(op, err)
	}
	c, err := s.dir.Company(ctx, companyID)
	if err == nil && !tenancy.Sees(by, c) {
		err = storage.NotFound(op, "company", companyID)
	}
	if err != nil {
		return tenancy.CompanyRef{}, storage.Reop(op, err)
	}
	if err := tenancy.Authorize(op, by, act, c.Resource()); err != nil {
		return tenancy.CompanyRef{}, err
	}
	return c, nil
}

// member checks that userID belongs to companyID: a user of another company
// (or no user at all) is a validation error on user_id. It takes the
// membership under tenancy's member lock (Directory.LockMember), the lock
// RemoveMember takes, so an assignment and a removal of its user serialise.
func (s *Service) member(ctx context.Context, op, companyID, userID string) (tenancy.MemberRef, error) {
	if userID == "" {
		return tenancy.MemberRef{}, storage.Invalid(op, "user_id", "required", "is required")
	}
	m, err := s.dir.LockMember(ctx, companyID, userID)
	if errors.Is(err, storage.ErrNotFound) {
		return tenancy.MemberRef{}, storage.Invalid(op, "user_id", "member", "is not a member of the company")
	}
	return m, storage.Reop(op, err)
}

func (s *Service) record(ctx context.Context, by tenancy.Actor, companyID, action, entity, id string, changes ...audit.Change) error {
	_, err := s.audit.Record(ctx, audit.Entry{Actor: by.Audit(), CompanyID: companyID, Action: action,
		EntityType: entity, EntityID: id, Changes: changes})
	return err
}

// requestHash fingerprints an idempotent request: the operation and its
// parameters.
func requestHash(op string, params any) string {
	b, err := json.Marshal(params)
	if err != nil {
		panic("licensing: request not encodable: " + err.Error())
	}
	h := sha256.New()
	h.Write([]byte(op))
	h.Write([]byte{0})
	h.Write(b)
	return hex.EncodeToString(h.Sum(nil))
}

// idempotent runs do once per (company, key). It must run inside the use
// case's transaction after LockAccount, which serialises every idempotent
// request of the company, so two concurrent requests with one key cannot
// both miss the record. A stored record with the same request hash is
// decoded and returned (replayed = true); a different hash is ErrConflict.
func idempotent[T any](ctx context.Context, s *Service, op, companyID, key string, params any, do func() (T, error)) (res T, replayed bool, err error) {
	hash := requestHash(op, params)
	rec, err := s.store.Idempotent(ctx, companyID, key)
	switch {
	case err == nil:
		if rec.RequestHash != hash {
			return res, false, storage.Conflict(op, "idempotency key %q was used with different parameters", key)
		}
		if err := json.Unmarshal(rec.Result, &res); err != nil {
			return res, false, storage.Internal(op, err).Explain("stored result unreadable")
		}
		return res, true, nil
	case !errors.Is(err, storage.ErrNotFound):
		return res, false, err
	}
	if res, err = do(); err != nil {
		return res, false, err
	}
	b, err := json.Marshal(res)
	if err != nil {
		return res, false, storage.Internal(op, err)
	}
	err = s.store.SaveIdempotent(ctx, IdempotencyRecord{CompanyID: companyID, Key: key, RequestHash: hash,
		Result: b, CreatedAt: storage.Timestamp(s.clock.Now())})
	return res, false, err
}

// onceOnAccount locks companyID's account (serialising the company's
// idempotent requests) and runs do with it once per (company, key): see
// idempotent. It must run inside the use case's transaction.
func onceOnAccount[T any](ctx context.Context, s *Service, op, companyID, key string, params any, do func(acct *Account) (T, error)) (T, error) {
	acct, err := s.store.LockAccount(ctx, companyID)
	if err != nil {
		var zero T
		return zero, err
	}
	res, _, err := idempotent(ctx, s, op, companyID, key, params, func() (T, error) { return do(&acct) })
	return res, err
}

// validateInput checks in's struct tags and returns the validation error to
// add further field errors to (empty when the tags hold).
func (s *Service) validateInput(ctx context.Context, op string, in any) (*storage.ValidationError, error) {
	verr := &storage.ValidationError{Op: op}
	if err := storage.Validate(ctx, op, s.v, in); err != nil && !errors.As(err, &verr) {
		return nil, err
	}
	return verr, nil
}

// pageOf cuts items, read with a limit of size+1, to a page of size with
// the cursor of its last item when there is more.
func pageOf[T any](items []T, size int, cursor func(last T) any) storage.Page[T] {
	page := storage.Page[T]{Items: items}
	if len(items) > size {
		page.Items = items[:size]
		page.NextCursor = storage.EncodeCursor(cursor(items[size-1]))
	}
	return page
}

// checkKey validates an idempotency key: required; the input's tags make
// it single-line text (storage.TagText) of at most 200 characters.
func checkKey(verr *storage.ValidationError, key string) {
	if key == "" {
		verr.Add("idempotency_key", "required", "is required")
	}
}
