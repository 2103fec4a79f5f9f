package bunstore

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
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
//   - MySQL/MariaDB: a side table of grams (tenancy_company_grams: for
//     every position of search_text with three or more characters left,
//     the next gramRunes characters, by company, primary key (gram,
//     company_id)), written by CreateCompany and UpdateCompany in the
//     company's own transaction. A company contains the needle exactly
//     when one of its grams starts with the needle's first gramRunes
//     characters, so the candidates are one range of the primary key,
//     which holds just the occurrences (no intersection of posting lists,
//     which cost a B-tree lookup per row of the rarest list); LIKE
//     rechecks them, so the index only narrows, never changes, the
//     result. As on SQLite, a needle with ftsCandidateCap candidates or
//     more walks the primary key instead. Rows written to
//     tenancy_companies behind the store's back (bulk imports) are indexed
//     by RebuildCompanySearch.
//
// Employee search (tenancy.FindEmployees) indexes tenancy_users.search_key
// the same three ways (pg_trgm GIN; FTS5 table tenancy_users_fts kept by
// triggers; side table tenancy_user_trigrams written by CreateUser and
// UpdateUser), and looks the candidates' memberships up by key; role and
// sub-account filters use (company_id, role, user_id) and (company_id,
// sub_account_id, user_id). Figures: BenchmarkFindEmployees*.
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
	KPP                string         `bun:"kpp"`
	DisplayName        string         `bun:"display_name"`
	Status             string         `bun:"status"`
	ResellerID         string         `bun:"reseller_id"`
	Slug               sql.NullString `bun:"slug"`
	OwnerUserID        string         `bun:"owner_user_id"`
	OpenRegistration   bool           `bun:"open_registration"`
	SearchText         string         `bun:"search_text"`
	CreatedAt          time.Time      `bun:"created_at"`
	UpdatedAt          time.Time      `bun:"updated_at"`
}

// toCompanyRow converts a company to its table row, search text included.
func toCompanyRow(c *tenancy.Company) *companyRow {
	return &companyRow{ID: c.ID, Kind: string(c.Kind), LegalName: c.LegalName, RegistrationNumber: c.RegistrationNumber,
		TaxID: c.TaxID, KPP: c.KPP, DisplayName: c.DisplayName, Status: string(c.Status), ResellerID: c.ResellerID,
		Slug: sql.NullString{String: c.Slug, Valid: c.Slug != ""}, OwnerUserID: c.OwnerUserID,
		OpenRegistration: c.OpenRegistration, SearchText: c.SearchText(), CreatedAt: storage.Timestamp(c.CreatedAt), UpdatedAt: storage.Timestamp(c.UpdatedAt)}
}

func (r *companyRow) company() tenancy.Company {
	return tenancy.Company{ID: r.ID, Kind: tenancy.CompanyKind(r.Kind), LegalName: r.LegalName,
		RegistrationNumber: r.RegistrationNumber, TaxID: r.TaxID, KPP: r.KPP, DisplayName: r.DisplayName,
		Status: tenancy.CompanyStatus(r.Status), ResellerID: r.ResellerID, Slug: r.Slug.String,
		OwnerUserID: r.OwnerUserID, OpenRegistration: r.OpenRegistration, CreatedAt: r.CreatedAt.UTC(), UpdatedAt: r.UpdatedAt.UTC()}
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
	Phone             string    `bun:"phone"`
	SearchKey         string    `bun:"search_key"`
	PasswordHash      string    `bun:"password_hash"`
	PasswordChangedAt time.Time `bun:"password_changed_at"`
	CreatedAt         time.Time `bun:"created_at"`
	UpdatedAt         time.Time `bun:"updated_at"`
}

