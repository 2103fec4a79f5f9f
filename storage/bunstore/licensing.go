package bunstore

import (
	"context"
	"encoding/json"
	"time"

	"github.com/shopspring/decimal"
	"github.com/uptrace/bun"

	"github.com/switchboardkit/switchboard/licensing"
	"github.com/switchboardkit/switchboard/storage"
)

// Licensing returns the store's licensing.Store.
func (s *Store) Licensing() licensing.Store { return licensingStore{s} }

type licensingStore struct{ s *Store }

var _ licensing.Store = licensingStore{}

type licAccountRow struct {
	bun.BaseModel `bun:"table:licensing_accounts"`

	CompanyID         string              `bun:"company_id,pk"`
	Tier              string              `bun:"tier"`
	ContractKind      string              `bun:"contract_kind"`
	ContractEndsAt    time.Time           `bun:"contract_ends_at,nullzero"`
	Prices            string              `bun:"prices"`
	CreditLimit       decimal.NullDecimal `bun:"credit_limit"`
	ReminderThreshold decimal.NullDecimal `bun:"reminder_threshold"`
	ReminderArmed     bool                `bun:"reminder_armed"`
	Balance           decimal.Decimal     `bun:"balance"`
	Suspended         bool                `bun:"suspended"`
	LastSeq           int64               `bun:"last_seq"`
	UpdatedAt         time.Time           `bun:"updated_at,nullzero"`
}

func toAccountRow(a licensing.Account) (*licAccountRow, error) {
	prices, err := json.Marshal(a.Prices)
	if err != nil {
		return nil, err
	}
	r := &licAccountRow{CompanyID: a.CompanyID, Tier: string(a.Plan.Tier), ContractKind: string(a.Plan.Contract.Kind),
		Prices: string(prices), CreditLimit: a.CreditLimit, ReminderThreshold: a.ReminderThreshold,
		ReminderArmed: a.ReminderArmed, Balance: a.Balance, Suspended: a.Suspended, LastSeq: a.LastSeq}
	if !a.Plan.Contract.EndsAt.IsZero() {
		r.ContractEndsAt = storage.Timestamp(a.Plan.Contract.EndsAt)
	}
	if !a.UpdatedAt.IsZero() {
		r.UpdatedAt = storage.Timestamp(a.UpdatedAt)
	}
	return r, nil
}

func (r *licAccountRow) account() (licensing.Account, error) {
	a := licensing.Account{CompanyID: r.CompanyID,
		Plan:        licensing.Plan{Tier: licensing.Tier(r.Tier), Contract: licensing.Contract{Kind: licensing.ContractKind(r.ContractKind)}},
		CreditLimit: r.CreditLimit, ReminderThreshold: r.ReminderThreshold, ReminderArmed: r.ReminderArmed,
		Balance: r.Balance, Suspended: r.Suspended, LastSeq: r.LastSeq}
	if !r.ContractEndsAt.IsZero() {
		a.Plan.Contract.EndsAt = r.ContractEndsAt.UTC()
	}
	if !r.UpdatedAt.IsZero() {
		a.UpdatedAt = r.UpdatedAt.UTC()
	}
	if err := json.Unmarshal([]byte(r.Prices), &a.Prices); err != nil {
		return a, storage.Internal("licensing.decode", err)
	}
	if a.Prices == nil {
		a.Prices = map[licensing.Item]decimal.Decimal{}
	}
	return a, nil
}

func (l licensingStore) LockAccount(ctx context.Context, companyID string) (licensing.Account, error) {
	const op = "licensing.LockAccount"
	if !l.s.inTx(ctx) {
		return licensing.Account{}, storage.MustBeInTx(ctx, op)
	}
	row, err := toAccountRow(licensing.NewAccount(companyID))
	if err != nil {
		return licensing.Account{}, storage.Internal(op, err)
	}
	db := l.s.idb(ctx)
	if _, err := db.NewInsert().Model(row).On(l.s.upsert("licensing_accounts", "company_id", "")[4:]).Exec(ctx); err != nil {
		return licensing.Account{}, l.s.mapErr(op, err)
	}
	var got licAccountRow
	q := l.s.lockedInTx(ctx, db.NewSelect().Model(&got).Where("company_id = ?", companyID))
	if err := q.Scan(ctx); err != nil {
		return licensing.Account{}, l.s.mapErr(op, err)
	}
	return got.account()
}

