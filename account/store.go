package account

import "context"

// Store is the persistence account needs. storage/memory and
// storage/bunstore implement it; storage/storagetest holds the behaviour
// every implementation must show. All methods join the transaction ctx
// carries (storage.Transactor.InTx). Errors are storage errors: checked
// with errors.Is against storage.ErrNotFound, ErrConflict, ErrRetryable,
// ErrUnavailable, ErrInternal.
type Store interface {
	// Company returns the stored account document of companyID, or
	// storage.ErrNotFound.
	Company(ctx context.Context, companyID string) (*Company, error)
	// SaveCompany stores c. When c.Version is 0 it inserts (a document that
	// already exists is a lost race: storage.ErrRetryable); otherwise it
	// replaces the document only if the stored version is still c.Version
	// (else storage.ErrRetryable). On success c.Version is incremented.
	SaveCompany(ctx context.Context, c *Company) error
	// CompaniesNotUnderKey returns up to limit IDs, ascending and greater
	// than after, of companies holding secrets sealed under a key other than
	// keyID: in the company document (Company.KeyID) or in any of its
	// users' settings (User.KeyID).
	CompaniesNotUnderKey(ctx context.Context, keyID, after string, limit int) ([]string, error)
	// UsersNotUnderKey returns up to limit user IDs of companyID, ascending
	// and greater than after, whose settings hold secrets sealed under a
	// key other than keyID (User.KeyID neither "" nor keyID).
	UsersNotUnderKey(ctx context.Context, companyID, keyID, after string, limit int) ([]string, error)

	// User returns the stored settings of userID in companyID, or
	// storage.ErrNotFound.
	User(ctx context.Context, companyID, userID string) (*User, error)
	// SaveUser stores u (with its KeyID) with the same version rules as
	// SaveCompany; User reads KeyID back.
	SaveUser(ctx context.Context, u *User) error

	// Categories returns companyID's categories by name, each with its
	// options by name.
	Categories(ctx context.Context, companyID string) ([]Category, error)
	// CreateCategory inserts c and its options. A category name already used
	// in the company, or an option name repeated, is storage.ErrConflict.
	CreateCategory(ctx context.Context, c *Category) error
	// RenameCategory renames; storage.ErrNotFound / ErrConflict (name taken).
	RenameCategory(ctx context.Context, companyID, categoryID, name string) error
	// DeleteCategory deletes the category, its options and their assignments.
	DeleteCategory(ctx context.Context, companyID, categoryID string) error
	// AddOption inserts o into its category (which must exist in companyID:
	// storage.ErrNotFound); a name taken in the category is ErrConflict.
	AddOption(ctx context.Context, companyID string, o *CategoryOption) error
	// RenameOption renames; storage.ErrNotFound / ErrConflict.
	RenameOption(ctx context.Context, companyID, optionID, name string) error
	// DeleteOption deletes the option and its assignments.
	DeleteOption(ctx context.Context, companyID, optionID string) error
	// Option returns one option of companyID, or storage.ErrNotFound.
	Option(ctx context.Context, companyID, optionID string) (*CategoryOption, error)
	// Assign gives the option to the users (already assigned ones are kept).
	Assign(ctx context.Context, companyID string, o CategoryOption, userIDs []string) error
	// Unassign takes the option from the users.
	Unassign(ctx context.Context, companyID, optionID string, userIDs []string) error
	// UserOptions returns the IDs of the options assigned to userID, ascending.
	UserOptions(ctx context.Context, companyID, userID string) ([]string, error)
	// CostCentreUsers returns the IDs of companyID's users whose settings
	// name costCentreID as their cost centre, ascending (an index on SQL).
	CostCentreUsers(ctx context.Context, companyID, costCentreID string) ([]string, error)
	// SearchUsers returns up to limit user IDs greater than after, ascending,
	// that hold, for every group, at least one of the group's option IDs.
	// Each group holds the options of one category (AND across groups, OR
	// within one); groups is never empty and no group is empty.
	SearchUsers(ctx context.Context, companyID string, groups [][]string, after string, limit int) ([]string, error)
	// HeldOptions returns, for each of userIDs (at most storage.MaxPageSize)
	// holding any of optionIDs, the IDs of those it holds, ascending; users
	// holding none are absent. Looked up by key (company, user) on SQL.
	HeldOptions(ctx context.Context, companyID string, userIDs, optionIDs []string) (map[string][]string, error)
}