func toUserRow(u *tenancy.UserRecord) *userRow {
	return &userRow{ID: u.ID, Email: u.Email, EmailKey: u.EmailKey(), FirstName: u.FirstName, LastName: u.LastName,
		Phone: u.Phone, SearchKey: u.SearchKey(), PasswordHash: u.PasswordHash, PasswordChangedAt: storage.Timestamp(u.PasswordChangedAt),
		CreatedAt: storage.Timestamp(u.CreatedAt), UpdatedAt: storage.Timestamp(u.UpdatedAt)}
}

func (r *userRow) user() *tenancy.UserRecord {
	return &tenancy.UserRecord{User: tenancy.User{ID: r.ID, Email: r.Email, FirstName: r.FirstName, LastName: r.LastName, Phone: r.Phone,
		PasswordChangedAt: r.PasswordChangedAt.UTC(), CreatedAt: r.CreatedAt.UTC(), UpdatedAt: r.UpdatedAt.UTC()},
		PasswordHash: r.PasswordHash}
}

type memberRow struct {
	bun.BaseModel `bun:"table:tenancy_members"`

	CompanyID    string    `bun:"company_id,pk"`
	UserID       string    `bun:"user_id,pk"`
	Role         string    `bun:"role"`
	SubAccountID string    `bun:"sub_account_id"`
	Deactivated  bool      `bun:"deactivated"`
	CreatedAt    time.Time `bun:"created_at"`
	UpdatedAt    time.Time `bun:"updated_at"`
}

func toMemberRow(m *tenancy.Member) *memberRow {
	return &memberRow{CompanyID: m.CompanyID, UserID: m.UserID, Role: string(m.Role), SubAccountID: m.SubAccountID,
		Deactivated: m.Deactivated, CreatedAt: storage.Timestamp(m.CreatedAt), UpdatedAt: storage.Timestamp(m.UpdatedAt)}
}

func (r *memberRow) member() tenancy.Member {
	return tenancy.Member{CompanyID: r.CompanyID, UserID: r.UserID, Role: tenancy.Role(r.Role), SubAccountID: r.SubAccountID,
		Deactivated: r.Deactivated, CreatedAt: r.CreatedAt.UTC(), UpdatedAt: r.UpdatedAt.UTC()}
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
	const op = "tenancy.CreateCompany"
	if !t.s.sideTrigrams() {
		return t.insert(ctx, op, toCompanyRow(c))
	}
	return storage.Reop(op, t.s.InTx(ctx, func(ctx context.Context) error {
		if err := t.insert(ctx, op, toCompanyRow(c)); err != nil {
			return err
		}
		return t.indexGrams(ctx, op, c, false)
	}))
}

func (t tenancyStore) UpdateCompany(ctx context.Context, c *tenancy.Company) error {
	const op = "tenancy.UpdateCompany"
	update := func(ctx context.Context) error {
		return t.update(ctx, op, "company", c.ID, toCompanyRow(c),
			t.s.idb(ctx).NewSelect().Model((*companyRow)(nil)).Where("id = ?", c.ID))
	}
	if !t.s.sideTrigrams() {
		return update(ctx)
	}
	return storage.Reop(op, t.s.InTx(ctx, func(ctx context.Context) error {
		if err := update(ctx); err != nil {
			return err
		}
		return t.indexGrams(ctx, op, c, true)
	}))
}

// gramRow is one entry of the MySQL company-search side table.
type gramRow struct {
	bun.BaseModel `bun:"table:tenancy_company_grams"`

	Gram      []byte `bun:"gram,pk"`
	CompanyID string `bun:"company_id,pk"`
}

// gramRunes is how many characters a gram of the company-search side
// table holds: a needle up to this long is found exactly by its grams
// (longer ones by their first gramRunes characters, then LIKE). Longer
// grams make long needles more selective and the rows wider; the
// migration's backfill (SUBSTRING(…, 8)) must agree.
const gramRunes = 8

