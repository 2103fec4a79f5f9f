package bunstore

import (
	"context"
	"database/sql"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/uptrace/bun"

	"github.com/switchboardkit/switchboard/storage"
	"github.com/switchboardkit/switchboard/tenancy"
)

// Tenancy returns the store's tenancy.Store.
//
// Company search matches a substring of the precomputed, lower-cased
// search_text column with LIKE (user input escaped, so % and _ are literal),
// in ID order, stopping at the page size. Indexes, for needles of three or
// more characters:
//
//   - PostgreSQL: a pg_trgm GIN index on search_text; the planner chooses
//     between it and walking the primary key.
//   - SQLite: an FTS5 trigram table (tenancy_companies_fts, kept in step by
//     triggers) selects the candidates, which LIKE rechecks, when the needle
//     is selective (under ftsCandidateCap candidates, counted first);
//     otherwise the primary key is walked, which finds a page of a common
//     needle quickly. A company whose search text changes costs a scan of
//     the FTS table (renames are rare).
//   - MySQL/MariaDB: no index can serve a substring LIKE (MariaDB has no
//     ngram full-text parser); the primary key is walked in ID order — fast
//     when matches are common, a full scan of the visible companies when
//     they are rare (about 70–200 ms over 100 000 companies).
//
// Shorter needles walk the primary key on every backend. A reseller's
// search is bounded by its affiliates (index on reseller_id). Figures:
// BenchmarkCompanySearch* in this package.
func (s *Store) Tenancy() tenancy.Store { return tenancyStore{s} }

type tenancyStore struct{ s *Store }

var _ tenancy.Store = tenancyStore{}

type companyRow struct {
	bun.BaseModel `bun:"table:tenancy_companies"`

	ID                 string         `bun:"id,pk"`
	Kind               string         `bun:"kind"`
	LegalName          string         `bun:"legal_name"`
	RegistrationNumber string         `bun:"registration_number"`
	TaxID              string         `bun:"tax_id"`
	DisplayName        string         `bun:"display_name"`
	Status             string         `bun:"status"`
	ResellerID         string         `bun:"reseller_id"`
	Slug               sql.NullString `bun:"slug"`
	OwnerUserID        string         `bun:"owner_user_id"`
	SearchText         string         `bun:"search_text"`
	CreatedAt          time.Time      `bun:"created_at"`
	UpdatedAt          time.Time      `bun:"updated_at"`
}

// toCompanyRow converts a company to its table row, search text included.
func toCompanyRow(c *tenancy.Company) *companyRow {
	return &companyRow{ID: c.ID, Kind: string(c.Kind), LegalName: c.LegalName, RegistrationNumber: c.RegistrationNumber,
		TaxID: c.TaxID, DisplayName: c.DisplayName, Status: string(c.Status), ResellerID: c.ResellerID,
		Slug: sql.NullString{String: c.Slug, Valid: c.Slug != ""}, OwnerUserID: c.OwnerUserID,
		SearchText: c.SearchText(), CreatedAt: storage.Timestamp(c.CreatedAt), UpdatedAt: storage.Timestamp(c.UpdatedAt)}
}

func (r *companyRow) company() tenancy.Company {
	return tenancy.Company{ID: r.ID, Kind: tenancy.CompanyKind(r.Kind), LegalName: r.LegalName,
		RegistrationNumber: r.RegistrationNumber, TaxID: r.TaxID, DisplayName: r.DisplayName,
		Status: tenancy.CompanyStatus(r.Status), ResellerID: r.ResellerID, Slug: r.Slug.String,
		OwnerUserID: r.OwnerUserID, CreatedAt: r.CreatedAt.UTC(), UpdatedAt: r.UpdatedAt.UTC()}
}

type subAccountRow struct {
	bun.BaseModel `bun:"table:tenancy_sub_accounts"`

	ID        string    `bun:"id,pk"`
	CompanyID string    `bun:"company_id"`
	Name      string    `bun:"name"`
	NameKey   string    `bun:"name_key"`
	CreatedAt time.Time `bun:"created_at"`
	UpdatedAt time.Time `bun:"updated_at"`
}

