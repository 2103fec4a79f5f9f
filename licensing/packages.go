package licensing

import (
	"context"
	"errors"
	"slices"

	"github.com/switchboardkit/switchboard/audit"
	"github.com/switchboardkit/switchboard/storage"
	"github.com/switchboardkit/switchboard/storage/observe"
	"github.com/switchboardkit/switchboard/tenancy"
)

// PackageInput defines a service package.
type PackageInput struct {
	Name        string `json:"name" validate:"required,text,max=120"`
	Description string `json:"description" validate:"multiline,max=1000"`
}

// DefinePackage adds a service package to a catalogue: the platform's when
// ownerCompanyID is "" (platform admins only), else the reseller
// ownerCompanyID's (its reseller admins and owner, or the platform). Authorised:
// tenancy.ActManageCatalog. Errors: *storage.ValidationError for a bad name
// or an owner that is not a reseller (field "owner_company_id");
// storage.ErrConflict for a name the owner already uses. Audited in the
// owner's chain ("" for the platform).
func (s *Service) DefinePackage(ctx context.Context, by tenancy.Actor, ownerCompanyID string, in PackageInput) (_ ServicePackage, err error) {
	const op = "licensing.DefinePackage"
	ctx, uc := s.obs.Start(ctx, op, "", "licensing.package.define")
	defer func() { uc.End(err) }()
	storage.Normalize(&in)
	var out ServicePackage
	err = storage.Reop(op, s.tx.InTx(ctx, func(ctx context.Context) error {
		if err := s.catalogue(ctx, op, by, ownerCompanyID); err != nil {
			return err
		}
		if err := storage.Validate(ctx, op, s.v, in); err != nil {
			return err
		}
		out = ServicePackage{ID: storage.NewID(), OwnerCompanyID: ownerCompanyID, Name: in.Name,
			Description: in.Description, CreatedAt: storage.Timestamp(s.clock.Now())}
		if err := s.store.InsertPackage(ctx, out); err != nil {
			return err
		}
		return s.record(ctx, by, ownerCompanyID, "licensing.package.define", "service_package", out.ID, audit.Diff(nil, in)...)
	}))
	return out, err
}

// catalogue authorises by to manage the catalogue of ownerCompanyID (""
// is the platform's: platform admins only; else a reseller's).
func (s *Service) catalogue(ctx context.Context, op string, by tenancy.Actor, ownerCompanyID string) error {
	if ownerCompanyID == "" {
		return tenancy.AuthorizeIn(ctx, s.dir, op, by, tenancy.ActManageCatalog, tenancy.Resource{})
	}
	c, err := s.dir.Company(ctx, ownerCompanyID)
	if err != nil {
		return err
	}
	if err := tenancy.AuthorizeIn(ctx, s.dir, op, by, tenancy.ActManageCatalog, c.Resource()); err != nil {
		return err
	}
	if c.Kind != tenancy.KindReseller {
		return storage.Invalid(op, "owner_company_id", "reseller", "only the platform or a reseller defines service packages")
	}
	return nil
}

// ownPackage returns packageID of ownerCompanyID's catalogue, or
// storage.ErrNotFound (also for another catalogue's package).
func (s *Service) ownPackage(ctx context.Context, op, ownerCompanyID, packageID string) (ServicePackage, error) {
	p, err := s.store.Package(ctx, packageID)
	if err != nil {
		return ServicePackage{}, err
	}
	if p.OwnerCompanyID != ownerCompanyID {
		return ServicePackage{}, storage.NotFound(op, "service package", packageID)
	}
	return p, nil
}