func (l licensingStore) Account(ctx context.Context, companyID string) (licensing.Account, error) {
	const op = "licensing.Account"
	var got licAccountRow
	q := l.s.idb(ctx).NewSelect().Model(&got).Where("company_id = ?", companyID)
	if err := l.s.scanOne(ctx, op, "licensing account", companyID, q); err != nil {
		return licensing.Account{}, err
	}
	return got.account()
}

func (l licensingStore) SaveAccount(ctx context.Context, a licensing.Account) error {
	const op = "licensing.SaveAccount"
	row, err := toAccountRow(a)
	if err != nil {
		return storage.Internal(op, err)
	}
	// MySQL reports changed rows, not matched ones: RowsAffected cannot tell
	// a missing account from an unchanged one, so it is not checked; the
	// caller holds the row from LockAccount.
	if _, err := l.s.idb(ctx).NewUpdate().Model(row).WherePK().Exec(ctx); err != nil {
		return l.s.mapErr(op, err)
	}
	return nil
}

type licEntryRow struct {
	bun.BaseModel `bun:"table:licensing_ledger"`

	ID           string          `bun:"id,pk"`
	CompanyID    string          `bun:"company_id"`
	Seq          int64           `bun:"seq"`
	Kind         string          `bun:"kind"`
	Amount       decimal.Decimal `bun:"amount"`
	BalanceAfter decimal.Decimal `bun:"balance_after"`
	Description  string          `bun:"description"`
	PurchaseID   string          `bun:"purchase_id"`
	ActorUserID  string          `bun:"actor_user_id"`
	CreatedAt    time.Time       `bun:"created_at"`
}

func (l licensingStore) AppendEntry(ctx context.Context, e licensing.LedgerEntry) error {
	row := &licEntryRow{ID: e.ID, CompanyID: e.CompanyID, Seq: e.Seq, Kind: string(e.Kind), Amount: e.Amount,
		BalanceAfter: e.BalanceAfter, Description: e.Description, PurchaseID: e.PurchaseID,
		ActorUserID: e.ActorUserID, CreatedAt: storage.Timestamp(e.CreatedAt)}
	if _, err := l.s.idb(ctx).NewInsert().Model(row).Exec(ctx); err != nil {
		return l.s.mapErr("licensing.AppendEntry", err)
	}
	return nil
}

func (l licensingStore) Entries(ctx context.Context, companyID string, afterSeq int64, limit int) ([]licensing.LedgerEntry, error) {
	return scanAll(ctx, l.s, "licensing.Entries", func(q *bun.SelectQuery) *bun.SelectQuery {
		return q.Where("company_id = ?", companyID).Where("seq > ?", afterSeq).OrderExpr("seq ASC").Limit(int64(limit))
	}, licEntry)
}

func licEntry(r *licEntryRow) licensing.LedgerEntry {
	return licensing.LedgerEntry{ID: r.ID, CompanyID: r.CompanyID, Seq: r.Seq, Kind: licensing.EntryKind(r.Kind),
		Amount: r.Amount.Round(licensing.MinorUnits), BalanceAfter: r.BalanceAfter.Round(licensing.MinorUnits),
		Description: r.Description, PurchaseID: r.PurchaseID, ActorUserID: r.ActorUserID, CreatedAt: r.CreatedAt.UTC()}
}