func (r *subAccountRow) subAccount() tenancy.SubAccount {
	return tenancy.SubAccount{ID: r.ID, CompanyID: r.CompanyID, Name: r.Name, CreatedAt: r.CreatedAt.UTC(), UpdatedAt: r.UpdatedAt.UTC()}
}

type userRow struct {
	bun.BaseModel `bun:"table:tenancy_users"`

	ID                string    `bun:"id,pk"`
	Email             string    `bun:"email"`
	EmailKey          string    `bun:"email_key"`
	FirstName         string    `bun:"first_name"`
	LastName          string    `bun:"last_name"`
	PasswordHash      string    `bun:"password_hash"`
	PasswordChangedAt time.Time `bun:"password_changed_at"`
	CreatedAt         time.Time `bun:"created_at"`
	UpdatedAt         time.Time `bun:"updated_at"`
}

func toUserRow(u *tenancy.UserRecord) *userRow {
	return &userRow{ID: u.ID, Email: u.Email, EmailKey: u.EmailKey(), FirstName: u.FirstName, LastName: u.LastName,
		PasswordHash: u.PasswordHash, PasswordChangedAt: storage.Timestamp(u.PasswordChangedAt),
		CreatedAt: storage.Timestamp(u.CreatedAt), UpdatedAt: storage.Timestamp(u.UpdatedAt)}
}

func (r *userRow) user() *tenancy.UserRecord {
	return &tenancy.UserRecord{User: tenancy.User{ID: r.ID, Email: r.Email, FirstName: r.FirstName, LastName: r.LastName,
		PasswordChangedAt: r.PasswordChangedAt.UTC(), CreatedAt: r.CreatedAt.UTC(), UpdatedAt: r.UpdatedAt.UTC()},
		PasswordHash: r.PasswordHash}
}

type memberRow struct {
	bun.BaseModel `bun:"table:tenancy_members"`

	CompanyID    string    `bun:"company_id,pk"`
	UserID       string    `bun:"user_id,pk"`
	Role         string    `bun:"role"`
	SubAccountID string    `bun:"sub_account_id"`
	CreatedAt    time.Time `bun:"created_at"`
	UpdatedAt    time.Time `bun:"updated_at"`
}

func toMemberRow(m *tenancy.Member) *memberRow {
	return &memberRow{CompanyID: m.CompanyID, UserID: m.UserID, Role: string(m.Role), SubAccountID: m.SubAccountID,
		CreatedAt: storage.Timestamp(m.CreatedAt), UpdatedAt: storage.Timestamp(m.UpdatedAt)}
}

func (r *memberRow) member() tenancy.Member {
	return tenancy.Member{CompanyID: r.CompanyID, UserID: r.UserID, Role: tenancy.Role(r.Role), SubAccountID: r.SubAccountID,
		CreatedAt: r.CreatedAt.UTC(), UpdatedAt: r.UpdatedAt.UTC()}
}

type employeeRow struct {
	memberRow
	Email     string `bun:"email"`
	FirstName string `bun:"first_name"`
	LastName  string `bun:"last_name"`
}

func (t tenancyStore) insert(ctx context.Context, op string, model any) error {
	if err := t.s.checkOpen(op); err != nil {
		return err
	}
	if _, err := t.s.idb(ctx).NewInsert().Model(model).Exec(ctx); err != nil {
		return t.s.mapErr(op, err)
	}
	return nil
}

// update rewrites a row by primary key. MySQL reports rows changed rather
// than matched, so zero affected rows is confirmed with a lookup.
func (t tenancyStore) update(ctx context.Context, op, entity, id string, model any, exists *bun.SelectQuery) error {
	if err := t.s.checkOpen(op); err != nil {
		return err
	}
	res, err := t.s.idb(ctx).NewUpdate().Model(model).WherePK().Exec(ctx)
	if err != nil {
		return t.s.mapErr(op, err)
	}
	if n, _ := res.RowsAffected(); n > 0 {
		return nil
	}
	ok, err := exists.Exists(ctx)
	if err != nil {
		return t.s.mapErr(op, err)
	}
	if !ok {
		return storage.NotFound(op, entity, id)
	}
	return nil
}

