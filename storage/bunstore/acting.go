package bunstore

import (
	"context"
	"database/sql"
	"errors"

	"github.com/uptrace/bun"

	"github.com/switchboardkit/switchboard/storage"
	"github.com/switchboardkit/switchboard/tenancy"
)

// ActingMember is the membership a user acts through in a company, read by
// ScanWithActingMember in the statement that reads a row of the host's own
// (a login session): the user's membership in the company itself or, when
// it has none there, its membership in the company's reseller — the two
// ways a host's request acts in the company it names.
type ActingMember struct {
	company                 string
	companyID, userID, role sql.NullString
	subAccountID            sql.NullString
	deactivated             sql.NullBool
	scanned                 bool
}

// Member returns the membership read, and false when the user has none to
// act through in the company (nor in its reseller).
func (m *ActingMember) Member() (tenancy.Member, bool) {
	if !m.scanned || !m.companyID.Valid || m.companyID.String == "" {
		return tenancy.Member{}, false
	}
	return tenancy.Member{CompanyID: m.companyID.String, UserID: m.userID.String, Role: tenancy.Role(m.role.String),
		SubAccountID: m.subAccountID.String, Deactivated: m.deactivated.Valid && m.deactivated.Bool}, true
}

// Direct reports whether the membership read is in the company itself,
// not in its reseller.
func (m *ActingMember) Direct() bool {
	mem, ok := m.Member()
	return ok && mem.CompanyID == m.company
}

// ScanWithActingMember runs q — a SELECT of one row of the host's own
// table, with its columns already chosen — with the membership the row's
// user (the column userCol, such as "s.user_id") acts through in companyID
// joined to it, and scans the row's columns into dest and the membership
// into into. A host thus authenticates a request and reads what its Actor
// is built from (tenancy.Member.Actor) in one round trip instead of two or
// three. The join prefers the membership in companyID itself to the one in
// its reseller, exactly as a host calling tenancy.Service.ActorFor for the
// company and then for its reseller would.
//
// The membership is read outside any use case, so it is a claim: the SDK's
// use cases re-read it in their own transactions and authorise on that.
// Nothing is cached: every call reads the stored rows.
//
// storage.ErrNotFound when q selects no row; other failures are mapped as
// the store's own errors are.
func (s *Store) ScanWithActingMember(ctx context.Context, q *bun.SelectQuery, userCol, companyID string, into *ActingMember, dest ...any) error {
	const op = "bunstore.ScanWithActingMember"
	if err := s.checkOpen(op); err != nil {
		return err
	}
	*into = ActingMember{company: companyID}
	q = q.Join("LEFT JOIN tenancy_members AS sb_am ON sb_am.user_id = ? AND (sb_am.company_id = ? OR sb_am.company_id = "+
		"(SELECT sb_ac.reseller_id FROM tenancy_companies AS sb_ac WHERE sb_ac.id = ? AND sb_ac.reseller_id <> ''))",
		bun.Ident(userCol), companyID, companyID).
		ColumnExpr("sb_am.company_id, sb_am.user_id, sb_am.role, sb_am.sub_account_id, sb_am.deactivated").
		OrderExpr("CASE WHEN sb_am.company_id = ? THEN 0 ELSE 1 END", companyID).
		Limit(1)
	all := append(dest[:len(dest):len(dest)], &into.companyID, &into.userID, &into.role, &into.subAccountID, &into.deactivated)
	if err := q.Scan(ctx, all...); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return storage.NotFound(op, "row", "")
		}
		return s.mapErr(op, err)
	}
	into.scanned = true
	return nil
}