// EntriesBetween walks the index (company_id, created_at, seq).
func (l licensingStore) EntriesBetween(ctx context.Context, companyID string, q licensing.EntryRange, limit int) ([]licensing.LedgerEntry, error) {
	return scanAll(ctx, l.s, "licensing.EntriesBetween", func(sq *bun.SelectQuery) *bun.SelectQuery {
		sq = sq.Where("company_id = ?", companyID)
		if !q.From.IsZero() {
			sq = sq.Where("created_at >= ?", q.From)
		}
		if !q.To.IsZero() {
			sq = sq.Where("created_at < ?", q.To)
		}
		if q.AfterSeq > 0 {
			sq = sq.Where("created_at >= ? AND (created_at > ? OR seq > ?)", q.AfterAt, q.AfterAt, q.AfterSeq)
		}
		return sq.OrderExpr("created_at ASC, seq ASC").Limit(int64(limit))
	}, licEntry)
}

type licIdemRow struct {
	bun.BaseModel `bun:"table:licensing_idempotency"`

	CompanyID   string    `bun:"company_id,pk"`
	Key         string    `bun:"idem_key,pk"`
	RequestHash string    `bun:"request_hash"`
	Result      string    `bun:"result"`
	CreatedAt   time.Time `bun:"created_at"`
}

// Idempotent reads with FOR UPDATE on PostgreSQL and MySQL inside a
// transaction, so a request racing another with the same key waits for it and
// then sees its stored result.
func (l licensingStore) Idempotent(ctx context.Context, companyID, key string) (licensing.IdempotencyRecord, error) {
	const op = "licensing.Idempotent"
	var r licIdemRow
	q := l.s.lockedInTx(ctx, l.s.idb(ctx).NewSelect().Model(&r).Where("company_id = ?", companyID).Where("idem_key = ?", key))
	if err := l.s.scanOne(ctx, op, "idempotency key", key, q); err != nil {
		return licensing.IdempotencyRecord{}, err
	}
	return licensing.IdempotencyRecord{CompanyID: r.CompanyID, Key: r.Key, RequestHash: r.RequestHash,
		Result: []byte(r.Result), CreatedAt: r.CreatedAt.UTC()}, nil
}

func (l licensingStore) SaveIdempotent(ctx context.Context, r licensing.IdempotencyRecord) error {
	row := &licIdemRow{CompanyID: r.CompanyID, Key: r.Key, RequestHash: r.RequestHash, Result: string(r.Result),
		CreatedAt: storage.Timestamp(r.CreatedAt)}
	if _, err := l.s.idb(ctx).NewInsert().Model(row).Exec(ctx); err != nil {
		return l.s.mapErr("licensing.SaveIdempotent", err)
	}
	return nil
}

func (l licensingStore) AddLicenses(ctx context.Context, companyID string, kind licensing.LicenseKind, n int) error {
	q := "INSERT INTO licensing_pools (company_id, kind, bought, assigned) VALUES (?, ?, ?, 0)" +
		l.s.upsert("licensing_pools", "company_id, kind", "bought = "+l.s.col("licensing_pools", "bought")+" + ?")
	_, err := l.s.exec(ctx, "licensing.AddLicenses", q, companyID, string(kind), n, n)
	return err
}

func (l licensingStore) RemoveLicenses(ctx context.Context, companyID string, kind licensing.LicenseKind, n int) error {
	const op = "licensing.RemoveLicenses"
	res, err := l.s.exec(ctx, op, "UPDATE licensing_pools SET bought = bought - ? WHERE company_id = ? AND kind = ? AND bought - ? >= assigned",
		n, companyID, string(kind), n)
	if err != nil {
		return err
	}
	if rows, _ := res.RowsAffected(); rows == 1 {
		return nil
	}
	var p licPoolRow
	q := l.s.idb(ctx).NewSelect().Model(&p).Where("company_id = ?", companyID).Where("kind = ?", string(kind))
	if err := l.s.scanOne(ctx, op, "license pool", companyID+"/"+string(kind), q); err != nil {
		return err
	}
	return storage.Conflict(op, "only %d of %d %s licenses are unassigned", p.Bought-p.Assigned, p.Bought, kind)
}

type licPoolRow struct {
	bun.BaseModel `bun:"table:licensing_pools"`

	CompanyID string `bun:"company_id,pk"`
	Kind      string `bun:"kind,pk"`
	Bought    int    `bun:"bought"`
	Assigned  int    `bun:"assigned"`
}