// grams returns the distinct size-character substrings of s starting at
// each position with at least three characters left (shorter near the
// end), in order of first appearance: with size 3, its trigrams.
func grams(s string, size int) []string {
	r := []rune(s)
	seen := make(map[string]bool, len(r))
	var out []string
	for i := 0; i+3 <= len(r); i++ {
		g := string(r[i:min(i+size, len(r))])
		if !seen[g] {
			seen[g] = true
			out = append(out, g)
		}
	}
	return out
}

// indexGrams writes c's grams to the side table (replacing the old ones
// when replace), in the caller's transaction.
func (t tenancyStore) indexGrams(ctx context.Context, op string, c *tenancy.Company, replace bool) error {
	db := t.s.idb(ctx)
	if replace {
		if _, err := db.NewDelete().Model((*gramRow)(nil)).Where("company_id = ?", c.ID).Exec(ctx); err != nil {
			return t.s.mapErr(op, err)
		}
	}
	gs := grams(c.SearchText(), gramRunes)
	if len(gs) == 0 {
		return nil
	}
	rows := make([]gramRow, len(gs))
	for i, g := range gs {
		rows[i] = gramRow{Gram: []byte(g), CompanyID: c.ID}
	}
	_, err := db.NewInsert().Model(&rows).Exec(ctx)
	return t.s.mapErr(op, err)
}

// mysqlGramBackfill indexes every company's search text in the side
// table, set-based: the numbers 1..1000 cover the longest search text (the
// field limits make it at most 626 characters);
// the migration that creates the table runs the same statement.
const mysqlGramBackfill = `INSERT IGNORE INTO tenancy_company_grams (gram, company_id)
SELECT CAST(SUBSTRING(c.search_text, n.i, 8) AS BINARY), c.id
FROM tenancy_companies c
JOIN (SELECT a.d + 10 * b.d + 100 * e.d + 1 AS i FROM ` + digits + ` a, ` + digits + ` b, ` + digits + ` e) n
  ON n.i <= CHAR_LENGTH(c.search_text) - 2`

const digits = `(SELECT 0 AS d UNION ALL SELECT 1 UNION ALL SELECT 2 UNION ALL SELECT 3 UNION ALL SELECT 4 UNION ALL SELECT 5 UNION ALL SELECT 6 UNION ALL SELECT 7 UNION ALL SELECT 8 UNION ALL SELECT 9)`

// RebuildCompanySearch rebuilds the company search index from the
// companies table, and the employee search index from the users table, in
// one transaction: for hosts that write companies or users with their own
// SQL (a bulk import) rather than through the store. Only
// MySQL/MariaDB keep an index the store writes itself; on SQLite (triggers)
// and PostgreSQL (an expression index) it does nothing.
func (s *Store) RebuildCompanySearch(ctx context.Context) error {
	const op = "bunstore.RebuildCompanySearch"
	if err := s.checkOpen(op); err != nil {
		return err
	}
	if !s.sideTrigrams() {
		return nil
	}
	return storage.Reop(op, s.InTx(ctx, func(ctx context.Context) error {
		db := s.idb(ctx)
		if _, err := db.NewDelete().Model((*gramRow)(nil)).Where("1 = 1").Exec(ctx); err != nil {
			return s.mapErr(op, err)
		}
		if _, err := db.NewRaw(mysqlGramBackfill).Exec(ctx); err != nil {
			return s.mapErr(op, err)
		}
		if _, err := db.NewDelete().Model((*userTrigramRow)(nil)).Where("1 = 1").Exec(ctx); err != nil {
			return s.mapErr(op, err)
		}
		_, err := db.NewRaw(mysqlUserTrigramBackfill).Exec(ctx)
		return s.mapErr(op, err)
	}))
}

// mysqlUserTrigramBackfill is mysqlGramBackfill, by trigrams, for users' search keys
// (at most 456 characters); the migration that creates the table runs it.
const mysqlUserTrigramBackfill = `INSERT IGNORE INTO tenancy_user_trigrams (trigram, user_id)
SELECT CAST(SUBSTRING(u.search_key, n.i, 3) AS BINARY), u.id
FROM tenancy_users u
JOIN (SELECT a.d + 10 * b.d + 100 * e.d + 1 AS i FROM ` + digits + ` a, ` + digits + ` b, ` + digits + ` e) n
  ON n.i <= CHAR_LENGTH(u.search_key) - 2`