// UpdatePackage changes the name and description of package packageID of
// ownerCompanyID's catalogue ("" the platform's). Authorised and audited
// ("licensing.package.update", the fields that changed) as DefinePackage.
// Errors: *storage.ValidationError for a bad name or description;
// storage.ErrNotFound for a package of another catalogue;
// storage.ErrConflict for a name the owner already uses. A retired package
// can be edited (it stays retired). Changing nothing records nothing.
func (s *Service) UpdatePackage(ctx context.Context, by tenancy.Actor, ownerCompanyID, packageID string, in PackageInput) (_ ServicePackage, err error) {
	const op = "licensing.UpdatePackage"
	ctx, uc := s.obs.Start(ctx, op, "", "licensing.package.update")
	defer func() { uc.End(err) }()
	storage.Normalize(&in)
	var out ServicePackage
	err = storage.Reop(op, s.tx.InTx(ctx, func(ctx context.Context) error {
		if err := s.catalogue(ctx, op, by, ownerCompanyID); err != nil {
			return err
		}
		if err := storage.Validate(ctx, op, s.v, in); err != nil {
			return err
		}
		p, err := s.ownPackage(ctx, op, ownerCompanyID, packageID)
		if err != nil {
			return err
		}
		out = p
		changes := audit.Diff(PackageInput{Name: p.Name, Description: p.Description}, in)
		if len(changes) == 0 {
			return nil
		}
		out.Name, out.Description = in.Name, in.Description
		if err := s.store.UpdatePackage(ctx, out); err != nil {
			return err
		}
		return s.record(ctx, by, ownerCompanyID, "licensing.package.update", "service_package", packageID, changes...)
	}))
	return out, err
}

// RetirePackage withdraws package packageID of ownerCompanyID's catalogue
// from sale: it leaves every company's PackageChoices, is no longer given
// by GrantDefaultPackages, and can no longer be offered (SetPackageOffer)
// or granted (GrantPackage); users who hold it keep it, and may still have
// it revoked. Retiring is final. Authorised as DefinePackage; errors
// storage.ErrNotFound for a package of another catalogue. Retiring a
// retired package changes nothing. Audited "licensing.package.retire".
func (s *Service) RetirePackage(ctx context.Context, by tenancy.Actor, ownerCompanyID, packageID string) (_ ServicePackage, err error) {
	const op = "licensing.RetirePackage"
	ctx, uc := s.obs.Start(ctx, op, "", "licensing.package.retire")
	defer func() { uc.End(err) }()
	var out ServicePackage
	err = storage.Reop(op, s.tx.InTx(ctx, func(ctx context.Context) error {
		if err := s.catalogue(ctx, op, by, ownerCompanyID); err != nil {
			return err
		}
		p, err := s.ownPackage(ctx, op, ownerCompanyID, packageID)
		if err != nil {
			return err
		}
		out = p
		if p.Retired {
			return nil
		}
		out.Retired = true
		if err := s.store.UpdatePackage(ctx, out); err != nil {
			return err
		}
		return s.record(ctx, by, ownerCompanyID, "licensing.package.retire", "service_package", packageID, audit.Set("retired", false, true))
	}))
	return out, err
}

// GrantPackage gives userID of companyID the package packageID, one the
// company offers (SetPackageOffer with offered) — the "offered as an
// option" packages an administrator grants user by user. Authorised:
// tenancy.ActManageUsers on the member. Errors: *storage.ValidationError
// for a non-member or a deactivated one (field "user_id", or
// storage.ErrPrecondition while deactivated) and for a package the company
// does not offer or that is retired (field "package_id");
// storage.ErrNotFound for a package outside the company's catalogue. A
// package the user holds changes nothing. Audited "licensing.package.grant".
func (s *Service) GrantPackage(ctx context.Context, by tenancy.Actor, companyID, userID, packageID string) (err error) {
	const op = "licensing.GrantPackage"
	ctx, uc := s.obs.Start(ctx, op, companyID, "licensing.package.grant")
	defer func() { uc.End(err) }()
	return storage.Reop(op, s.tx.InTx(ctx, func(ctx context.Context) error {
		c, err := s.packageHolder(ctx, op, by, companyID, userID)
		if err != nil {
			return err
		}
		choices, err := s.choices(ctx, c)
		if err != nil {
			return err
		}
		p, err := s.store.Package(ctx, packageID)
		if err != nil {
			return err
		}
		if !slices.Contains(catalogOwners(c), p.OwnerCompanyID) {
			return storage.NotFound(op, "service package", packageID)
		}
		if p.Retired {
			return storage.Invalid(op, "package_id", "retired", "is retired: no longer offered")
		}
		if i := slices.IndexFunc(choices, func(ch PackageChoice) bool { return ch.Package.ID == packageID }); i < 0 || !choices[i].Offered {
			return storage.Invalid(op, "package_id", "offered", "is not offered to the company's users")
		}
		held, err := s.store.UserPackages(ctx, companyID, userID)
		if err != nil {
			return err
		}
		if slices.Contains(held, packageID) {
			return nil
		}
		if err := s.store.GrantPackages(ctx, companyID, userID, []string{packageID}); err != nil {
			return err
		}
		return s.record(ctx, by, companyID, "licensing.package.grant", "user", userID, audit.Set("packages", nil, []string{packageID}))
	}))
}