// AssignLicense is one conditional update that takes a free license or
// changes nothing — the database re-checks "assigned < bought" on the
// latest row version under its row lock, so concurrent assigners can never
// overshoot — followed by the assignment's insert (its primary key refuses
// a second license of the kind for the user). Both statements run in one
// transaction (the caller's, or one of their own), so a refused insert
// leaves the pool's count as it was.
func (l licensingStore) AssignLicense(ctx context.Context, a licensing.LicenseAssignment) error {
	const op = "licensing.AssignLicense"
	return l.s.InTx(ctx, func(ctx context.Context) error {
		res, err := l.s.exec(ctx, op, "UPDATE licensing_pools SET assigned = assigned + 1 WHERE company_id = ? AND kind = ? AND assigned < bought",
			a.CompanyID, string(a.Kind))
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n != 1 {
			// As in the memory store, a user who already holds the kind is a
			// conflict whether or not a license is free.
			held, err := l.s.idb(ctx).NewSelect().Model((*licAssignmentRow)(nil)).
				Where("company_id = ?", a.CompanyID).Where("user_id = ?", a.UserID).Where("kind = ?", string(a.Kind)).Exists(ctx)
			switch {
			case err != nil:
				return l.s.mapErr(op, err)
			case held:
				return storage.Conflict(op, "user %s already holds a %s license", a.UserID, a.Kind)
			}
			return storage.LimitExceeded(op, "no unassigned %s license", a.Kind)
		}
		_, err = l.s.exec(ctx, op, "INSERT INTO licensing_assignments (company_id, user_id, kind, assigned_at) VALUES (?, ?, ?, ?)",
			a.CompanyID, a.UserID, string(a.Kind), storage.Timestamp(a.AssignedAt))
		if err != nil && l.s.classify(err) == storage.ErrConflict {
			return storage.Conflict(op, "user %s already holds a %s license", a.UserID, a.Kind)
		}
		return err
	})
}

// UnassignLicense deletes the assignment and decrements the pool in one
// transaction (the caller's, or one of their own).
func (l licensingStore) UnassignLicense(ctx context.Context, companyID, userID string, kind licensing.LicenseKind) error {
	const op = "licensing.UnassignLicense"
	return l.s.InTx(ctx, func(ctx context.Context) error {
		res, err := l.s.exec(ctx, op, "DELETE FROM licensing_assignments WHERE company_id = ? AND user_id = ? AND kind = ?",
			companyID, userID, string(kind))
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return storage.NotFound(op, "license assignment", userID+"/"+string(kind))
		}
		_, err = l.s.exec(ctx, op, "UPDATE licensing_pools SET assigned = assigned - 1 WHERE company_id = ? AND kind = ? AND assigned > 0",
			companyID, string(kind))
		return err
	})
}

func (l licensingStore) Pools(ctx context.Context, companyID string) ([]licensing.Pool, error) {
	return scanAll(ctx, l.s, "licensing.Pools", func(q *bun.SelectQuery) *bun.SelectQuery {
		return q.Where("company_id = ?", companyID).OrderExpr("kind ASC")
	}, func(r *licPoolRow) licensing.Pool {
		return licensing.Pool{CompanyID: r.CompanyID, Kind: licensing.LicenseKind(r.Kind), Bought: r.Bought, Assigned: r.Assigned}
	})
}

type licAssignmentRow struct {
	bun.BaseModel `bun:"table:licensing_assignments"`

	CompanyID  string    `bun:"company_id,pk"`
	UserID     string    `bun:"user_id,pk"`
	Kind       string    `bun:"kind,pk"`
	AssignedAt time.Time `bun:"assigned_at"`
}