func (t tenancyStore) CreateCompany(ctx context.Context, c *tenancy.Company) error {
	return t.insert(ctx, "tenancy.CreateCompany", toCompanyRow(c))
}

func (t tenancyStore) UpdateCompany(ctx context.Context, c *tenancy.Company) error {
	return t.update(ctx, "tenancy.UpdateCompany", "company", c.ID, toCompanyRow(c),
		t.s.idb(ctx).NewSelect().Model((*companyRow)(nil)).Where("id = ?", c.ID))
}

func (t tenancyStore) GetCompany(ctx context.Context, id string, forUpdate bool) (*tenancy.Company, error) {
	var row companyRow
	q := t.s.idb(ctx).NewSelect().Model(&row).Where("id = ?", id)
	if forUpdate {
		q = t.s.lockedInTx(ctx, q)
	}
	if err := t.s.scanOne(ctx, "tenancy.GetCompany", "company", id, q); err != nil {
		return nil, err
	}
	c := row.company()
	return &c, nil
}

func (t tenancyStore) CompanyBySlug(ctx context.Context, slug string) (*tenancy.Company, error) {
	var row companyRow
	q := t.s.idb(ctx).NewSelect().Model(&row).Where("slug = ?", slug)
	if err := t.s.scanOne(ctx, "tenancy.CompanyBySlug", "registration link", slug, q); err != nil {
		return nil, err
	}
	c := row.company()
	return &c, nil
}

func (t tenancyStore) AffiliateIDs(ctx context.Context, resellerID string) ([]string, error) {
	const op = "tenancy.AffiliateIDs"
	if err := t.s.checkOpen(op); err != nil {
		return nil, err
	}
	var ids []string
	if resellerID == "" {
		return nil, nil
	}
	err := t.s.idb(ctx).NewSelect().Model((*companyRow)(nil)).Column("id").
		Where("reseller_id = ?", resellerID).OrderExpr("id ASC").Scan(ctx, &ids)
	if err != nil {
		return nil, t.s.mapErr(op, err)
	}
	return ids, nil
}

func (t tenancyStore) SearchCompanies(ctx context.Context, q tenancy.CompanyQuery) ([]tenancy.Company, error) {
	const op = "tenancy.SearchCompanies"
	if err := t.s.checkOpen(op); err != nil {
		return nil, err
	}
	var rows []companyRow
	sq := t.s.idb(ctx).NewSelect().Model(&rows)
	switch {
	case q.All:
	case q.WithAffiliates:
		sq = sq.Where("(id = ? OR reseller_id = ?)", q.ScopeID, q.ScopeID)
	default:
		sq = sq.Where("id = ?", q.ScopeID)
	}
	if q.Text != "" {
		sq = sq.Where("search_text LIKE ? ESCAPE '!'", "%"+escapeLike(q.Text)+"%")
		if t.s.trigramIndex() && utf8.RuneCountInString(q.Text) >= 3 {
			phrase := `"` + strings.ReplaceAll(q.Text, `"`, `""`) + `"`
			selective, err := t.ftsSelective(ctx, phrase)
			if err != nil {
				return nil, t.s.mapErr(op, err)
			}
			if selective {
				// The FTS5 trigram index narrows the candidates; LIKE above
				// rechecks them, so the index can only speed the search up.
				sq = sq.Where("id IN (SELECT company_id FROM tenancy_companies_fts WHERE tenancy_companies_fts MATCH ?)", phrase)
			}
		}
	}
	if q.AfterID != "" {
		sq = sq.Where("id > ?", q.AfterID)
	}
	if err := sq.OrderExpr("id ASC").Limit(int64(q.Limit)).Scan(ctx); err != nil {
		return nil, t.s.mapErr(op, err)
	}
	out := make([]tenancy.Company, len(rows))
	for i := range rows {
		out[i] = rows[i].company()
	}
	return out, nil
}

