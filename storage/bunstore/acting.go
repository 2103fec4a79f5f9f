package bunstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"sync"

	"github.com/switchboardkit/switchboard/storage"
	"github.com/switchboardkit/switchboard/tenancy"
)

// HostRow names one row of a table of the host's own — a login session,
// say — to read with the membership its user acts through (see
// ScanWithActingMember). The names are plain SQL identifiers (letters,
// digits and underscores).
type HostRow struct {
	Table   string   // the host's table
	Key     string   // its key column, compared with the key given
	User    string   // the column holding the row's user id
	Columns []string // the columns scanned into dest, in order
}

// ActingMember is the membership a user acts through in a company, read by
// ScanWithActingMember in the statement that reads a row of the host's own:
// the user's membership in the company itself or, when it has none there,
// its membership in the company's reseller — the two ways a request acts
// in the company it names.
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

// actingQueries caches ScanWithActingMember's statement per HostRow.
var actingQueries sync.Map // string → string

// actingQuery is the statement reading row's row by key (the first
// placeholder after the join's two) with the membership joined; its
// arguments are companyID, companyID, key, companyID.
func actingQuery(row HostRow) (string, error) {
	cacheKey := row.Table + "\x00" + row.Key + "\x00" + row.User + "\x00" + strings.Join(row.Columns, "\x00")
	if q, ok := actingQueries.Load(cacheKey); ok {
		return q.(string), nil
	}
	if len(row.Columns) == 0 {
		return "", errors.New("no columns")
	}
	for _, id := range append([]string{row.Table, row.Key, row.User}, row.Columns...) {
		if !plainIdent(id) {
			return "", fmt.Errorf("%q is not a plain identifier", id)
		}
	}
	var b strings.Builder
	b.WriteString("SELECT ")
	for _, c := range row.Columns {
		b.WriteString("h." + c + ", ")
	}
	b.WriteString("m.company_id, m.user_id, m.role, m.sub_account_id, m.deactivated FROM " + row.Table + " AS h" +
		" LEFT JOIN tenancy_members AS m ON m.user_id = h." + row.User + " AND (m.company_id = ? OR m.company_id = " +
		"(SELECT c.reseller_id FROM tenancy_companies AS c WHERE c.id = ? AND c.reseller_id <> ''))" +
		" WHERE h." + row.Key + " = ? ORDER BY CASE WHEN m.company_id = ? THEN 0 ELSE 1 END LIMIT 1")
	q := b.String()
	actingQueries.Store(cacheKey, q)
	return q, nil
}

// plainIdent reports whether s is a non-empty run of ASCII letters, digits
// and underscores, not starting with a digit.
func plainIdent(s string) bool {
	if s == "" || s[0] >= '0' && s[0] <= '9' {
		return false
	}
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9', c == '_':
		default:
			return false
		}
	}
	return true
}

// ScanWithActingMember reads the row of the host's table row.Table whose
// row.Key is key, scanning row.Columns into dest, and — in the same
// statement — the membership the row's user acts through in companyID
// into into. A host thus authenticates a request and reads what its Actor
// is built from (tenancy.Member.Actor) in one round trip instead of two or
// three. The membership in companyID itself comes first, the one in its
// reseller otherwise, exactly as a host calling tenancy.Service.ActorFor
// for the company and then for its reseller would find. On PostgreSQL the
// statement is prepared on each connection, like the SDK's hot statements.
//
// The membership is read outside any use case, so it is a claim: the
// SDK's use cases re-read it in their own transactions and authorise on
// what they find. Nothing is cached: every call reads the stored rows.
//
// storage.ErrNotFound when no row has key; storage.ErrInvalid for a
// HostRow that is not plain identifiers; other failures are mapped as the
// store's own errors are.
func (s *Store) ScanWithActingMember(ctx context.Context, row HostRow, key any, companyID string, into *ActingMember, dest ...any) error {
	const op = "bunstore.ScanWithActingMember"
	if err := s.checkOpen(op); err != nil {
		return err
	}
	*into = ActingMember{company: companyID}
	if len(dest) != len(row.Columns) {
		return storage.Invalid(op, "dest", "count", fmt.Sprintf("%d destinations for %d columns", len(dest), len(row.Columns)))
	}
	q, err := actingQuery(row)
	if err != nil {
		return storage.Invalid(op, "row", "identifier", "host row: "+err.Error())
	}
	rows, err := s.hotQuery(ctx, op, q, companyID, companyID, key, companyID)
	if err != nil {
		return err
	}
	all := append(dest[:len(dest):len(dest)], &into.companyID, &into.userID, &into.role, &into.subAccountID, &into.deactivated)
	if err := scanOne(rows, all...); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return storage.NotFound(op, row.Table, "")
		}
		return s.mapErr(op, err)
	}
	into.scanned = true
	return nil
}