// searchTrigrams is how many of the needle's trigrams the MySQL employee
// candidate query intersects: enough to make a long needle selective, few enough to
// keep the join small. LIKE rechecks every candidate anyway.
const searchTrigrams = 6

// gramCandidates returns the IDs of the companies holding a gram that
// starts with gramRunes characters of needle (one range of the side
// table's primary key), or ok false when there are ftsCandidateCap or more
// (the needle is common: walking the primary key is faster). A needle
// longer than a gram is tried by its first, last and middle gramRunes
// characters, until one is selective: a common beginning does not make a
// rare needle walk the primary key.
func (t tenancyStore) gramCandidates(ctx context.Context, needle string) (ids []string, ok bool, err error) {
	r := []rune(needle)
	n := min(len(r), gramRunes)
	offsets := []int{0}
	if last := len(r) - n; last > 0 {
		offsets = append(offsets, last)
		if last/2 > 0 {
			offsets = append(offsets, last/2)
		}
	}
	for _, at := range offsets {
		ids = nil
		lo := []byte(string(r[at : at+n]))
		q := t.s.idb(ctx).NewSelect().Model((*gramRow)(nil)).Distinct().Column("company_id").Where("gram >= ?", lo)
		if hi, bounded := prefixEnd(lo); bounded {
			q = q.Where("gram < ?", hi)
		}
		if err := q.Limit(int64(ftsCandidateCap)).Scan(ctx, &ids); err != nil {
			return nil, false, err
		}
		if len(ids) < ftsCandidateCap {
			return ids, true, nil
		}
	}
	return nil, false, nil
}

// prefixEnd returns the least byte string greater than every string that
// starts with p, or bounded false when there is none (p is all 0xff bytes).
func prefixEnd(p []byte) (end []byte, bounded bool) {
	end = slices.Clone(p)
	for len(end) > 0 && end[len(end)-1] == 0xff {
		end = end[:len(end)-1]
	}
	if len(end) == 0 {
		return nil, false
	}
	end[len(end)-1]++
	return end, true
}

// sideCandidates returns the IDs in the side table of (trigram, key column)
// holding every chosen trigram of needle, or ok false when there are
// ftsCandidateCap or more (the needle is common: walking the primary key
// is faster).
func (t tenancyStore) sideCandidates(ctx context.Context, table, col, needle string) (ids []string, ok bool, err error) {
	tris := grams(needle, 3)
	if len(tris) > searchTrigrams { // spread the choice over the needle
		picked := make([]string, searchTrigrams)
		for i := range picked {
			picked[i] = tris[i*(len(tris)-1)/(searchTrigrams-1)]
		}
		tris = picked
	}
	var b strings.Builder
	args := make([]any, 0, len(tris)+1)
	fmt.Fprintf(&b, "SELECT t0.%s FROM %s AS t0", col, table)
	for i := 1; i < len(tris); i++ {
		fmt.Fprintf(&b, " JOIN %s AS t%d ON t%d.trigram = ? AND t%d.%s = t0.%s", table, i, i, i, col, col)
		args = append(args, []byte(tris[i]))
	}
	b.WriteString(" WHERE t0.trigram = ? LIMIT ?")
	args = append(args, []byte(tris[0]), ftsCandidateCap)
	if err := t.s.idb(ctx).NewRaw(b.String(), args...).Scan(ctx, &ids); err != nil {
		return nil, false, err
	}
	return ids, len(ids) < ftsCandidateCap, nil
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
	sq := t.companyQuery(ctx, &rows, q)
	if q.Text != "" && utf8.RuneCountInString(q.Text) >= 3 {
		if t.s.trigramIndex() {
			phrase := `"` + strings.ReplaceAll(q.Text, `"`, `""`) + `"`
			selective, err := t.ftsSelective(ctx, phrase)
			if err != nil {
				return nil, t.s.mapErr(op, err)
			}
			if selective {
				// The FTS5 trigram index narrows the candidates; LIKE
				// rechecks them, so the index can only speed the search up.
				sq = sq.Where("id IN (SELECT company_id FROM tenancy_companies_fts WHERE tenancy_companies_fts MATCH ?)", phrase)
			}
		}
		if t.s.sideTrigrams() {
			ids, selective, err := t.gramCandidates(ctx, q.Text)
			if err != nil {
				return nil, t.s.mapErr(op, err)
			}
			if selective {
				out, err := t.searchCandidates(ctx, q, ids)
				if err != nil {
					return nil, t.s.mapErr(op, err)
				}
				return out, nil
			}
		}
	}
	if err := sq.Scan(ctx); err != nil {
		return nil, t.s.mapErr(op, err)
	}
	return companies(rows), nil
}

