package tenancy

import (
	"context"

	"github.com/switchboardkit/switchboard/audit"
	"github.com/switchboardkit/switchboard/storage"
	"github.com/switchboardkit/switchboard/storage/observe"
)

func checkSubAccountName(op, name string) error {
	return (&storage.ValidationError{Op: op}).CheckText("name", name, 100, true).Err()
}

// loadForSubAccount loads company companyID, authorises
// ActManageSubAccounts on its sub-account subAccountID ("" for a new one)
// and checks the (trimmed) name: the shared preamble of CreateSubAccount
// and RenameSubAccount.
func (s *Service) loadForSubAccount(ctx context.Context, op string, by Actor, companyID, subAccountID, name string) (*Company, error) {
	c, err := s.loadCompany(ctx, op, by, ActManageSubAccounts, companyID, false)
	if err != nil {
		return nil, err
	}
	r := c.Resource()
	r.SubAccountID = subAccountID
	if err := Authorize(op, by, ActManageSubAccounts, r); err != nil {
		return nil, err
	}
	if err := checkSubAccountName(op, name); err != nil {
		return nil, err
	}
	return c, nil
}

// CreateSubAccount adds a named sub-account to companyID. Authorised:
// ActManageSubAccounts (owner, administrators, its reseller, the platform).
// Errors: field name (empty, over 100), storage.ErrConflict for a name
// already used in the company (case-insensitive).
func (s *Service) CreateSubAccount(ctx context.Context, by Actor, companyID, name string) (_ SubAccount, err error) {
	const op = "tenancy.CreateSubAccount"
	ctx, uc := s.obs.Start(ctx, op, companyID, "tenancy.sub_account.create")
	defer func() { uc.End(err) }()
	name = storage.NormalizeText(name)
	var out SubAccount
	err = storage.Reop(op, s.tx.InTx(ctx, func(ctx context.Context) error {
		if err := s.fresh(ctx, op, &by); err != nil {
			return err
		}
		c, err := s.loadForSubAccount(ctx, op, by, companyID, "", name)
		if err != nil {
			return err
		}
		now := s.now()
		sa := SubAccount{ID: storage.NewID(), CompanyID: c.ID, Name: name, CreatedAt: now, UpdatedAt: now}
		if err := s.store.CreateSubAccount(ctx, &sa); err != nil {
			return err
		}
		out = sa
		return s.record(ctx, by, c.ID, "tenancy.sub_account.create", "sub_account", sa.ID, audit.Diff(nil, &sa))
	}))
	return out, err
}

// RenameSubAccount renames a sub-account. Authorised and validated like
// CreateSubAccount; storage.ErrNotFound for a sub-account not in the company.
func (s *Service) RenameSubAccount(ctx context.Context, by Actor, companyID, subAccountID, name string) (_ SubAccount, err error) {
	const op = "tenancy.RenameSubAccount"
	ctx, uc := s.obs.Start(ctx, op, companyID, "tenancy.sub_account.rename")
	defer func() { uc.End(err) }()
	name = storage.NormalizeText(name)
	var out SubAccount
	err = storage.Reop(op, s.tx.InTx(ctx, func(ctx context.Context) error {
		if err := s.fresh(ctx, op, &by); err != nil {
			return err
		}
		c, err := s.loadForSubAccount(ctx, op, by, companyID, subAccountID, name)
		if err != nil {
			return err
		}
		sa, err := s.store.GetSubAccount(ctx, c.ID, subAccountID)
		if err != nil {
			return err
		}
		before := *sa
		sa.Name, sa.UpdatedAt = name, s.now()
		if err := s.store.UpdateSubAccount(ctx, sa); err != nil {
			return err
		}
		out = *sa
		return s.record(ctx, by, c.ID, "tenancy.sub_account.rename", "sub_account", sa.ID, audit.Diff(&before, sa))
	}))
	return out, err
}

// ListSubAccounts lists the sub-accounts of companyID the actor may see (see
// VisibleSubAccounts), by name. storage.ErrForbidden for an invisible company.
func (s *Service) ListSubAccounts(ctx context.Context, by Actor, companyID string) (_ []SubAccount, err error) {
	const op = "tenancy.ListSubAccounts"
	ctx, uc := s.obs.Start(ctx, op, companyID, observe.ActionRead)
	defer func() { uc.End(err) }()
	if err := s.fresh(ctx, op, &by); err != nil {
		return nil, err
	}
	all, ids, err := s.VisibleSubAccounts(ctx, by, companyID)
	if err != nil {
		return nil, storage.Reop(op, err)
	}
	if !all && len(ids) == 0 {
		if by.CompanyID == companyID && by.Role == RoleOperator {
			return nil, nil
		}
		return nil, forbidden(op, by, ActView)
	}
	list, err := s.store.ListSubAccounts(ctx, companyID)
	if err != nil || all {
		return list, err
	}
	out := list[:0]
	for _, sa := range list {
		for _, id := range ids {
			if sa.ID == id {
				out = append(out, sa)
			}
		}
	}
	return out, nil
}

type subAccountCursor struct {
	NameKey string `json:"n"`
	ID      string `json:"i"`
}

// SubAccountsPage is ListSubAccounts a page at a time: the sub-accounts of
// companyID the actor may see, by name, with keyset pagination (the unique
// (company, name) index on SQL). A manager sees its own sub-account alone;
// an operator none. storage.ErrForbidden or storage.ErrNotFound as
// ListSubAccounts.
func (s *Service) SubAccountsPage(ctx context.Context, by Actor, companyID string, page storage.PageRequest) (_ storage.Page[SubAccount], err error) {
	const op = "tenancy.SubAccountsPage"
	ctx, uc := s.obs.Start(ctx, op, companyID, observe.ActionRead)
	defer func() { uc.End(err) }()
	var cur subAccountCursor
	if page.After != "" {
		if err := storage.DecodeCursor(op, page.After, &cur); err != nil {
			return storage.Page[SubAccount]{}, err
		}
	}
	if err := s.fresh(ctx, op, &by); err != nil {
		return storage.Page[SubAccount]{}, err
	}
	all, ids, err := s.VisibleSubAccounts(ctx, by, companyID)
	if err != nil {
		return storage.Page[SubAccount]{}, storage.Reop(op, err)
	}
	switch {
	case all:
	case len(ids) == 0 && by.CompanyID == companyID && by.Role == RoleOperator:
		return storage.Page[SubAccount]{}, nil
	case len(ids) == 0:
		return storage.Page[SubAccount]{}, forbidden(op, by, ActView)
	default:
		if page.After != "" {
			return storage.Page[SubAccount]{}, nil
		}
		sa, err := s.store.GetSubAccount(ctx, companyID, ids[0])
		if err != nil {
			return storage.Page[SubAccount]{}, storage.Reop(op, err)
		}
		return storage.Page[SubAccount]{Items: []SubAccount{*sa}}, nil
	}
	items, err := s.store.SubAccountsAfter(ctx, companyID, cur.NameKey, cur.ID, page.Size()+1)
	if err != nil {
		return storage.Page[SubAccount]{}, storage.Reop(op, err)
	}
	out := storage.Page[SubAccount]{Items: items}
	if len(items) > page.Size() {
		out.Items = items[:page.Size()]
		last := out.Items[len(out.Items)-1]
		out.NextCursor = storage.EncodeCursor(subAccountCursor{NameKey: last.NameKey(), ID: last.ID})
	}
	return out, nil
}
