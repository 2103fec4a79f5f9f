package main

import (
	"net/http"

	"github.com/switchboardkit/switchboard/account"
	"github.com/switchboardkit/switchboard/account/presence"
	"github.com/switchboardkit/switchboard/audit"
	"github.com/switchboardkit/switchboard/compliance"
	"github.com/switchboardkit/switchboard/licensing"
	"github.com/switchboardkit/switchboard/tenancy"
)

// route is one endpoint: its Go 1.22 method pattern, its handler and what
// the OpenAPI document says of it.
type route struct {
	method, path string
	handler      http.HandlerFunc
	anonymous    bool // no Authorization needed
	in           any  // the request body's type (a zero value), nil for none
	out          any  // the success body's type, nil for none
	status       int  // the success status
	summary      string
}

// routeTable declares every endpoint of the service, in one place. Routes
// under /v1 need "Authorization: Bearer <session token or platform token>"
// except session creation, registration through a reseller's link and
// password reset, which are anonymous (and rate-limited where a guesser
// would aim).
func (s *Server) routeTable() []route {
	const ok, created, none = http.StatusOK, http.StatusCreated, http.StatusNoContent
	return []route{
		{"GET", "/healthz", s.healthz, true, nil, statusOut{}, ok, "Liveness"},
		{"GET", "/readyz", s.readyz, true, nil, statusOut{}, ok, "Readiness: database reachable, schema current"},
		{"GET", "/openapi.json", s.openapi, true, nil, nil, ok, "This document"},

		// Sessions and anonymous flows.
		{"POST", "/v1/sessions", s.createSession, true, loginIn{}, sessionOut{}, created, "Log in (e-mail and password)"},
		{"DELETE", "/v1/sessions/current", s.deleteSession, false, nil, nil, none, "Log out"},
		{"POST", "/v1/registrations/{slug}", s.registerAffiliate, true, tenancy.NewAffiliate{}, companyOut{}, created, "Register a company through a reseller's link"},
		{"POST", "/v1/password-resets", s.requestPasswordReset, true, resetIn{}, nil, http.StatusAccepted, "Ask for a password-reset token"},
		{"POST", "/v1/password-resets/confirm", s.resetPassword, true, newPasswordIn{}, nil, none, "Set a new password with a reset token"},

		// Tenancy.
		{"POST", "/v1/companies", s.createCompany, false, tenancy.NewCompany{}, companyOut{}, created, "Create a company with its owner (platform)"},
		{"GET", "/v1/companies/{company}", s.getCompany, false, nil, tenancy.Company{}, ok, "Read a company"},
		{"PUT", "/v1/companies/{company}/display-name", s.setDisplayName, false, displayNameIn{}, tenancy.Company{}, ok, "Rename a company (display name)"},
		{"PUT", "/v1/companies/{company}/status", s.setCompanyStatus, false, companyStatusIn{}, tenancy.Company{}, ok, "Suspend or reactivate a company (platform)"},
		{"PUT", "/v1/companies/{company}/legal-identity", s.setLegalIdentity, false, tenancy.LegalIdentity{}, tenancy.Company{}, ok, "Set the legal name and numbers (platform)"},
		{"PUT", "/v1/companies/{company}/kind", s.setKind, false, kindIn{}, tenancy.Company{}, ok, "Make a company a reseller or a regular company"},
		{"PUT", "/v1/companies/{company}/reseller", s.setReseller, false, resellerIn{}, tenancy.Company{}, ok, "Attach, move or detach an affiliate (platform)"},
		{"PUT", "/v1/companies/{company}/owner", s.changeOwner, false, ownerIn{}, tenancy.Company{}, ok, "Hand the company to another member (platform)"},
		{"GET", "/v1/companies/{company}/search", s.searchCompanies, false, nil, pageOut[tenancy.Company]{}, ok, "Companies the caller, acting in this company, sees matching ?q="},
		{"POST", "/v1/companies/{company}/members", s.addMember, false, addMemberIn{}, tenancy.Employee{}, created, "Make an existing user a member"},
		{"PUT", "/v1/companies/{company}/sub-accounts/{id}", s.renameSubAccount, false, subAccountIn{}, tenancy.SubAccount{}, ok, "Rename a sub-account"},
		{"PUT", "/v1/companies/{company}/employees/{user}/name", s.renameUser, false, tenancy.PersonName{}, tenancy.User{}, ok, "Rename a user"},
		{"PUT", "/v1/companies/{company}/employees/{user}/phone", s.setPhone, false, tenancy.PhoneInput{}, tenancy.User{}, ok, "Set or clear a user's phone"},
		{"POST", "/v1/companies/{company}/employees/{user}/email-changes", s.requestEmailChange, false, tenancy.EmailChangeInput{}, tenancy.PendingEmailChange{}, http.StatusAccepted, "Start an e-mail change (the token goes to the new address)"},
		{"POST", "/v1/email-changes/confirm", s.confirmEmailChange, true, tokenIn{}, tenancy.User{}, ok, "Confirm an e-mail change with its token"},
		{"PUT", "/v1/companies/{company}/registration", s.setRegistration, false, registrationIn{}, tenancy.Company{}, ok, "Open or close a reseller's registration link"},
		{"POST", "/v1/companies/{company}/invitations", s.issueInvitation, false, tenancy.InvitationInput{}, tenancy.IssuedInvitation{}, created, "Invite a company to register through the reseller's link"},
		{"GET", "/v1/companies/{company}/employees", s.listEmployees, false, nil, pageOut[tenancy.Employee]{}, ok, "List employees (cursor pagination)"},
		{"POST", "/v1/companies/{company}/employees", s.registerEmployee, false, tenancy.NewEmployee{}, tenancy.Employee{}, created, "Register an employee"},
		{"PUT", "/v1/companies/{company}/employees/{user}", s.updateMember, false, tenancy.MemberChange{}, tenancy.Employee{}, ok, "Change a member's role and sub-account"},
		{"DELETE", "/v1/companies/{company}/employees/{user}", s.removeMember, false, nil, nil, none, "Remove a member"},
		{"POST", "/v1/companies/{company}/employees/{user}/deactivate", s.deactivateMember, false, nil, nil, none, "Deactivate a member"},
		{"POST", "/v1/companies/{company}/employees/{user}/reactivate", s.reactivateMember, false, nil, nil, none, "Reactivate a member"},
		{"GET", "/v1/companies/{company}/sub-accounts", s.listSubAccounts, false, nil, itemsOut[tenancy.SubAccount]{}, ok, "List sub-accounts"},
		{"POST", "/v1/companies/{company}/sub-accounts", s.createSubAccount, false, subAccountIn{}, tenancy.SubAccount{}, created, "Create a sub-account"},
		{"PUT", "/v1/companies/{company}/me/password", s.changePassword, false, changePasswordIn{}, nil, none, "Change the caller's password"},

		// Account.
		{"GET", "/v1/companies/{company}/settings", s.getSettings, false, nil, account.Company{}, ok, "The company's account document"},
		{"PUT", "/v1/companies/{company}/settings/locale", s.setLocale, false, account.Locale{}, account.Company{}, ok, "Set the company's time zone and languages"},
		{"GET", "/v1/companies/{company}/employees/{user}/settings", s.effectiveSettings, false, nil, account.Effective{}, ok, "A user's effective settings, each with its source"},

		// Licensing.
		{"PUT", "/v1/companies/{company}/agreement", s.setAgreement, false, agreementIn{}, nil, none, "Set the company's prices"},
		{"POST", "/v1/companies/{company}/license-purchases", s.purchaseLicenses, false, purchaseIn{}, licensing.Purchase{}, created, "Buy licenses (Idempotency-Key)"},
		{"GET", "/v1/companies/{company}/license-pools", s.licensePools, false, nil, itemsOut[licensing.Pool]{}, ok, "Licenses bought and assigned"},
		{"PUT", "/v1/companies/{company}/employees/{user}/licenses/{kind}", s.assignLicense, false, nil, licensing.LicenseAssignment{}, ok, "Assign a license"},
		{"DELETE", "/v1/companies/{company}/employees/{user}/licenses/{kind}", s.unassignLicense, false, nil, nil, none, "Unassign a license"},
		{"GET", "/v1/companies/{company}/credit", s.creditStatus, false, nil, licensing.CreditStatus{}, ok, "Credit standing"},
		{"PUT", "/v1/companies/{company}/credit-terms", s.setCreditTerms, false, licensing.CreditTerms{}, licensing.CreditStatus{}, ok, "Set the credit limit and reminder threshold"},
		{"POST", "/v1/companies/{company}/charges", s.charge, false, moneyIn{}, licensing.LedgerEntry{}, created, "Charge the company (Idempotency-Key)"},
		{"POST", "/v1/companies/{company}/payments", s.recordPayment, false, moneyIn{}, licensing.LedgerEntry{}, created, "Record a payment (Idempotency-Key)"},

		{"POST", "/v1/companies/{company}/license-reductions", s.reduceLicenses, false, reductionIn{}, licensing.Pool{}, ok, "Give unassigned licenses back"},
		{"POST", "/v1/companies/{company}/subscription-purchases", s.purchaseSubscriptions, false, subscriptionPurchaseIn{}, licensing.Purchase{}, created, "Buy subscriptions (Idempotency-Key)"},
		{"GET", "/v1/companies/{company}/subscriptions", s.listSubscriptions, false, nil, pageOut[licensing.Subscription]{}, ok, "Subscriptions (?kind=, ?assigned=, ?user=; cursor pagination)"},
		{"PUT", "/v1/companies/{company}/subscriptions/{id}/assignee", s.assignSubscription, false, subscriptionAssignIn{}, nil, none, "Assign a subscription to a user"},
		{"DELETE", "/v1/companies/{company}/subscriptions/{id}/assignee", s.unassignSubscription, false, nil, nil, none, "Take a subscription back"},
		{"GET", "/v1/companies/{company}/ledger", s.ledger, false, nil, pageOut[licensing.LedgerEntry]{}, ok, "The credit ledger (cursor pagination)"},
		{"PUT", "/v1/companies/{company}/contract", s.setContract, false, licensing.Contract{}, nil, none, "Set the contract the plan runs under"},
		{"GET", "/v1/companies/{company}/plan-change", s.previewPlan, false, nil, licensing.Decision{}, ok, "Could the plan change to ?tier= now?"},
		{"PUT", "/v1/companies/{company}/plan", s.changePlan, false, planIn{}, licensing.Decision{}, ok, "Change the plan"},

		// Compliance.
		{"GET", "/v1/companies/{company}/call-policy", s.getCallPolicy, false, nil, compliance.Settings{}, ok, "The call policy"},
		{"POST", "/v1/companies/{company}/call-history", s.importHistory, false, historyIn{}, compliance.ImportResult{}, ok, "Import a previous dialer's calls (Idempotency-Key)"},
		{"PUT", "/v1/companies/{company}/call-policy", s.setCallPolicy, false, callPolicyIn{}, compliance.Settings{}, ok, "Choose the call policy"},
		{"POST", "/v1/companies/{company}/call-checks", s.checkCall, false, callIn{}, compliance.Decision{}, ok, "May this call start now?"},
		{"POST", "/v1/companies/{company}/call-checks/batch", s.checkBatch, false, batchIn{}, itemsOut[checkedOut]{}, ok, "Check many records at once"},
		{"POST", "/v1/companies/{company}/reservations", s.reserve, false, callIn{}, reserveOut{}, created, "Reserve a call (200 with the refusal when not allowed)"},
		{"POST", "/v1/companies/{company}/reservations/{id}/complete", s.complete, false, outcomeIn{}, compliance.Reservation{}, ok, "Complete a reserved call"},
		{"POST", "/v1/companies/{company}/reservations/{id}/release", s.release, false, nil, compliance.Reservation{}, ok, "Release a reserved call"},

		// Presence: versioned writes take If-Match (the ETag of the last read).
		{"GET", "/v1/companies/{company}/pause-types", s.listPauseTypes, false, nil, itemsOut[*presence.PauseType]{}, ok, "Pause types (?archived=true includes archived ones)"},
		{"POST", "/v1/companies/{company}/pause-types", s.createPauseType, false, presence.PauseTypeInput{}, presence.PauseType{}, created, "Define a pause type"},
		{"PUT", "/v1/companies/{company}/pause-types/{id}", s.updatePauseType, false, presence.PauseTypeInput{}, presence.PauseType{}, ok, "Change a pause type (If-Match)"},
		{"DELETE", "/v1/companies/{company}/pause-types/{id}", s.archivePauseType, false, nil, presence.PauseType{}, ok, "Archive a pause type (If-Match)"},
		{"GET", "/v1/companies/{company}/employees/{user}/status", s.getStatus, false, nil, operatorStatus{}, ok, "An operator's status (ETag)"},
		{"PUT", "/v1/companies/{company}/employees/{user}/status", s.setStatus, false, statusIn{}, operatorStatus{}, ok, "Change an operator's status (If-Match)"},
		{"GET", "/v1/companies/{company}/employees/{user}/status-ledger", s.statusLedger, false, nil, itemsOut[presence.Interval]{}, ok, "An operator's closed status intervals between ?from= and ?to="},
		{"GET", "/v1/companies/{company}/employees/{user}/budget", s.getBudget, false, nil, presence.Budget{}, ok, "An operator's pause budget for a local day (?day=YYYY-MM-DD)"},

		// Audit.
		{"GET", "/v1/companies/{company}/audit/events", s.auditEvents, false, nil, pageOut[*audit.Event]{}, ok, "The company's audit events, newest first (cursor pagination)"},
		{"GET", "/v1/companies/{company}/audit/export", s.auditExport, false, nil, nil, ok, "The company's audit trail as JSON Lines"},
		{"GET", "/v1/companies/{company}/audit/checkpoint", s.auditCheckpoint, false, nil, checkpointOut{}, ok, "The latest signed checkpoint"},
		{"POST", "/v1/companies/{company}/audit/verifications", s.auditVerify, false, verifyIn{}, verificationOut{}, ok, "Verify the log, against a kept checkpoint if given"},
	}
}

// routes registers the route table on a mux.
func (s *Server) routes() *http.ServeMux {
	mux := http.NewServeMux()
	for _, rt := range s.routeTable() {
		h := rt.handler
		if !rt.anonymous {
			h = s.authed(h)
		}
		mux.HandleFunc(rt.method+" "+rt.path, h)
	}
	s.mountConsole(mux) // the web console: its own table, outside the API's document
	return mux
}
