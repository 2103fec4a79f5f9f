package bunstore

import (
	"context"
	"encoding/json"
	"errors"
	"slices"
	"time"

	"github.com/uptrace/bun"

	"github.com/switchboardkit/switchboard/account"
	"github.com/switchboardkit/switchboard/storage"
)

// Account returns the store's account.Store. Company and user settings are
// JSON documents under an optimistic version; secrets inside them are
// already sealed by the account service. The organisational structure is
// relational, so user search runs in SQL.
func (s *Store) Account() account.Store { return accountStore{s} }

type accountStore struct{ s *Store }

var _ account.Store = accountStore{}

type accountCompanyRow struct {
	bun.BaseModel `bun:"table:account_companies"`

	CompanyID string    `bun:"company_id,pk"`
	Version   int64     `bun:"version"`
	KeyID     string    `bun:"key_id"`
	Doc       string    `bun:"doc"`
	UpdatedAt time.Time `bun:"updated_at"`
}

type accountUserRow struct {
	bun.BaseModel `bun:"table:account_users"`

	CompanyID string    `bun:"company_id,pk"`
	UserID    string    `bun:"user_id,pk"`
	Version   int64     `bun:"version"`
	KeyID     string    `bun:"key_id"` // the key of the user's sealed secrets, "" for none
	Doc       string    `bun:"doc"`
	UpdatedAt time.Time `bun:"updated_at"`
	// CostCentreID repeats the document's, for CostCentreUsers's index.
	CostCentreID string `bun:"cost_centre_id"`
}

type accountCategoryRow struct {
	bun.BaseModel `bun:"table:account_org_categories"`

	ID        string `bun:"id,pk"`
	CompanyID string `bun:"company_id"`
	Name      string `bun:"name"`
}

type accountOptionRow struct {
	bun.BaseModel `bun:"table:account_org_options"`

	ID         string `bun:"id,pk"`
	CompanyID  string `bun:"company_id"`
	CategoryID string `bun:"category_id"`
	Name       string `bun:"name"`
}

type accountAssignmentRow struct {
	bun.BaseModel `bun:"table:account_org_assignments"`

	OptionID  string `bun:"option_id,pk"`
	UserID    string `bun:"user_id,pk"`
	CompanyID string `bun:"company_id"`
}

func (a accountStore) Company(ctx context.Context, companyID string) (*account.Company, error) {
	const op = "account.Company"
	if err := a.s.checkOpen(op); err != nil {
		return nil, err
	}
	var row accountCompanyRow
	q := a.s.idb(ctx).NewSelect().Model(&row).Where("company_id = ?", companyID)
	if err := a.s.scanOne(ctx, op, "account", companyID, q); err != nil {
		return nil, err
	}
	c := new(account.Company)
	if err := json.Unmarshal([]byte(row.Doc), c); err != nil {
		return nil, storage.Internal(op, err)
	}
	c.CompanyID, c.Version, c.KeyID = companyID, row.Version, row.KeyID
	return c, nil
}