// companyQuery is q as one SELECT of companies into rows: scope, filters,
// LIKE on search_text (user input escaped), after the cursor, in ID order,
// at most q.Limit.
func (t tenancyStore) companyQuery(ctx context.Context, rows *[]companyRow, q tenancy.CompanyQuery) *bun.SelectQuery {
	sq := t.s.idb(ctx).NewSelect().Model(rows)
	switch {
	case q.All:
	case q.WithAffiliates:
		sq = sq.Where("(id = ? OR reseller_id = ?)", q.ScopeID, q.ScopeID)
	default:
		sq = sq.Where("id = ?", q.ScopeID)
	}
	if q.Status != "" {
		sq = sq.Where("status = ?", string(q.Status))
	}
	if q.Kind != "" {
		sq = sq.Where("kind = ?", string(q.Kind))
	}
	if q.Text != "" {
		sq = sq.Where("search_text LIKE ? ESCAPE '!'", "%"+escapeLike(q.Text)+"%")
	}
	if q.AfterID != "" {
		sq = sq.Where("id > ?", q.AfterID)
	}
	return sq.OrderExpr("id ASC").Limit(int64(q.Limit))
}

// searchCandidates runs q over the candidates from the MySQL side table,
// given as a list of keys (the optimiser cannot turn them into a walk of
// the whole primary key); LIKE rechecks them. Without a scope or filter
// that may drop candidates, the candidates past the cursor are read in ID
// order a page's worth at a time (a needle's candidates all match, so the
// first read is usually the last), rather than all of them sorted.
func (t tenancyStore) searchCandidates(ctx context.Context, q tenancy.CompanyQuery, ids []string) ([]tenancy.Company, error) {
	slices.Sort(ids)
	if q.AfterID != "" {
		n, found := slices.BinarySearch(ids, q.AfterID)
		if found {
			n++
		}
		ids = ids[n:]
	}
	limit, chunk := q.Limit, len(ids)
	if limit <= 0 { // no limit
		limit = len(ids)
	}
	if q.All && q.Status == "" && q.Kind == "" {
		chunk = min(chunk, limit)
	}
	out := []tenancy.Company{}
	for len(ids) > 0 && len(out) < limit {
		var rows []companyRow
		part := q
		part.Limit = limit - len(out)
		n := min(len(ids), chunk)
		if err := t.companyQuery(ctx, &rows, part).Where("id IN (?)", bun.List(ids[:n])).Scan(ctx); err != nil {
			return nil, err
		}
		out = append(out, companies(rows)...)
		ids, chunk = ids[n:], chunk*4
	}
	return out, nil
}

func companies(rows []companyRow) []tenancy.Company {
	out := make([]tenancy.Company, len(rows))
	for i := range rows {
		out[i] = rows[i].company()
	}
	return out
}