// RevokePackage takes package packageID from userID of companyID, retired
// or not. Authorised as GrantPackage. Errors: storage.ErrNotFound when the
// user does not hold it. Audited "licensing.package.revoke".
func (s *Service) RevokePackage(ctx context.Context, by tenancy.Actor, companyID, userID, packageID string) (err error) {
	const op = "licensing.RevokePackage"
	ctx, uc := s.obs.Start(ctx, op, companyID, "licensing.package.revoke")
	defer func() { uc.End(err) }()
	return storage.Reop(op, s.tx.InTx(ctx, func(ctx context.Context) error {
		if _, err := s.packageHolder(ctx, op, by, companyID, userID); err != nil {
			return err
		}
		if err := s.store.RevokePackage(ctx, companyID, userID, packageID); err != nil {
			return err
		}
		return s.record(ctx, by, companyID, "licensing.package.revoke", "user", userID, audit.Set("packages", []string{packageID}, nil))
	}))
}

// packageHolder authorises by to manage member userID's packages in
// companyID (ActManageUsers on the member) and returns the company.
func (s *Service) packageHolder(ctx context.Context, op string, by tenancy.Actor, companyID, userID string) (tenancy.CompanyRef, error) {
	c, err := s.dir.Company(ctx, companyID)
	if err != nil {
		return tenancy.CompanyRef{}, err
	}
	m, err := s.dir.Member(ctx, companyID, userID)
	if errors.Is(err, storage.ErrNotFound) {
		// Whether userID is a member is not told to an actor who may not
		// see the company.
		if err := tenancy.AuthorizeIn(ctx, s.dir, op, by, tenancy.ActView, c.Resource()); err != nil {
			return tenancy.CompanyRef{}, err
		}
		return tenancy.CompanyRef{}, storage.Invalid(op, "user_id", "member", "is not a member of the company")
	}
	if err != nil {
		return tenancy.CompanyRef{}, err
	}
	if err := tenancy.AuthorizeIn(ctx, s.dir, op, by, tenancy.ActManageUsers, m.Resource()); err != nil {
		return tenancy.CompanyRef{}, err
	}
	if _, err := s.member(ctx, op, companyID, userID); err != nil { // the member's write lock: refused while deactivated
		return tenancy.CompanyRef{}, err
	}
	return c, nil
}

// catalogOwners are the catalogues company c chooses from: the platform's,
// its reseller's, and its own when it is a reseller.
func catalogOwners(c tenancy.CompanyRef) []string {
	owners := []string{""}
	if c.ResellerID != "" {
		owners = append(owners, c.ResellerID)
	}
	if c.Kind == tenancy.KindReseller {
		owners = append(owners, c.ID)
	}
	return owners
}

// PackageChoice is a package of a company's catalogue with the company
// admin's choice about it.
type PackageChoice struct {
	Package ServicePackage `json:"package"`
	Offered bool           `json:"offered"`
	Default bool           `json:"default"`
}

// PackageChoices lists the packages companyID may offer (platform's and its
// reseller's catalogues; retired ones are left out) with its choices, by
// name. Authorised:
// tenancy.ActView.
func (s *Service) PackageChoices(ctx context.Context, by tenancy.Actor, companyID string) (_ []PackageChoice, err error) {
	ctx, uc := s.obs.Start(ctx, "licensing.PackageChoices", companyID, observe.ActionRead)
	defer func() { uc.End(err) }()
	c, err := s.company(ctx, "licensing.PackageChoices", by, tenancy.ActView, companyID)
	if err != nil {
		return nil, err
	}
	return s.choices(ctx, c)
}