// saveDoc inserts row (version 0) or updates it where update says (its
// columns, its key and the stored version). A lost race is
// storage.ErrRetryable so InTx re-runs the use case.
func (a accountStore) saveDoc(ctx context.Context, op string, version int64, row any, update func(*bun.UpdateQuery) *bun.UpdateQuery) error {
	if !a.s.inTx(ctx) {
		return a.s.InTx(ctx, func(ctx context.Context) error { return a.saveDoc(ctx, op, version, row, update) })
	}
	db := a.s.idb(ctx)
	if version == 0 {
		if _, err := db.NewInsert().Model(row).Exec(ctx); err != nil {
			err = a.s.mapErr(op, err)
			if errors.Is(err, storage.ErrConflict) {
				return storage.Retryable(op, err).Explain("inserted concurrently")
			}
			return err
		}
		return nil
	}
	res, err := update(db.NewUpdate().Model(row)).Exec(ctx)
	if err != nil {
		return a.s.mapErr(op, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return a.s.mapErr(op, err)
	}
	if n != 1 {
		return storage.E(op, storage.ErrRetryable, "changed concurrently")
	}
	return nil
}

func (a accountStore) SaveCompany(ctx context.Context, c *account.Company) error {
	const op = "account.SaveCompany"
	doc, err := json.Marshal(c)
	if err != nil {
		return storage.Internal(op, err)
	}
	row := &accountCompanyRow{CompanyID: c.CompanyID, Version: c.Version + 1, KeyID: c.KeyID, Doc: string(doc),
		UpdatedAt: storage.Timestamp(c.UpdatedAt)}
	err = a.saveDoc(ctx, op, c.Version, row, func(q *bun.UpdateQuery) *bun.UpdateQuery {
		return q.Column("version", "key_id", "doc", "updated_at").
			Where("company_id = ?", c.CompanyID).Where("version = ?", c.Version)
	})
	if err == nil {
		c.Version++
	}
	return err
}

func (a accountStore) CompaniesNotUnderKey(ctx context.Context, keyID, after string, limit int) ([]string, error) {
	const op = "account.CompaniesNotUnderKey"
	if err := a.s.checkOpen(op); err != nil {
		return nil, err
	}
	var ids, users []string
	// Runs only during key rotation; the (key_id, company_id) indexes of
	// both tables serve the key filter, the keys the keyset order.
	err := a.s.idb(ctx).NewSelect().Model((*accountCompanyRow)(nil)).Column("company_id").
		Where("key_id <> ''").Where("key_id <> ?", keyID).Where("company_id > ?", after).
		OrderExpr("company_id ASC").Limit(int64(limit)).Scan(ctx, &ids)
	if err != nil {
		return nil, a.s.mapErr(op, err)
	}
	err = a.s.idb(ctx).NewSelect().Model((*accountUserRow)(nil)).ColumnExpr("DISTINCT company_id").
		Where("key_id <> ''").Where("key_id <> ?", keyID).Where("company_id > ?", after).
		OrderExpr("company_id ASC").Limit(int64(limit)).Scan(ctx, &users)
	if err != nil {
		return nil, a.s.mapErr(op, err)
	}
	ids = slices.Compact(slices.Sorted(slices.Values(append(ids, users...))))
	if len(ids) > limit {
		ids = ids[:limit]
	}
	return ids, nil
}

func (a accountStore) UsersNotUnderKey(ctx context.Context, companyID, keyID, after string, limit int) ([]string, error) {
	const op = "account.UsersNotUnderKey"
	if err := a.s.checkOpen(op); err != nil {
		return nil, err
	}
	var ids []string
	err := a.s.idb(ctx).NewSelect().Model((*accountUserRow)(nil)).Column("user_id").
		Where("company_id = ?", companyID).Where("key_id <> ''").Where("key_id <> ?", keyID).Where("user_id > ?", after).
		OrderExpr("user_id ASC").Limit(int64(limit)).Scan(ctx, &ids)
	if err != nil {
		return nil, a.s.mapErr(op, err)
	}
	return ids, nil
}

func (a accountStore) User(ctx context.Context, companyID, userID string) (*account.User, error) {
	const op = "account.User"
	if err := a.s.checkOpen(op); err != nil {
		return nil, err
	}
	var row accountUserRow
	q := a.s.idb(ctx).NewSelect().Model(&row).Where("company_id = ?", companyID).Where("user_id = ?", userID)
	if err := a.s.scanOne(ctx, op, "user settings", userID, q); err != nil {
		return nil, err
	}
	u := new(account.User)
	if err := json.Unmarshal([]byte(row.Doc), u); err != nil {
		return nil, storage.Internal(op, err)
	}
	u.CompanyID, u.UserID, u.Version, u.KeyID = companyID, userID, row.Version, row.KeyID
	return u, nil
}

func (a accountStore) SaveUser(ctx context.Context, u *account.User) error {
	const op = "account.SaveUser"
	doc, err := json.Marshal(u)
	if err != nil {
		return storage.Internal(op, err)
	}
	row := &accountUserRow{CompanyID: u.CompanyID, UserID: u.UserID, Version: u.Version + 1, KeyID: u.KeyID, Doc: string(doc),
		UpdatedAt: storage.Timestamp(u.UpdatedAt), CostCentreID: u.CostCentreID}
	err = a.saveDoc(ctx, op, u.Version, row, func(q *bun.UpdateQuery) *bun.UpdateQuery {
		return q.Column("version", "key_id", "doc", "updated_at", "cost_centre_id").
			Where("company_id = ?", u.CompanyID).Where("user_id = ?", u.UserID).Where("version = ?", u.Version)
	})
	if err == nil {
		u.Version++
	}
	return err
}

func (a accountStore) Categories(ctx context.Context, companyID string) ([]account.Category, error) {
	const op = "account.Categories"
	if err := a.s.checkOpen(op); err != nil {
		return nil, err
	}
	db := a.s.idb(ctx)
	var cats []accountCategoryRow
	if err := db.NewSelect().Model(&cats).Where("company_id = ?", companyID).OrderExpr("name ASC").Scan(ctx); err != nil {
		return nil, a.s.mapErr(op, err)
	}
	var opts []accountOptionRow
	if err := db.NewSelect().Model(&opts).Where("company_id = ?", companyID).OrderExpr("name ASC").Scan(ctx); err != nil {
		return nil, a.s.mapErr(op, err)
	}
	out := make([]account.Category, len(cats))
	idx := map[string]int{}
	for i, c := range cats {
		out[i] = account.Category{ID: c.ID, CompanyID: c.CompanyID, Name: c.Name}
		idx[c.ID] = i
	}
	for _, o := range opts {
		if i, ok := idx[o.CategoryID]; ok {
			out[i].Options = append(out[i].Options, account.CategoryOption{ID: o.ID, CategoryID: o.CategoryID, Name: o.Name})
		}
	}
	return out, nil
}

// write runs fn in ctx's transaction or a transaction of its own.
func (a accountStore) write(ctx context.Context, op string, fn func(ctx context.Context, db bun.IDB) error) error {
	if !a.s.inTx(ctx) {
		return a.s.InTx(ctx, func(ctx context.Context) error { return a.write(ctx, op, fn) })
	}
	if err := fn(ctx, a.s.idb(ctx)); err != nil {
		return a.s.mapErr(op, err)
	}
	return nil
}

func affected(res interface{ RowsAffected() (int64, error) }) int64 {
	n, _ := res.RowsAffected()
	return n
}

func (a accountStore) CreateCategory(ctx context.Context, c *account.Category) error {
	const op = "account.CreateCategory"
	return a.write(ctx, op, func(ctx context.Context, db bun.IDB) error {
		if _, err := db.NewInsert().Model(&accountCategoryRow{ID: c.ID, CompanyID: c.CompanyID, Name: c.Name}).Exec(ctx); err != nil {
			return err
		}
		if len(c.Options) == 0 {
			return nil
		}
		rows := make([]accountOptionRow, len(c.Options))
		for i, o := range c.Options {
			rows[i] = accountOptionRow{ID: o.ID, CompanyID: c.CompanyID, CategoryID: c.ID, Name: o.Name}
		}
		_, err := db.NewInsert().Model(&rows).Exec(ctx)
		return err
	})
}

// renameRow sets name on row id of companyID in model's table; no such row
// is storage.NotFound(op, entity, id). MySQL counts only the rows an UPDATE
// changed, so a rename to the current name affects none there: existence is
// then checked by primary key.
func renameRow(ctx context.Context, db bun.IDB, op string, model any, entity, companyID, id, name string) error {
	res, err := db.NewUpdate().Model(model).Set("name = ?", name).
		Where("id = ?", id).Where("company_id = ?", companyID).Exec(ctx)
	if err != nil {
		return err
	}
	if affected(res) > 0 {
		return nil
	}
	n, err := db.NewSelect().Model(model).Where("id = ?", id).Where("company_id = ?", companyID).Count(ctx)
	if err != nil {
		return err
	}
	if n == 0 {
		return storage.NotFound(op, entity, id)
	}
	return nil
}

// deleteRow deletes row id of companyID from model's table; no such row is
// storage.NotFound(op, entity, id).
func deleteRow(ctx context.Context, db bun.IDB, op string, model any, entity, companyID, id string) error {
	res, err := db.NewDelete().Model(model).Where("id = ?", id).Where("company_id = ?", companyID).Exec(ctx)
	if err != nil {
		return err
	}
	if affected(res) == 0 {
		return storage.NotFound(op, entity, id)
	}
	return nil
}

func (a accountStore) RenameCategory(ctx context.Context, companyID, categoryID, name string) error {
	const op = "account.RenameCategory"
	return a.write(ctx, op, func(ctx context.Context, db bun.IDB) error {
		return renameRow(ctx, db, op, (*accountCategoryRow)(nil), "category", companyID, categoryID, name)
	})
}

func (a accountStore) DeleteCategory(ctx context.Context, companyID, categoryID string) error {
	const op = "account.DeleteCategory"
	return a.write(ctx, op, func(ctx context.Context, db bun.IDB) error {
		var ids []string
		if err := db.NewSelect().Model((*accountOptionRow)(nil)).Column("id").
			Where("company_id = ?", companyID).Where("category_id = ?", categoryID).Scan(ctx, &ids); err != nil {
			return err
		}
		if len(ids) > 0 {
			if _, err := db.NewDelete().Model((*accountAssignmentRow)(nil)).Where("option_id IN (?)", bun.List(ids)).Exec(ctx); err != nil {
				return err
			}
			if _, err := db.NewDelete().Model((*accountOptionRow)(nil)).Where("id IN (?)", bun.List(ids)).Exec(ctx); err != nil {
				return err
			}
		}
		return deleteRow(ctx, db, op, (*accountCategoryRow)(nil), "category", companyID, categoryID)
	})
}

func (a accountStore) AddOption(ctx context.Context, companyID string, o *account.CategoryOption) error {
	const op = "account.AddOption"
	return a.write(ctx, op, func(ctx context.Context, db bun.IDB) error {
		n, err := db.NewSelect().Model((*accountCategoryRow)(nil)).Where("id = ?", o.CategoryID).Where("company_id = ?", companyID).Count(ctx)
		if err != nil {
			return err
		}
		if n == 0 {
			return storage.NotFound(op, "category", o.CategoryID)
		}
		_, err = db.NewInsert().Model(&accountOptionRow{ID: o.ID, CompanyID: companyID, CategoryID: o.CategoryID, Name: o.Name}).Exec(ctx)
		return err
	})
}

func (a accountStore) RenameOption(ctx context.Context, companyID, optionID, name string) error {
	const op = "account.RenameOption"
	return a.write(ctx, op, func(ctx context.Context, db bun.IDB) error {
		return renameRow(ctx, db, op, (*accountOptionRow)(nil), "option", companyID, optionID, name)
	})
}

func (a accountStore) DeleteOption(ctx context.Context, companyID, optionID string) error {
	const op = "account.DeleteOption"
	return a.write(ctx, op, func(ctx context.Context, db bun.IDB) error {
		if err := deleteRow(ctx, db, op, (*accountOptionRow)(nil), "option", companyID, optionID); err != nil {
			return err
		}
		_, err := db.NewDelete().Model((*accountAssignmentRow)(nil)).Where("option_id = ?", optionID).Exec(ctx)
		return err
	})
}

func (a accountStore) Option(ctx context.Context, companyID, optionID string) (*account.CategoryOption, error) {
	const op = "account.Option"
	if err := a.s.checkOpen(op); err != nil {
		return nil, err
	}
	var row accountOptionRow
	q := a.s.idb(ctx).NewSelect().Model(&row).Where("id = ?", optionID).Where("company_id = ?", companyID)
	if err := a.s.scanOne(ctx, op, "option", optionID, q); err != nil {
		return nil, err
	}
	return &account.CategoryOption{ID: row.ID, CategoryID: row.CategoryID, Name: row.Name}, nil
}

func (a accountStore) Assign(ctx context.Context, companyID string, o account.CategoryOption, userIDs []string) error {
	const op = "account.Assign"
	return a.write(ctx, op, func(ctx context.Context, db bun.IDB) error {
		var have []string
		if err := db.NewSelect().Model((*accountAssignmentRow)(nil)).Column("user_id").
			Where("option_id = ?", o.ID).Where("user_id IN (?)", bun.List(userIDs)).Scan(ctx, &have); err != nil {
			return err
		}
		held := map[string]bool{}
		for _, u := range have {
			held[u] = true
		}
		var rows []accountAssignmentRow
		for _, u := range userIDs {
			if !held[u] {
				held[u] = true
				rows = append(rows, accountAssignmentRow{OptionID: o.ID, UserID: u, CompanyID: companyID})
			}
		}
		if len(rows) == 0 {
			return nil
		}
		if _, err := db.NewInsert().Model(&rows).Exec(ctx); err != nil {
			if a.s.classify(err) == storage.ErrConflict {
				// A concurrent Assign inserted one of them after our read:
				// re-run the transaction, which then finds it held.
				return storage.Retryable(op, err).Explain("assigned concurrently")
			}
			return err
		}
		return nil
	})
}

func (a accountStore) Unassign(ctx context.Context, companyID, optionID string, userIDs []string) error {
	const op = "account.Unassign"
	return a.write(ctx, op, func(ctx context.Context, db bun.IDB) error {
		_, err := db.NewDelete().Model((*accountAssignmentRow)(nil)).Where("company_id = ?", companyID).
			Where("option_id = ?", optionID).Where("user_id IN (?)", bun.List(userIDs)).Exec(ctx)
		return err
	})
}

func (a accountStore) UserOptions(ctx context.Context, companyID, userID string) ([]string, error) {
	const op = "account.UserOptions"
	if err := a.s.checkOpen(op); err != nil {
		return nil, err
	}
	var ids []string
	err := a.s.idb(ctx).NewSelect().Model((*accountAssignmentRow)(nil)).Column("option_id").
		Where("company_id = ?", companyID).Where("user_id = ?", userID).OrderExpr("option_id ASC").Scan(ctx, &ids)
	if err != nil {
		return nil, a.s.mapErr(op, err)
	}
	return ids, nil
}

func (a accountStore) CostCentreUsers(ctx context.Context, companyID, costCentreID string) ([]string, error) {
	const op = "account.CostCentreUsers"
	if err := a.s.checkOpen(op); err != nil {
		return nil, err
	}
	var ids []string
	err := a.s.idb(ctx).NewSelect().Model((*accountUserRow)(nil)).Column("user_id").
		Where("company_id = ?", companyID).Where("cost_centre_id = ?", costCentreID).OrderExpr("user_id ASC").Scan(ctx, &ids)
	if err != nil {
		return nil, a.s.mapErr(op, err)
	}
	return ids, nil
}

// HeldOptions reads the users' assignments through the index (company_id,
// user_id), one query for the whole batch.
func (a accountStore) HeldOptions(ctx context.Context, companyID string, userIDs, optionIDs []string) (map[string][]string, error) {
	const op = "account.HeldOptions"
	if err := a.s.checkOpen(op); err != nil {
		return nil, err
	}
	out := map[string][]string{}
	if len(userIDs) == 0 || len(optionIDs) == 0 {
		return out, nil
	}
	var rows []accountAssignmentRow
	err := a.s.idb(ctx).NewSelect().Model(&rows).Column("user_id", "option_id").
		Where("company_id = ?", companyID).Where("user_id IN (?)", bun.List(userIDs)).
		Where("option_id IN (?)", bun.List(optionIDs)).OrderExpr("user_id ASC, option_id ASC").Scan(ctx)
	if err != nil {
		return nil, a.s.mapErr(op, err)
	}
	for _, r := range rows {
		out[r.UserID] = append(out[r.UserID], r.OptionID)
	}
	return out, nil
}

func (a accountStore) SearchUsers(ctx context.Context, companyID string, groups [][]string, after string, limit int) ([]string, error) {
	const op = "account.SearchUsers"
	if err := a.s.checkOpen(op); err != nil {
		return nil, err
	}
	if len(groups) == 0 {
		return nil, nil
	}
	db := a.s.idb(ctx)
	q := db.NewSelect().Model((*accountAssignmentRow)(nil)).ColumnExpr("DISTINCT user_id").
		Where("company_id = ?", companyID).Where("option_id IN (?)", bun.List(groups[0])).Where("user_id > ?", after)
	for _, g := range groups[1:] {
		sub := db.NewSelect().Model((*accountAssignmentRow)(nil)).Column("user_id").
			Where("company_id = ?", companyID).Where("option_id IN (?)", bun.List(g))
		q = q.Where("user_id IN (?)", sub)
	}
	var ids []string
	if err := q.OrderExpr("user_id ASC").Limit(int64(limit)).Scan(ctx, &ids); err != nil {
		return nil, a.s.mapErr(op, err)
	}
	return ids, nil
}

// AccountRaw returns every stored byte of companyID's account document and
// its users' settings, as the database holds them, for tests that prove
// secrets are not stored in clear.
func AccountRaw(ctx context.Context, s *Store, companyID string) ([]byte, error) {
	var docs []string
	if err := s.db.NewSelect().Model((*accountCompanyRow)(nil)).Column("doc").Where("company_id = ?", companyID).Scan(ctx, &docs); err != nil {
		return nil, s.mapErr("bunstore.AccountRaw", err)
	}
	var users []string
	if err := s.db.NewSelect().Model((*accountUserRow)(nil)).Column("doc").Where("company_id = ?", companyID).Scan(ctx, &users); err != nil {
		return nil, s.mapErr("bunstore.AccountRaw", err)
	}
	var out []byte
	for _, d := range append(docs, users...) {
		out = append(out, d...)
	}
	return out, nil
}