func (l licensingStore) Assignments(ctx context.Context, companyID string, after *licensing.AssignmentCursor, limit int) ([]licensing.LicenseAssignment, error) {
	return scanAll(ctx, l.s, "licensing.Assignments", func(q *bun.SelectQuery) *bun.SelectQuery {
		q = q.Where("company_id = ?", companyID)
		if after != nil {
			q = q.Where("(user_id > ? OR (user_id = ? AND kind > ?))", after.UserID, after.UserID, string(after.Kind))
		}
		return q.OrderExpr("user_id ASC, kind ASC").Limit(int64(limit))
	}, func(r *licAssignmentRow) licensing.LicenseAssignment {
		return licensing.LicenseAssignment{CompanyID: r.CompanyID, UserID: r.UserID, Kind: licensing.LicenseKind(r.Kind), AssignedAt: r.AssignedAt.UTC()}
	})
}

type licSubscriptionRow struct {
	bun.BaseModel `bun:"table:licensing_subscriptions"`

	ID        string    `bun:"id,pk"`
	CompanyID string    `bun:"company_id"`
	Kind      string    `bun:"kind"`
	UserID    string    `bun:"user_id"`
	CreatedAt time.Time `bun:"created_at"`
}

func (l licensingStore) InsertSubscriptions(ctx context.Context, subs []licensing.Subscription) error {
	if len(subs) == 0 {
		return nil
	}
	rows := make([]licSubscriptionRow, len(subs))
	for i, sub := range subs {
		rows[i] = licSubscriptionRow{ID: sub.ID, CompanyID: sub.CompanyID, Kind: string(sub.Kind), UserID: sub.UserID,
			CreatedAt: storage.Timestamp(sub.CreatedAt)}
	}
	if _, err := l.s.idb(ctx).NewInsert().Model(&rows).Exec(ctx); err != nil {
		return l.s.mapErr("licensing.InsertSubscriptions", err)
	}
	return nil
}

// subscriptionMiss explains a conditional subscription update that changed
// nothing: the subscription does not exist, or is in the other state.
func (l licensingStore) subscriptionMiss(ctx context.Context, op, companyID, id, msg string) error {
	n, err := l.s.idb(ctx).NewSelect().Model((*licSubscriptionRow)(nil)).Where("id = ?", id).Where("company_id = ?", companyID).Count(ctx)
	switch {
	case err != nil:
		return l.s.mapErr(op, err)
	case n == 0:
		return storage.NotFound(op, "subscription", id)
	}
	return storage.Conflict(op, "subscription %s %s", id, msg)
}

func (l licensingStore) AssignSubscription(ctx context.Context, companyID, id, userID string) error {
	const op = "licensing.AssignSubscription"
	res, err := l.s.exec(ctx, op, "UPDATE licensing_subscriptions SET user_id = ? WHERE id = ? AND company_id = ? AND user_id = ''",
		userID, id, companyID)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return l.subscriptionMiss(ctx, op, companyID, id, "is assigned")
	}
	return nil
}

func (l licensingStore) UnassignSubscription(ctx context.Context, companyID, id string) error {
	const op = "licensing.UnassignSubscription"
	res, err := l.s.exec(ctx, op, "UPDATE licensing_subscriptions SET user_id = '' WHERE id = ? AND company_id = ? AND user_id <> ''",
		id, companyID)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return l.subscriptionMiss(ctx, op, companyID, id, "is not assigned")
	}
	return nil
}

func (l licensingStore) Subscriptions(ctx context.Context, companyID string, f licensing.SubscriptionFilter, afterID string, limit int) ([]licensing.Subscription, error) {
	return scanAll(ctx, l.s, "licensing.Subscriptions", func(q *bun.SelectQuery) *bun.SelectQuery {
		q = q.Where("company_id = ?", companyID).Where("id > ?", afterID)
		if f.Kind != "" {
			q = q.Where("kind = ?", string(f.Kind))
		}
		if f.UserID != "" {
			q = q.Where("user_id = ?", f.UserID)
		}
		if f.Assigned != nil {
			if *f.Assigned {
				q = q.Where("user_id <> ''")
			} else {
				q = q.Where("user_id = ''")
			}
		}
		return q.OrderExpr("id ASC").Limit(int64(limit))
	}, func(r *licSubscriptionRow) licensing.Subscription {
		return licensing.Subscription{ID: r.ID, CompanyID: r.CompanyID, Kind: licensing.SubscriptionKind(r.Kind),
			UserID: r.UserID, CreatedAt: r.CreatedAt.UTC()}
	})
}

