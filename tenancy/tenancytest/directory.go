package tenancytest

import (
	"context"
	"sync"

	"github.com/switchboardkit/switchboard/storage"
	"github.com/switchboardkit/switchboard/tenancy"
)

// Directory is an in-memory tenancy.Directory that tests fill by hand. It is
// safe for concurrent use.
type Directory struct {
	mu        sync.RWMutex
	companies map[string]tenancy.CompanyRef
	members   map[[2]string]tenancy.MemberRef
}

var _ tenancy.Directory = (*Directory)(nil)

// NewDirectory returns an empty directory.
func NewDirectory() *Directory {
	return &Directory{companies: map[string]tenancy.CompanyRef{}, members: map[[2]string]tenancy.MemberRef{}}
}

// AddCompany stores c (Status defaults to active, Kind to regular) and returns it.
func (d *Directory) AddCompany(c tenancy.CompanyRef) tenancy.CompanyRef {
	if c.ID == "" {
		c.ID = storage.NewID()
	}
	if c.Status == "" {
		c.Status = tenancy.StatusActive
	}
	if c.Kind == "" {
		c.Kind = tenancy.KindRegular
	}
	d.mu.Lock()
	d.companies[c.ID] = c
	d.mu.Unlock()
	return c
}

// AddMember makes a new user a member of company with role (and sub-account)
// and returns the actor that user acts as.
func (d *Directory) AddMember(company tenancy.CompanyRef, role tenancy.Role, subAccountID string) tenancy.Actor {
	m := tenancy.MemberRef{UserID: storage.NewID(), CompanyID: company.ID, ResellerID: company.ResellerID, Role: role, SubAccountID: subAccountID,
		CompanySuspended: company.Status == tenancy.StatusSuspended}
	d.mu.Lock()
	d.members[[2]string{m.CompanyID, m.UserID}] = m
	d.mu.Unlock()
	return tenancy.Actor{UserID: m.UserID, CompanyID: m.CompanyID, Role: role, SubAccountID: subAccountID}
}

// Company implements tenancy.Directory.
func (d *Directory) Company(_ context.Context, id string) (tenancy.CompanyRef, error) {
	d.mu.RLock()
	defer d.mu.RUnlock()
	c, ok := d.companies[id]
	if !ok {
		return tenancy.CompanyRef{}, storage.NotFound("tenancytest.Company", "company", id)
	}
	return c, nil
}

// Member implements tenancy.Directory.
func (d *Directory) Member(_ context.Context, companyID, userID string) (tenancy.MemberRef, error) {
	d.mu.RLock()
	defer d.mu.RUnlock()
	m, ok := d.members[[2]string{companyID, userID}]
	if !ok {
		return tenancy.MemberRef{}, storage.NotFound("tenancytest.Member", "member", userID)
	}
	return m, nil
}

// LockMember implements tenancy.Directory (the fake's mutex is its lock):
// a deactivated member is storage.ErrPrecondition, as in tenancy.Service.
func (d *Directory) LockMember(ctx context.Context, companyID, userID string) (tenancy.MemberRef, error) {
	m, err := d.Member(ctx, companyID, userID)
	if err == nil && m.Deactivated {
		return tenancy.MemberRef{}, storage.Precondition("tenancytest.LockMember", "member %s is deactivated", userID)
	}
	return m, err
}

// Verify implements tenancy.Directory: the actor with the role and
// sub-account stored for it; storage.ErrForbidden when it is no member or
// a deactivated one.
func (d *Directory) Verify(_ context.Context, a tenancy.Actor) (tenancy.Actor, error) {
	if a.IsPlatform() {
		return a, nil
	}
	d.mu.RLock()
	defer d.mu.RUnlock()
	m, ok := d.members[[2]string{a.CompanyID, a.UserID}]
	if !ok {
		return tenancy.Actor{}, storage.Forbidden("tenancytest.Verify", "user %s is no member of company %s", a.UserID, a.CompanyID)
	}
	if m.Deactivated {
		return tenancy.Actor{}, storage.Forbidden("tenancytest.Verify", "user %s is deactivated in company %s", a.UserID, a.CompanyID)
	}
	return tenancy.Actor{UserID: m.UserID, CompanyID: m.CompanyID, Role: m.Role, SubAccountID: m.SubAccountID}, nil
}

// RemoveMember forgets a membership, as tenancy.Service.RemoveMember would.
func (d *Directory) RemoveMember(companyID, userID string) {
	d.mu.Lock()
	delete(d.members, [2]string{companyID, userID})
	d.mu.Unlock()
}

// SetDeactivated marks a membership deactivated (or active again), as
// tenancy.Service.DeactivateMember and ReactivateMember would.
func (d *Directory) SetDeactivated(companyID, userID string, deactivated bool) {
	d.mu.Lock()
	defer d.mu.Unlock()
	k := [2]string{companyID, userID}
	if m, ok := d.members[k]; ok {
		m.Deactivated = deactivated
		d.members[k] = m
	}
}