// ftsCandidateCap is where search stops trusting a trigram index (SQLite's
// FTS5 table, MySQL's side table): a needle with this many candidates or
// more is common enough that walking the primary key in ID order finds a
// page sooner than fetching and sorting every candidate. A variable only so
// that a test can lower it (SetCandidateCap).
var ftsCandidateCap = 1000

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

// SubAccountsAfter walks the unique index (company_id, name_key): name_key
// is unique within a company, so the ID only breaks ties of the cursor.
func (t tenancyStore) SubAccountsAfter(ctx context.Context, companyID, afterNameKey, afterID string, limit int) ([]tenancy.SubAccount, error) {
	return scanAll(ctx, t.s, "tenancy.SubAccountsAfter", func(q *bun.SelectQuery) *bun.SelectQuery {
		q = q.Where("company_id = ?", companyID)
		if afterNameKey != "" || afterID != "" {
			q = q.Where("name_key >= ? AND (name_key > ? OR id > ?)", afterNameKey, afterNameKey, afterID)
		}
		return q.OrderExpr("name_key ASC, id ASC").Limit(int64(limit))
	}, (*subAccountRow).subAccount)
}

// CreateUser and UpdateUser also write, on MySQL/MariaDB, the user's
// trigrams to tenancy_user_trigrams (employee search), in one transaction.
func (t tenancyStore) CreateUser(ctx context.Context, u *tenancy.UserRecord) error {
	const op = "tenancy.CreateUser"
	if !t.s.sideTrigrams() {
		return t.insert(ctx, op, toUserRow(u))
	}
	return storage.Reop(op, t.s.InTx(ctx, func(ctx context.Context) error {
		if err := t.insert(ctx, op, toUserRow(u)); err != nil {
			return err
		}
		return t.indexUserTrigrams(ctx, op, &u.User, false)
	}))
}

func (t tenancyStore) UpdateUser(ctx context.Context, u *tenancy.UserRecord) error {
	const op = "tenancy.UpdateUser"
	update := func(ctx context.Context) error {
		return t.update(ctx, op, "user", u.ID, toUserRow(u), t.s.idb(ctx).NewSelect().Model((*userRow)(nil)).Where("id = ?", u.ID))
	}
	if !t.s.sideTrigrams() {
		return update(ctx)
	}
	return storage.Reop(op, t.s.InTx(ctx, func(ctx context.Context) error {
		if err := update(ctx); err != nil {
			return err
		}
		return t.indexUserTrigrams(ctx, op, &u.User, true)
	}))
}

// userTrigramRow is one entry of the MySQL employee-search side table.
type userTrigramRow struct {
	bun.BaseModel `bun:"table:tenancy_user_trigrams"`

	Trigram []byte `bun:"trigram,pk"`
	UserID  string `bun:"user_id,pk"`
}