type licAddOnRow struct {
	bun.BaseModel `bun:"table:licensing_addons"`

	CompanyID string `bun:"company_id,pk"`
	Code      string `bun:"code,pk"`
	Quantity  int    `bun:"quantity"`
}

func (l licensingStore) AddAddOn(ctx context.Context, companyID, code string, qty int) error {
	q := "INSERT INTO licensing_addons (company_id, code, quantity) VALUES (?, ?, ?)" +
		l.s.upsert("licensing_addons", "company_id, code", "quantity = "+l.s.col("licensing_addons", "quantity")+" + ?")
	_, err := l.s.exec(ctx, "licensing.AddAddOn", q, companyID, code, qty, qty)
	return err
}

func (l licensingStore) AddOns(ctx context.Context, companyID string) ([]licensing.AddOn, error) {
	return scanAll(ctx, l.s, "licensing.AddOns", func(q *bun.SelectQuery) *bun.SelectQuery {
		return q.Where("company_id = ?", companyID).OrderExpr("code ASC")
	}, func(r *licAddOnRow) licensing.AddOn {
		return licensing.AddOn{CompanyID: r.CompanyID, Code: r.Code, Quantity: r.Quantity}
	})
}

type licPackageRow struct {
	bun.BaseModel `bun:"table:licensing_packages"`

	ID             string    `bun:"id,pk"`
	OwnerCompanyID string    `bun:"owner_company_id"`
	Name           string    `bun:"name"`
	Description    string    `bun:"description"`
	CreatedAt      time.Time `bun:"created_at"`
}

func (r *licPackageRow) pkg() licensing.ServicePackage {
	return licensing.ServicePackage{ID: r.ID, OwnerCompanyID: r.OwnerCompanyID, Name: r.Name, Description: r.Description, CreatedAt: r.CreatedAt.UTC()}
}

func (l licensingStore) InsertPackage(ctx context.Context, p licensing.ServicePackage) error {
	row := &licPackageRow{ID: p.ID, OwnerCompanyID: p.OwnerCompanyID, Name: p.Name, Description: p.Description,
		CreatedAt: storage.Timestamp(p.CreatedAt)}
	if _, err := l.s.idb(ctx).NewInsert().Model(row).Exec(ctx); err != nil {
		return l.s.mapErr("licensing.InsertPackage", err)
	}
	return nil
}

func (l licensingStore) Package(ctx context.Context, id string) (licensing.ServicePackage, error) {
	var r licPackageRow
	q := l.s.idb(ctx).NewSelect().Model(&r).Where("id = ?", id)
	if err := l.s.scanOne(ctx, "licensing.Package", "service package", id, q); err != nil {
		return licensing.ServicePackage{}, err
	}
	return r.pkg(), nil
}

func (l licensingStore) Packages(ctx context.Context, ownerIDs []string) ([]licensing.ServicePackage, error) {
	const op = "licensing.Packages"
	if err := l.s.checkOpen(op); err != nil {
		return nil, err
	}
	if len(ownerIDs) == 0 {
		return nil, nil
	}
	return scanAll(ctx, l.s, op, func(q *bun.SelectQuery) *bun.SelectQuery {
		return q.Where("owner_company_id IN (?)", bun.List(ownerIDs)).OrderExpr("name ASC, id ASC")
	}, (*licPackageRow).pkg)
}

type licOfferRow struct {
	bun.BaseModel `bun:"table:licensing_package_offers"`

	CompanyID string `bun:"company_id,pk"`
	PackageID string `bun:"package_id,pk"`
	Offered   bool   `bun:"offered"`
	IsDefault bool   `bun:"is_default"`
}

