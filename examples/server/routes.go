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
		{"GET", "/v1/companies", s.listCompanies, false, nil, pageOut[tenancy.Company]{}, ok, "Every company matching ?q=, ?status=, ?kind= (platform; cursor pagination)"},
		{"GET", "/v1/companies/{company}/search", s.searchCompanies, false, nil, pageOut[tenancy.Company]{}, ok, "Companies the caller, acting in this company, sees matching ?q= (and ?status=, ?kind=)"},
		{"PUT", "/v1/companies/{company}/tax-identity", s.setTaxIdentity, false, tenancy.TaxIdentity{}, tenancy.Company{}, ok, "Set the company's INN and KPP"},
		{"GET", "/v1/companies/{company}/visible-sub-accounts", s.visibleSubAccounts, false, nil, visibleOut{}, ok, "Which sub-accounts' data the caller may see"},
		{"GET", "/v1/me/memberships", s.memberships, false, nil, itemsOut[tenancy.Member]{}, ok, "The company picker: the companies the session's user belongs to"},
		{"POST", "/v1/maintenance/token-prunes", s.pruneTokens, false, nil, countOut{}, ok, "Delete expired e-mail change, reset and invitation tokens (platform)"},
		{"POST", "/v1/companies/{company}/members", s.addMember, false, addMemberIn{}, tenancy.Employee{}, created, "Make an existing user a member"},
		{"PUT", "/v1/companies/{company}/sub-accounts/{id}", s.renameSubAccount, false, subAccountIn{}, tenancy.SubAccount{}, ok, "Rename a sub-account"},
		{"PUT", "/v1/companies/{company}/employees/{user}/name", s.renameUser, false, tenancy.PersonName{}, tenancy.User{}, ok, "Rename a user"},
		{"PUT", "/v1/companies/{company}/employees/{user}/phone", s.setPhone, false, tenancy.PhoneInput{}, tenancy.User{}, ok, "Set or clear a user's phone"},
		{"POST", "/v1/companies/{company}/employees/{user}/email-changes", s.requestEmailChange, false, tenancy.EmailChangeInput{}, tenancy.PendingEmailChange{}, http.StatusAccepted, "Start an e-mail change (the token goes to the new address)"},
		{"POST", "/v1/email-changes/confirm", s.confirmEmailChange, true, tokenIn{}, tenancy.User{}, ok, "Confirm an e-mail change with its token"},
		{"PUT", "/v1/companies/{company}/registration", s.setRegistration, false, registrationIn{}, tenancy.Company{}, ok, "Open or close a reseller's registration link"},
		{"POST", "/v1/companies/{company}/invitations", s.issueInvitation, false, tenancy.InvitationInput{}, tenancy.IssuedInvitation{}, created, "Invite a company to register through the reseller's link"},
		{"GET", "/v1/companies/{company}/employees", s.listEmployees, false, nil, pageOut[tenancy.Employee]{}, ok, "List employees, narrowed by ?role=, ?sub_account_id=, ?text= (cursor pagination)"},
		{"POST", "/v1/companies/{company}/employees", s.registerEmployee, false, tenancy.NewEmployee{}, tenancy.Employee{}, created, "Register an employee"},
		{"PUT", "/v1/companies/{company}/employees/{user}", s.updateMember, false, tenancy.MemberChange{}, tenancy.Employee{}, ok, "Change a member's role and sub-account"},
		{"DELETE", "/v1/companies/{company}/employees/{user}", s.removeMember, false, nil, nil, none, "Remove a member"},
		{"POST", "/v1/companies/{company}/employees/{user}/deactivate", s.deactivateMember, false, nil, nil, none, "Deactivate a member"},
		{"POST", "/v1/companies/{company}/employees/{user}/reactivate", s.reactivateMember, false, nil, nil, none, "Reactivate a member"},
		{"GET", "/v1/companies/{company}/sub-accounts", s.listSubAccounts, false, nil, pageOut[tenancy.SubAccount]{}, ok, "List sub-accounts (all, or a page with ?after=/?limit=)"},
		{"POST", "/v1/companies/{company}/sub-accounts", s.createSubAccount, false, subAccountIn{}, tenancy.SubAccount{}, created, "Create a sub-account"},
		{"PUT", "/v1/companies/{company}/me/password", s.changePassword, false, changePasswordIn{}, nil, none, "Change the caller's password"},

		// Account.
		{"GET", "/v1/companies/{company}/settings", s.getSettings, false, nil, account.Company{}, ok, "The company's account document"},
		{"PUT", "/v1/companies/{company}/settings/locale", s.setLocale, false, account.Locale{}, account.Company{}, ok, "Set the company's time zone and languages"},
		{"GET", "/v1/companies/{company}/employees/{user}/settings", s.effectiveSettings, false, nil, account.Effective{}, ok, "A user's effective settings, each with its source"},
		{"PUT", "/v1/companies/{company}/settings/profile", s.setProfile, false, account.Profile{}, account.Company{}, ok, "Update the company's profile"},
		{"PUT", "/v1/companies/{company}/settings/requisites", s.setRequisites, false, account.Requisites{}, account.Company{}, ok, "Update the bank requisites (INN/KPP go to the tax identity)"},
		{"POST", "/v1/companies/{company}/settings/requisites/fill-by-inn", s.fillByINN, false, innIn{}, filledOut{}, ok, "Fill the requisites and address from the registry by INN"},
		{"POST", "/v1/requisites-validations", s.validateRequisites, false, account.Requisites{}, nil, none, "Check requisites without storing them (204 when valid)"},
		{"PUT", "/v1/companies/{company}/settings/branding", s.setBranding, false, account.Branding{}, account.Company{}, ok, "Set the avatar, cover and whether users choose their own"},
		{"PUT", "/v1/companies/{company}/settings/assistant", s.setAssistant, false, account.Assistant{}, account.Company{}, ok, "Set the assistant's name and e-mail"},
		{"PUT", "/v1/companies/{company}/settings/max-dialogs", s.setDefaultMaxDialogs, false, maxDialogsIn{}, account.Company{}, ok, "Set the default maximum of concurrent dialogs"},
		{"GET", "/v1/ai-features", s.aiFeatures, false, nil, itemsOut[aiFeatureOut]{}, ok, "The AI feature catalogue"},
		{"GET", "/v1/companies/{company}/settings/ai-features/{feature}", s.aiFeatureEnabled, false, nil, enabledOut{}, ok, "Is an AI feature enabled?"},
		{"PUT", "/v1/companies/{company}/settings/ai-features/{feature}", s.setAIFeature, false, aiFeatureIn{}, account.Company{}, ok, "Enable (with consent where needed) or disable an AI feature"},
		{"PUT", "/v1/companies/{company}/settings/sms-types", s.setSMSTypes, false, smsTypesIn{}, account.Company{}, ok, "Choose the system SMS types sent"},
		{"PUT", "/v1/companies/{company}/settings/sms-zones/{zone}", s.setSMSZone, false, smsZoneIn{}, account.Company{}, ok, "Who may be sent system SMS in a zone"},
		{"GET", "/v1/companies/{company}/employees/{user}/sms-permission", s.smsPermission, false, nil, allowedOut{}, ok, "May the user be sent a system SMS of ?type= in ?zone=?"},
		{"PUT", "/v1/companies/{company}/settings/pbx", s.setPBX, false, account.PBXInput{}, account.Company{}, ok, "Connect the phone system (the password is sealed)"},
		{"PUT", "/v1/companies/{company}/settings/mail-access", s.setMailAccess, false, account.MailConnection{}, account.Company{}, ok, "Set the mail connection, tested first (the password is sealed)"},
		{"POST", "/v1/companies/{company}/settings/secret-rotations", s.rotateSecrets, false, nil, rotatedOut{}, ok, "Re-seal the company's secrets under the current key"},
		{"POST", "/v1/maintenance/secret-rotations", s.rotateAllSecrets, false, limitIn{}, countOut{}, ok, "Re-seal the secrets of up to limit companies (platform)"},
		{"POST", "/v1/companies/{company}/bill-grants", s.openBill, false, passwordIn{}, billGrantOut{}, created, "Re-authenticate for bill access"},
		{"POST", "/v1/companies/{company}/bill-grants/verify", s.verifyBillGrant, false, tokenIn{}, nil, none, "Check the caller's bill-access grant (204 when valid)"},
		{"GET", "/v1/companies/{company}/settings/categories", s.listCategories, false, nil, itemsOut[account.Category]{}, ok, "Organisation structure: categories and their options"},
		{"POST", "/v1/companies/{company}/settings/categories", s.createCategory, false, categoryIn{}, account.Category{}, created, "Create a category with options"},
		{"PUT", "/v1/companies/{company}/settings/categories/{category}/name", s.renameCategory, false, nameIn{}, nil, none, "Rename a category"},
		{"DELETE", "/v1/companies/{company}/settings/categories/{category}", s.deleteCategory, false, nil, nil, none, "Delete a category and its options"},
		{"POST", "/v1/companies/{company}/settings/categories/{category}/options", s.addOption, false, nameIn{}, account.CategoryOption{}, created, "Add an option to a category"},
		{"PUT", "/v1/companies/{company}/settings/options/{option}/name", s.renameOption, false, nameIn{}, nil, none, "Rename an option"},
		{"DELETE", "/v1/companies/{company}/settings/options/{option}", s.deleteOption, false, nil, nil, none, "Delete an option"},
		{"POST", "/v1/companies/{company}/settings/options/{option}/assignments", s.assignOption, false, usersIn{}, nil, none, "Give users an option"},
		{"POST", "/v1/companies/{company}/settings/options/{option}/unassignments", s.unassignOption, false, usersIn{}, nil, none, "Take an option from users"},
		{"POST", "/v1/companies/{company}/user-searches", s.searchUsers, false, userSearchIn{}, pageOut[account.OrgEmployee]{}, ok, "Employees matching every criterion and the name or e-mail text, role and sub-account given, with the options that matched (cursor pagination)"},
		{"GET", "/v1/companies/{company}/cost-centres", s.listCostCentres, false, nil, itemsOut[account.CostCentre]{}, ok, "Cost centres"},
		{"POST", "/v1/companies/{company}/cost-centres", s.createCostCentre, false, account.CostCentreInput{}, account.CostCentre{}, created, "Create a cost centre"},
		{"PUT", "/v1/companies/{company}/cost-centres/{id}/name", s.renameCostCentre, false, account.CostCentreName{}, account.Company{}, ok, "Rename a cost centre"},
		{"PUT", "/v1/companies/{company}/cost-centres/{id}/active", s.setCostCentreActive, false, activeIn{}, account.Company{}, ok, "Activate or deactivate a cost centre"},
		{"DELETE", "/v1/companies/{company}/cost-centres/{id}", s.deleteCostCentre, false, nil, account.Company{}, ok, "Delete a cost centre (?reassign_to= moves its users)"},
		{"PUT", "/v1/companies/{company}/employees/{user}/cost-centre", s.assignCostCentre, false, costCentreIn{}, account.User{}, ok, "Assign a user to a cost centre"},
		{"GET", "/v1/companies/{company}/employees/{user}/own-settings", s.userSettings, false, nil, account.User{}, ok, "A user's own settings (overrides only)"},
		{"PUT", "/v1/companies/{company}/employees/{user}/operator-profile", s.setOperatorProfile, false, account.OperatorProfile{}, account.User{}, ok, "Set an operator's nickname, position, photo and signature"},
		{"PUT", "/v1/companies/{company}/employees/{user}/images", s.setUserImages, false, account.UserImages{}, account.User{}, ok, "Set a user's avatar and cover"},
		{"PUT", "/v1/companies/{company}/employees/{user}/locale", s.setUserLocale, false, account.UserLocale{}, account.User{}, ok, "Set a user's time zone and language"},
		{"PUT", "/v1/companies/{company}/employees/{user}/max-dialogs", s.setUserMaxDialogs, false, userMaxDialogsIn{}, account.User{}, ok, "Override a user's maximum of concurrent dialogs"},
		{"PUT", "/v1/companies/{company}/employees/{user}/mail-login", s.setUserMailLogin, false, account.UserMailInput{}, account.User{}, ok, "Set a user's own mail login (tested first; the password is sealed)"},
		{"GET", "/v1/companies/{company}/employees/{user}/mail-connection", s.mailConnection, false, nil, account.MailConnection{}, ok, "A user's effective mail connection (password redacted)"},

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
		{"GET", "/v1/companies/{company}/ledger", s.ledger, false, nil, pageOut[licensing.LedgerEntry]{}, ok, "The credit ledger, in [?from, ?to) when given (cursor pagination)"},
		{"PUT", "/v1/companies/{company}/contract", s.setContract, false, licensing.Contract{}, nil, none, "Set the contract the plan runs under"},
		{"GET", "/v1/companies/{company}/plan-change", s.previewPlan, false, nil, licensing.Decision{}, ok, "Could the plan change to ?tier= now?"},
		{"PUT", "/v1/companies/{company}/plan", s.changePlan, false, planIn{}, licensing.Decision{}, ok, "Change the plan"},
		{"GET", "/v1/companies/{company}/billing-account", s.billingAccount, false, nil, licensing.Account{}, ok, "The billing account: plan, prices, credit, balance"},
		{"GET", "/v1/companies/{company}/ledger/balance", s.ledgerBalance, false, nil, balanceOut{}, ok, "The ledger's balance"},
		{"POST", "/v1/companies/{company}/adjustments", s.adjust, false, moneyIn{}, licensing.LedgerEntry{}, created, "Adjust the balance either way (Idempotency-Key)"},
		{"GET", "/v1/companies/{company}/license-assignments", s.listAssignments, false, nil, pageOut[licensing.LicenseAssignment]{}, ok, "Who holds which license (cursor pagination)"},
		{"GET", "/v1/companies/{company}/cost-centre-spend", s.costCentreSpend, false, nil, itemsOut[licensing.CostCentreSpend]{}, ok, "Charges per cost centre in [?from, ?to)"},
		{"GET", "/v1/companies/{company}/add-ons", s.listAddOns, false, nil, itemsOut[licensing.AddOn]{}, ok, "Add-on options held"},
		{"POST", "/v1/companies/{company}/add-on-purchases", s.purchaseAddOn, false, addOnPurchaseIn{}, licensing.Purchase{}, created, "Buy add-on options (Idempotency-Key)"},
		{"POST", "/v1/companies/{company}/add-on-reductions", s.reduceAddOn, false, addOnReductionIn{}, licensing.AddOn{}, ok, "Give add-on options back"},
		{"GET", "/v1/companies/{company}/service-packages", s.packageChoices, false, nil, itemsOut[licensing.PackageChoice]{}, ok, "The catalogue the company chooses from, with its offer"},
		{"POST", "/v1/companies/{company}/service-packages", s.definePackage, false, licensing.PackageInput{}, licensing.ServicePackage{}, created, "Define a package in the company's (a reseller's) catalogue"},
		{"PUT", "/v1/companies/{company}/service-packages/{package}", s.updatePackage, false, licensing.PackageInput{}, licensing.ServicePackage{}, ok, "Change a package of the catalogue"},
		{"DELETE", "/v1/companies/{company}/service-packages/{package}", s.retirePackage, false, nil, licensing.ServicePackage{}, ok, "Retire a package of the catalogue"},
		{"PUT", "/v1/companies/{company}/service-packages/{package}/offer", s.setPackageOffer, false, offerIn{}, nil, none, "Offer a package to the company's members (and grant it by default)"},
		{"GET", "/v1/companies/{company}/employees/{user}/packages", s.userPackages, false, nil, itemsOut[string]{}, ok, "The packages a user holds"},
		{"PUT", "/v1/companies/{company}/employees/{user}/packages/{package}", s.grantPackage, false, nil, nil, none, "Grant a package to a user"},
		{"DELETE", "/v1/companies/{company}/employees/{user}/packages/{package}", s.revokePackage, false, nil, nil, none, "Revoke a user's package"},
		{"PUT", "/v1/companies/{company}/subscriptions/{id}/phone", s.setSubscriptionPhone, false, licensing.SubscriptionPhone{}, licensing.Subscription{}, ok, "Set or clear a subscription's phone number"},
		{"DELETE", "/v1/companies/{company}/subscriptions/{id}", s.cancelSubscription, false, nil, nil, none, "Cancel a subscription"},
		{"GET", "/v1/companies/{company}/subscription-keys", s.listSubscriptionKeys, false, nil, itemsOut[licensing.SubscriptionKey]{}, ok, "Subscriber keys"},
		{"POST", "/v1/companies/{company}/subscription-keys", s.addSubscriptionKey, false, licensing.KeyInput{}, licensing.SubscriptionKey{}, created, "Add a subscriber key"},
		{"DELETE", "/v1/companies/{company}/subscription-keys/{id}", s.removeSubscriptionKey, false, nil, nil, none, "Remove a subscriber key"},

		// Compliance.
		{"GET", "/v1/companies/{company}/call-policy", s.getCallPolicy, false, nil, compliance.Settings{}, ok, "The call policy"},
		{"POST", "/v1/companies/{company}/call-history", s.importHistory, false, historyIn{}, compliance.ImportResult{}, ok, "Import a previous dialer's calls (Idempotency-Key)"},
		{"PUT", "/v1/companies/{company}/call-policy", s.setCallPolicy, false, callPolicyIn{}, compliance.Settings{}, ok, "Choose the call policy"},
		{"POST", "/v1/companies/{company}/call-checks", s.checkCall, false, checkIn{}, compliance.Decision{}, ok, "May this call start now (or at the given instant)?"},
		{"POST", "/v1/companies/{company}/call-schedules", s.schedule, false, batchIn{}, scheduleOut{}, ok, "Plan a list: each call's earliest allowed instant"},
		{"POST", "/v1/maintenance/call-history-prunes", s.pruneHistory, false, nil, countOut{}, ok, "Delete reservations past retention (platform)"},
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
		{"GET", "/v1/companies/{company}/presence-report", s.presenceReport, false, nil, presence.Report{}, ok, "Time online, away and offline per day from ?from= to ?to= (YYYY-MM-DD; ?user=)"},

		// Audit.
		{"GET", "/v1/companies/{company}/audit/events", s.auditEvents, false, nil, pageOut[*audit.Event]{}, ok, "The company's audit events, newest first (cursor pagination)"},
		{"GET", "/v1/companies/{company}/audit/export", s.auditExport, false, nil, nil, ok, "The company's audit trail as JSON Lines"},
		{"GET", "/v1/companies/{company}/audit/events/{id}", s.auditEvent, false, nil, audit.Event{}, ok, "One audit event"},
		{"GET", "/v1/companies/{company}/audit/events/{id}/proof", s.auditProof, false, nil, audit.InclusionProof{}, ok, "A sealed event's inclusion proof"},
		{"GET", "/v1/companies/{company}/audit/consistency", s.auditConsistency, false, nil, consistencyOut{}, ok, "Proof that the log of ?new= entries extends the one of ?old="},
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