func (s *Service) choices(ctx context.Context, c tenancy.CompanyRef) ([]PackageChoice, error) {
	pkgs, err := s.store.Packages(ctx, catalogOwners(c))
	if err != nil {
		return nil, err
	}
	offers, err := s.store.Offers(ctx, c.ID)
	if err != nil {
		return nil, err
	}
	out := make([]PackageChoice, 0, len(pkgs))
	for _, p := range pkgs {
		if p.Retired {
			continue
		}
		ch := PackageChoice{Package: p}
		for _, o := range offers {
			if o.PackageID == p.ID {
				ch.Offered, ch.Default = o.Offered, o.Default
			}
		}
		out = append(out, ch)
	}
	return out, nil
}

// SetPackageOffer records whether packageID is offered to companyID's users
// and given to new users by default. It is a company setting: authorised
// with tenancy.ActEditSettings (owner, administrators, its reseller, the
// platform); company admins choose only, they never define packages.
// Errors: storage.ErrNotFound for a package outside the company's
// catalogue; *storage.ValidationError (field "default") for a default
// package that is not offered. Audited.
func (s *Service) SetPackageOffer(ctx context.Context, by tenancy.Actor, companyID, packageID string, offered, isDefault bool) (err error) {
	const op = "licensing.SetPackageOffer"
	ctx, uc := s.obs.Start(ctx, op, companyID, "licensing.package.offer")
	defer func() { uc.End(err) }()
	return storage.Reop(op, s.tx.InTx(ctx, func(ctx context.Context) error {
		c, err := s.company(ctx, op, by, tenancy.ActEditSettings, companyID)
		if err != nil {
			return err
		}
		if isDefault && !offered {
			return storage.Invalid(op, "default", "offered", "a default package must also be offered")
		}
		p, err := s.store.Package(ctx, packageID)
		if err != nil {
			return err
		}
		if !slices.Contains(catalogOwners(c), p.OwnerCompanyID) {
			return storage.NotFound(op, "service package", packageID)
		}
		if p.Retired && offered {
			return storage.Invalid(op, "package_id", "retired", "is retired: no longer offered")
		}
		var before PackageOffer
		offers, err := s.store.Offers(ctx, companyID)
		if err != nil {
			return err
		}
		for _, o := range offers {
			if o.PackageID == packageID {
				before = o
			}
		}
		after := PackageOffer{CompanyID: companyID, PackageID: packageID, Offered: offered, Default: isDefault}
		if err := s.store.SaveOffer(ctx, after); err != nil {
			return err
		}
		return s.record(ctx, by, companyID, "licensing.package.offer", "service_package", packageID,
			audit.Set("offered", before.Offered, offered), audit.Set("default", before.Default, isDefault))
	}))
}

// GrantDefaultPackages gives the new user userID of companyID every package
// the company marks as default, and returns their IDs. Tenancy (or the host)
// calls it when it registers a user, inside the same transaction; it is
// authorised as that registration: tenancy.ActManageUsers on the member.
// Errors: *storage.ValidationError (field "user_id") for a non-member.
// Audited when something was granted.
func (s *Service) GrantDefaultPackages(ctx context.Context, by tenancy.Actor, companyID, userID string) (_ []string, err error) {
	const op = "licensing.GrantDefaultPackages"
	ctx, uc := s.obs.Start(ctx, op, companyID, "licensing.package.grant")
	defer func() { uc.End(err) }()
	var out []string
	err = storage.Reop(op, s.tx.InTx(ctx, func(ctx context.Context) error {
		c, err := s.dir.Company(ctx, companyID)
		if err != nil {
			return err
		}
		m, err := s.member(ctx, op, companyID, userID)
		if err != nil {
			return err
		}
		if err := tenancy.AuthorizeIn(ctx, s.dir, op, by, tenancy.ActManageUsers, m.Resource()); err != nil {
			return err
		}
		choices, err := s.choices(ctx, c)
		if err != nil {
			return err
		}
		out = nil
		for _, ch := range choices {
			if ch.Default {
				out = append(out, ch.Package.ID)
			}
		}
		slices.Sort(out)
		if len(out) == 0 {
			return nil
		}
		if err := s.store.GrantPackages(ctx, companyID, userID, out); err != nil {
			return err
		}
		return s.record(ctx, by, companyID, "licensing.package.grant", "user", userID, audit.Set("packages", nil, out))
	}))
	return out, err
}