func (l licensingStore) SaveOffer(ctx context.Context, o licensing.PackageOffer) error {
	q := "INSERT INTO licensing_package_offers (company_id, package_id, offered, is_default) VALUES (?, ?, ?, ?)" +
		l.s.upsert("licensing_package_offers", "company_id, package_id", "offered = ?, is_default = ?")
	_, err := l.s.exec(ctx, "licensing.SaveOffer", q, o.CompanyID, o.PackageID, o.Offered, o.Default, o.Offered, o.Default)
	return err
}

func (l licensingStore) Offers(ctx context.Context, companyID string) ([]licensing.PackageOffer, error) {
	return scanAll(ctx, l.s, "licensing.Offers", func(q *bun.SelectQuery) *bun.SelectQuery {
		return q.Where("company_id = ?", companyID).OrderExpr("package_id ASC")
	}, func(r *licOfferRow) licensing.PackageOffer {
		return licensing.PackageOffer{CompanyID: r.CompanyID, PackageID: r.PackageID, Offered: r.Offered, Default: r.IsDefault}
	})
}

func (l licensingStore) GrantPackages(ctx context.Context, companyID, userID string, packageIDs []string) error {
	q := "INSERT INTO licensing_user_packages (company_id, user_id, package_id) VALUES (?, ?, ?)" +
		l.s.upsert("licensing_user_packages", "company_id, user_id, package_id", "")
	return l.s.InTx(ctx, func(ctx context.Context) error { // all packages or none
		for _, id := range packageIDs {
			if _, err := l.s.exec(ctx, "licensing.GrantPackages", q, companyID, userID, id); err != nil {
				return err
			}
		}
		return nil
	})
}

func (l licensingStore) UserPackages(ctx context.Context, companyID, userID string) ([]string, error) {
	const op = "licensing.UserPackages"
	if err := l.s.checkOpen(op); err != nil {
		return nil, err
	}
	var ids []string
	err := l.s.idb(ctx).NewSelect().Table("licensing_user_packages").Column("package_id").
		Where("company_id = ?", companyID).Where("user_id = ?", userID).OrderExpr("package_id ASC").Scan(ctx, &ids)
	if err != nil {
		return nil, l.s.mapErr(op, err)
	}
	return ids, nil
}

func (l licensingStore) RevokePackages(ctx context.Context, companyID, userID string) error {
	_, err := l.s.exec(ctx, "licensing.RevokePackages", "DELETE FROM licensing_user_packages WHERE company_id = ? AND user_id = ?", companyID, userID)
	return err
}

type licKeyRow struct {
	bun.BaseModel `bun:"table:licensing_subscription_keys"`

	ID        string    `bun:"id,pk"`
	CompanyID string    `bun:"company_id"`
	Code      string    `bun:"code"`
	CreatedAt time.Time `bun:"created_at"`
}

func (l licensingStore) InsertKey(ctx context.Context, k licensing.SubscriptionKey) error {
	row := &licKeyRow{ID: k.ID, CompanyID: k.CompanyID, Code: k.Code, CreatedAt: storage.Timestamp(k.CreatedAt)}
	if _, err := l.s.idb(ctx).NewInsert().Model(row).Exec(ctx); err != nil {
		return l.s.mapErr("licensing.InsertKey", err)
	}
	return nil
}

func (l licensingStore) DeleteKey(ctx context.Context, companyID, id string) error {
	const op = "licensing.DeleteKey"
	res, err := l.s.exec(ctx, op, "DELETE FROM licensing_subscription_keys WHERE id = ? AND company_id = ?", id, companyID)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return storage.NotFound(op, "subscription key", id)
	}
	return nil
}

func (l licensingStore) Keys(ctx context.Context, companyID string) ([]licensing.SubscriptionKey, error) {
	return scanAll(ctx, l.s, "licensing.Keys", func(q *bun.SelectQuery) *bun.SelectQuery {
		return q.Where("company_id = ?", companyID).OrderExpr("code ASC")
	}, func(r *licKeyRow) licensing.SubscriptionKey {
		return licensing.SubscriptionKey{ID: r.ID, CompanyID: r.CompanyID, Code: r.Code, CreatedAt: r.CreatedAt.UTC()}
	})
}