// queryParam is one documented query parameter of a route.
type queryParam struct {
	name, typ string // typ: string, boolean, integer, date-time
	required  bool
}

func q(name string) queryParam        { return queryParam{name: name, typ: "string"} }
func qBool(name string) queryParam    { return queryParam{name: name, typ: "boolean"} }
func qTime(name string) queryParam    { return queryParam{name: name, typ: "date-time"} }
func qNeeded(p queryParam) queryParam { p.required = true; return p }

// paged are the cursor-pagination parameters of a page route.
var paged = []queryParam{q("after"), {name: "limit", typ: "integer"}}

// routeQuery documents the query parameters of the routes that take any,
// by "METHOD path".
var routeQuery = map[string][]queryParam{
	"GET /v1/companies":                                           append([]queryParam{q("q"), q("status"), q("kind")}, paged...),
	"GET /v1/companies/{company}/search":                          append([]queryParam{q("q"), q("status"), q("kind")}, paged...),
	"GET /v1/companies/{company}/employees":                       append([]queryParam{q("role"), q("sub_account_id"), q("text")}, paged...),
	"GET /v1/companies/{company}/sub-accounts":                    paged,
	"POST /v1/companies/{company}/user-searches":                  paged,
	"GET /v1/companies/{company}/audit/events":                    paged,
	"GET /v1/companies/{company}/ledger":                          append([]queryParam{qTime("from"), qTime("to")}, paged...),
	"GET /v1/companies/{company}/license-assignments":             paged,
	"GET /v1/companies/{company}/subscriptions":                   append([]queryParam{q("kind"), q("user"), qBool("assigned")}, paged...),
	"GET /v1/companies/{company}/pause-types":                     {qBool("archived")},
	"GET /v1/companies/{company}/employees/{user}/status-ledger":  {qNeeded(qTime("from")), qNeeded(qTime("to"))},
	"GET /v1/companies/{company}/plan-change":                     {q("tier")},
	"GET /v1/companies/{company}/employees/{user}/budget":         {q("day")},
	"GET /v1/companies/{company}/presence-report":                 {qNeeded(q("from")), qNeeded(q("to")), q("user")},
	"GET /v1/companies/{company}/cost-centre-spend":               {qNeeded(qTime("from")), qNeeded(qTime("to"))},
	"DELETE /v1/companies/{company}/cost-centres/{id}":            {q("reassign_to")},
	"GET /v1/companies/{company}/employees/{user}/sms-permission": {qNeeded(q("type")), qNeeded(q("zone"))},
	"GET /v1/companies/{company}/audit/consistency":               {qNeeded(queryParam{name: "old", typ: "integer"}), qNeeded(queryParam{name: "new", typ: "integer"})},
}