// UserPackages returns the IDs of the packages userID of companyID holds.
// Authorised: tenancy.ActView on the member.
func (s *Service) UserPackages(ctx context.Context, by tenancy.Actor, companyID, userID string) (_ []string, err error) {
	const op = "licensing.UserPackages"
	ctx, uc := s.obs.Start(ctx, op, companyID, observe.ActionRead)
	defer func() { uc.End(err) }()
	m, err := s.dir.Member(ctx, companyID, userID)
	if err != nil {
		return nil, storage.Reop(op, err)
	}
	if err := tenancy.AuthorizeIn(ctx, s.dir, op, by, tenancy.ActView, m.Resource()); err != nil {
		return nil, err
	}
	return s.store.UserPackages(ctx, companyID, userID)
}

// KeyInput is a subscription key to add.
type KeyInput struct {
	Code string `json:"code" validate:"required,text,max=128,printascii"`
}

// AddSubscriptionKey adds a subscription key to companyID. Authorised:
// tenancy.ActManageCatalog — the company's reseller (its admins and owner) or the platform;
// company administrators cannot. Errors: *storage.ValidationError (field
// "code"); storage.ErrConflict for a code the company already has. Audited.
func (s *Service) AddSubscriptionKey(ctx context.Context, by tenancy.Actor, companyID string, in KeyInput) (_ SubscriptionKey, err error) {
	const op = "licensing.AddSubscriptionKey"
	ctx, uc := s.obs.Start(ctx, op, companyID, "licensing.key.add")
	defer func() { uc.End(err) }()
	storage.Normalize(&in)
	var out SubscriptionKey
	err = storage.Reop(op, s.tx.InTx(ctx, func(ctx context.Context) error {
		if _, err := s.company(ctx, op, by, tenancy.ActManageCatalog, companyID); err != nil {
			return err
		}
		if err := storage.Validate(ctx, op, s.v, in); err != nil {
			return err
		}
		out = SubscriptionKey{ID: storage.NewID(), CompanyID: companyID, Code: in.Code, CreatedAt: storage.Timestamp(s.clock.Now())}
		if err := s.store.InsertKey(ctx, out); err != nil {
			return err
		}
		return s.record(ctx, by, companyID, "licensing.key.add", "subscription_key", out.ID, audit.Set("code", nil, in.Code))
	}))
	return out, err
}

// RemoveSubscriptionKey removes key id from companyID. Authorised:
// tenancy.ActManageCatalog. Errors: storage.ErrNotFound. Audited.
func (s *Service) RemoveSubscriptionKey(ctx context.Context, by tenancy.Actor, companyID, id string) (err error) {
	const op = "licensing.RemoveSubscriptionKey"
	ctx, uc := s.obs.Start(ctx, op, companyID, "licensing.key.remove")
	defer func() { uc.End(err) }()
	return storage.Reop(op, s.tx.InTx(ctx, func(ctx context.Context) error {
		if _, err := s.company(ctx, op, by, tenancy.ActManageCatalog, companyID); err != nil {
			return err
		}
		if err := s.store.DeleteKey(ctx, companyID, id); err != nil {
			return err
		}
		return s.record(ctx, by, companyID, "licensing.key.remove", "subscription_key", id)
	}))
}

// SubscriptionKeys lists companyID's keys by code. Authorised: tenancy.ActView.
func (s *Service) SubscriptionKeys(ctx context.Context, by tenancy.Actor, companyID string) (_ []SubscriptionKey, err error) {
	ctx, uc := s.obs.Start(ctx, "licensing.SubscriptionKeys", companyID, observe.ActionRead)
	defer func() { uc.End(err) }()
	if _, err := s.company(ctx, "licensing.SubscriptionKeys", by, tenancy.ActView, companyID); err != nil {
		return nil, err
	}
	return s.store.Keys(ctx, companyID)
}