// ftsCandidateCap is where SQLite's search stops trusting the FTS5 index:
// a needle with this many candidates or more is common enough that walking
// the primary key in ID order finds a page sooner than fetching and sorting
// every candidate.
const ftsCandidateCap = 1000

// ftsSelective reports whether phrase has fewer than ftsCandidateCap
// candidates in the SQLite trigram index (counting stops at the cap).
func (t tenancyStore) ftsSelective(ctx context.Context, phrase string) (bool, error) {
	var n int
	err := t.s.idb(ctx).NewRaw("SELECT count(*) FROM (SELECT 1 FROM tenancy_companies_fts WHERE tenancy_companies_fts MATCH ? LIMIT ?)",
		phrase, ftsCandidateCap).Scan(ctx, &n)
	return n < ftsCandidateCap, err
}

func (t tenancyStore) CreateSubAccount(ctx context.Context, sa *tenancy.SubAccount) error {
	return t.insert(ctx, "tenancy.CreateSubAccount", &subAccountRow{ID: sa.ID, CompanyID: sa.CompanyID, Name: sa.Name,
		NameKey: sa.NameKey(), CreatedAt: storage.Timestamp(sa.CreatedAt), UpdatedAt: storage.Timestamp(sa.UpdatedAt)})
}

func (t tenancyStore) UpdateSubAccount(ctx context.Context, sa *tenancy.SubAccount) error {
	const op = "tenancy.UpdateSubAccount"
	if err := t.s.checkOpen(op); err != nil {
		return err
	}
	res, err := t.s.idb(ctx).NewUpdate().Model((*subAccountRow)(nil)).
		Set("name = ?", sa.Name).Set("name_key = ?", sa.NameKey()).Set("updated_at = ?", storage.Timestamp(sa.UpdatedAt)).
		Where("id = ?", sa.ID).Where("company_id = ?", sa.CompanyID).Exec(ctx)
	if err != nil {
		return t.s.mapErr(op, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		if _, err := t.GetSubAccount(ctx, sa.CompanyID, sa.ID); err != nil {
			return err
		}
	}
	return nil
}

func (t tenancyStore) GetSubAccount(ctx context.Context, companyID, id string) (*tenancy.SubAccount, error) {
	var row subAccountRow
	q := t.s.idb(ctx).NewSelect().Model(&row).Where("id = ?", id).Where("company_id = ?", companyID)
	if err := t.s.scanOne(ctx, "tenancy.GetSubAccount", "sub-account", id, q); err != nil {
		return nil, err
	}
	sa := row.subAccount()
	return &sa, nil
}

func (t tenancyStore) ListSubAccounts(ctx context.Context, companyID string) ([]tenancy.SubAccount, error) {
	return scanAll(ctx, t.s, "tenancy.ListSubAccounts", func(q *bun.SelectQuery) *bun.SelectQuery {
		return q.Where("company_id = ?", companyID).OrderExpr("name_key ASC, id ASC")
	}, (*subAccountRow).subAccount)
}

func (t tenancyStore) CreateUser(ctx context.Context, u *tenancy.UserRecord) error {
	return t.insert(ctx, "tenancy.CreateUser", toUserRow(u))
}

func (t tenancyStore) UpdateUser(ctx context.Context, u *tenancy.UserRecord) error {
	return t.update(ctx, "tenancy.UpdateUser", "user", u.ID, toUserRow(u),
		t.s.idb(ctx).NewSelect().Model((*userRow)(nil)).Where("id = ?", u.ID))
}

func (t tenancyStore) GetUser(ctx context.Context, id string) (*tenancy.UserRecord, error) {
	var row userRow
	if err := t.s.scanOne(ctx, "tenancy.GetUser", "user", id, t.s.idb(ctx).NewSelect().Model(&row).Where("id = ?", id)); err != nil {
		return nil, err
	}
	return row.user(), nil
}

func (t tenancyStore) UserByEmail(ctx context.Context, email string) (*tenancy.UserRecord, error) {
	var row userRow
	q := t.s.idb(ctx).NewSelect().Model(&row).Where("email_key = ?", tenancy.EmailKey(email))
	if err := t.s.scanOne(ctx, "tenancy.UserByEmail", "user", email, q); err != nil {
		return nil, err
	}
	return row.user(), nil
}

func (t tenancyStore) CreateMember(ctx context.Context, m *tenancy.Member) error {
	return t.insert(ctx, "tenancy.CreateMember", toMemberRow(m))
}

func (t tenancyStore) UpdateMember(ctx context.Context, m *tenancy.Member) error {
	return t.update(ctx, "tenancy.UpdateMember", "member", m.UserID, toMemberRow(m),
		t.s.idb(ctx).NewSelect().Model((*memberRow)(nil)).Where("company_id = ?", m.CompanyID).Where("user_id = ?", m.UserID))
}

func (t tenancyStore) DeleteMember(ctx context.Context, companyID, userID string) error {
	const op = "tenancy.DeleteMember"
	if err := t.s.checkOpen(op); err != nil {
		return err
	}
	res, err := t.s.idb(ctx).NewDelete().Model((*memberRow)(nil)).
		Where("company_id = ?", companyID).Where("user_id = ?", userID).Exec(ctx)
	if err != nil {
		return t.s.mapErr(op, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return storage.NotFound(op, "member", userID)
	}
	return nil
}

func (t tenancyStore) GetMember(ctx context.Context, companyID, userID string) (*tenancy.Member, error) {
	var row memberRow
	q := t.s.idb(ctx).NewSelect().Model(&row).Where("company_id = ?", companyID).Where("user_id = ?", userID)
	if err := t.s.scanOne(ctx, "tenancy.GetMember", "member", userID, q); err != nil {
		return nil, err
	}
	m := row.member()
	return &m, nil
}

func (t tenancyStore) ListMembers(ctx context.Context, q tenancy.MemberQuery) ([]tenancy.Employee, error) {
	const op = "tenancy.ListMembers"
	if err := t.s.checkOpen(op); err != nil {
		return nil, err
	}
	var rows []employeeRow
	sq := t.s.idb(ctx).NewSelect().TableExpr("tenancy_members AS m").
		Join("JOIN tenancy_users AS u ON u.id = m.user_id").
		ColumnExpr("m.company_id, m.user_id, m.role, m.sub_account_id, m.created_at, m.updated_at, u.email, u.first_name, u.last_name").
		Where("m.company_id = ?", q.CompanyID)
	if q.OnlySub {
		sq = sq.Where("m.sub_account_id = ?", q.SubAccountID)
	}
	if q.UserID != "" {
		sq = sq.Where("m.user_id = ?", q.UserID)
	}
	if q.AfterUserID != "" {
		sq = sq.Where("m.user_id > ?", q.AfterUserID)
	}
	if err := sq.OrderExpr("m.user_id ASC").Limit(int64(q.Limit)).Scan(ctx, &rows); err != nil {
		return nil, t.s.mapErr(op, err)
	}
	out := make([]tenancy.Employee, len(rows))
	for i := range rows {
		out[i] = tenancy.Employee{Member: rows[i].member(), Email: rows[i].Email, FirstName: rows[i].FirstName, LastName: rows[i].LastName}
	}
	return out, nil
}

func (t tenancyStore) Memberships(ctx context.Context, userID string) ([]tenancy.Member, error) {
	return scanAll(ctx, t.s, "tenancy.Memberships", func(q *bun.SelectQuery) *bun.SelectQuery {
		return q.Where("user_id = ?", userID).OrderExpr("company_id ASC")
	}, (*memberRow).member)
}