// indexUserTrigrams writes u's search-key trigrams to the side table
// (replacing the old ones when replace), in the caller's transaction.
func (t tenancyStore) indexUserTrigrams(ctx context.Context, op string, u *tenancy.User, replace bool) error {
	db := t.s.idb(ctx)
	if replace {
		if _, err := db.NewDelete().Model((*userTrigramRow)(nil)).Where("user_id = ?", u.ID).Exec(ctx); err != nil {
			return t.s.mapErr(op, err)
		}
	}
	tris := grams(u.SearchKey(), 3)
	if len(tris) == 0 {
		return nil
	}
	rows := make([]userTrigramRow, len(tris))
	for i, g := range tris {
		rows[i] = userTrigramRow{Trigram: []byte(g), UserID: u.ID}
	}
	_, err := db.NewInsert().Model(&rows).Exec(ctx)
	return t.s.mapErr(op, err)
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

// LockMember bumps the membership's lock_seq before reading it on MySQL and
// MariaDB: on a Galera cluster a row lock taken by a read is local to its
// node, while a written row is certified cluster-wide, so a removal of the
// member committed on another node meanwhile fails this transaction (or
// the removal) at commit, and InTx runs the loser again. A single
// PostgreSQL primary and SQLite need no write: the caller already holds the
// company's row lock (SQLite: the database's), which RemoveMember takes too.
func (t tenancyStore) LockMember(ctx context.Context, companyID, userID string) (*tenancy.Member, error) {
	const op = "tenancy.LockMember"
	if !t.s.inTx(ctx) {
		return nil, storage.MustBeInTx(ctx, op)
	}
	if t.s.dialect == MySQL {
		if _, err := t.s.exec(ctx, op, "UPDATE tenancy_members SET lock_seq = lock_seq + 1 WHERE company_id = ? AND user_id = ?", companyID, userID); err != nil {
			return nil, err
		}
	}
	return t.GetMember(ctx, companyID, userID)
}

func (t tenancyStore) ListMembers(ctx context.Context, q tenancy.MemberQuery) ([]tenancy.Employee, error) {
	const op = "tenancy.ListMembers"
	if err := t.s.checkOpen(op); err != nil {
		return nil, err
	}
	var rows []employeeRow
	sq := t.s.idb(ctx).NewSelect().TableExpr("tenancy_members AS m").
		Join("JOIN tenancy_users AS u ON u.id = m.user_id").
		ColumnExpr("m.company_id, m.user_id, m.role, m.sub_account_id, m.deactivated, m.created_at, m.updated_at, u.email, u.first_name, u.last_name").
		Where("m.company_id = ?", q.CompanyID)
	if q.OnlySub {
		sq = sq.Where("m.sub_account_id = ?", q.SubAccountID)
	}
	if q.UserID != "" {
		sq = sq.Where("m.user_id = ?", q.UserID)
	}
	if q.Role != "" {
		sq = sq.Where("m.role = ?", string(q.Role))
	}
	if len(q.UserIDs) > 0 {
		sq = sq.Where("m.user_id IN (?)", bun.List(q.UserIDs)) // read by the primary key (company_id, user_id)
	}
	if q.Text != "" {
		sq = sq.Where("u.search_key LIKE ? ESCAPE '!'", "%"+escapeLike(q.Text)+"%")
		if t.s.trigramIndex() && utf8.RuneCountInString(q.Text) >= 3 {
			phrase := `"` + strings.ReplaceAll(q.Text, `"`, `""`) + `"`
			var n int
			if err := t.s.idb(ctx).NewRaw("SELECT count(*) FROM (SELECT 1 FROM tenancy_users_fts WHERE tenancy_users_fts MATCH ? LIMIT ?)",
				phrase, ftsCandidateCap).Scan(ctx, &n); err != nil {
				return nil, t.s.mapErr(op, err)
			}
			if n < ftsCandidateCap {
				// Few users anywhere hold the needle: look their
				// memberships up by key rather than walking the company's.
				sq = sq.Where("m.user_id IN (SELECT user_id FROM tenancy_users_fts WHERE tenancy_users_fts MATCH ?)", phrase)
			}
		}
		if t.s.sideTrigrams() && utf8.RuneCountInString(q.Text) >= 3 {
			ids, selective, err := t.sideCandidates(ctx, "tenancy_user_trigrams", "user_id", q.Text)
			if err != nil {
				return nil, t.s.mapErr(op, err)
			}
			if selective {
				if len(ids) == 0 {
					return []tenancy.Employee{}, nil
				}
				sq = sq.Where("m.user_id IN (?)", bun.List(ids))
			}
		}
	}
	if q.AfterUserID != "" {
		sq = sq.Where("m.user_id > ?", q.AfterUserID)
	}
	if len(q.UserIDs) > 0 {
		// A candidate set is read by key and ordered here: with ORDER BY
		// and LIMIT a planner may walk the company's members in key order
		// instead, which for spread-out candidates reads all of them.
		if err := sq.Scan(ctx, &rows); err != nil {
			return nil, t.s.mapErr(op, err)
		}
		slices.SortFunc(rows, func(a, b employeeRow) int { return strings.Compare(a.UserID, b.UserID) })
		rows = rows[:min(len(rows), q.Limit)]
	} else if err := sq.OrderExpr("m.user_id ASC").Limit(int64(q.Limit)).Scan(ctx, &rows); err != nil {
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

type tokenRow struct {
	bun.BaseModel `bun:"table:tenancy_user_tokens"`

	Hash        string    `bun:"token_hash,pk"`
	Purpose     string    `bun:"purpose"`
	UserID      string    `bun:"user_id"`
	CompanyID   string    `bun:"company_id"`
	NewEmail    string    `bun:"new_email"`
	RequestedBy string    `bun:"requested_by"`
	ExpiresAt   time.Time `bun:"expires_at"`
	CreatedAt   time.Time `bun:"created_at"`
}

func (t tenancyStore) PutToken(ctx context.Context, tok *tenancy.UserToken) error {
	return t.insert(ctx, "tenancy.PutToken", &tokenRow{Hash: tok.Hash, Purpose: string(tok.Purpose), UserID: tok.UserID,
		CompanyID: tok.CompanyID, NewEmail: tok.NewEmail, RequestedBy: tok.RequestedBy,
		ExpiresAt: storage.Timestamp(tok.ExpiresAt), CreatedAt: storage.Timestamp(tok.CreatedAt)})
}

func (t tenancyStore) GetToken(ctx context.Context, purpose tenancy.TokenPurpose, hash string) (*tenancy.UserToken, error) {
	var r tokenRow
	q := t.s.idb(ctx).NewSelect().Model(&r).Where("token_hash = ?", hash).Where("purpose = ?", string(purpose))
	if err := t.s.scanOne(ctx, "tenancy.GetToken", "token", "", q); err != nil {
		return nil, err
	}
	return &tenancy.UserToken{Hash: r.Hash, Purpose: tenancy.TokenPurpose(r.Purpose), UserID: r.UserID, CompanyID: r.CompanyID,
		NewEmail: r.NewEmail, RequestedBy: r.RequestedBy, ExpiresAt: r.ExpiresAt.UTC(), CreatedAt: r.CreatedAt.UTC()}, nil
}

// DeleteToken deletes by primary key: of two transactions deleting one
// token, the second waits for the first's row lock (SQLite: the database
// lock) and then deletes nothing.
func (t tenancyStore) DeleteToken(ctx context.Context, hash string) error {
	const op = "tenancy.DeleteToken"
	if err := t.s.checkOpen(op); err != nil {
		return err
	}
	res, err := t.s.idb(ctx).NewDelete().Model((*tokenRow)(nil)).Where("token_hash = ?", hash).Exec(ctx)
	if err != nil {
		return t.s.mapErr(op, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return storage.NotFound(op, "token", "")
	}
	return nil
}

func (t tenancyStore) DeleteExpiredTokens(ctx context.Context, before time.Time) (int64, error) {
	const op = "tenancy.DeleteExpiredTokens"
	if err := t.s.checkOpen(op); err != nil {
		return 0, err
	}
	res, err := t.s.idb(ctx).NewDelete().Model((*tokenRow)(nil)).Where("expires_at <= ?", storage.Timestamp(before)).Exec(ctx)
	if err != nil {
		return 0, t.s.mapErr(op, err)
	}
	n, _ := res.RowsAffected()
	return n, nil
}

func (t tenancyStore) DeleteUserTokens(ctx context.Context, userID string, purpose tenancy.TokenPurpose) error {
	const op = "tenancy.DeleteUserTokens"
	if err := t.s.checkOpen(op); err != nil {
		return err
	}
	_, err := t.s.idb(ctx).NewDelete().Model((*tokenRow)(nil)).Where("user_id = ?", userID).Where("purpose = ?", string(purpose)).Exec(ctx)
	return t.s.mapErr(op, err)
}
