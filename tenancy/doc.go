// Package tenancy is Switchboard's model of who is who: companies and their
// reseller hierarchy, sub-accounts, users and their memberships, roles, and
// the one authorization decision every domain goes through.
//
// # Companies and hierarchy
//
// A Company is a reseller (VAR) or a regular company, active or suspended.
// Its legal name, registration number and tax ID (INN) are changed by the
// platform only (SetLegalIdentity); its display name by its administrators
// (SetDisplayName). The platform creates companies with their owner
// (CreateCompany — also the bootstrap of the very first tenant, with
// Platform as the actor). A reseller owns a unique registration slug; a new
// company registering through it (RegisterAffiliate, the one anonymous use
// case) becomes the reseller's affiliate. A new reseller's link admits
// invited companies only: its administrators send single-use invitations
// (IssueInvitation: a token valid InvitationTTL, stored hashed, delivered
// sealed through the outbox on storage.TopicInvitation) until they open the
// link to anyone (SetOpenRegistration). Resellers that existed before the
// switch keep an open link (the migration sets it). WithRegistrationLimiter
// plugs in the host's throttle of sign-ups per link.
//
// Hierarchy rules (violations are *storage.ValidationError naming the field):
// only a reseller has affiliates; an affiliate is always a regular company —
// so an affiliate never has affiliates, a reseller is never an affiliate,
// the depth is at most 2 and cycles cannot form; a company with affiliates
// cannot be made regular (SetKind, field kind). Attaching an existing
// company to a reseller, moving it or detaching it (SetReseller) is a
// platform operation, audited as tenancy.company.attach. Becoming regular
// clears a reseller's slug, which kills its registration link. Registration
// through a suspended reseller's link is refused with storage.ErrSuspended.
//
// # Users, memberships, roles
//
// A User is a person with a login: the e-mail, unique across the platform
// compared case-insensitively (Unicode lower-case of the trimmed address).
// A Member is a user's role (and sub-account) in one company; a person may
// be a member of several companies with a different role in each
// (AddMember). Each company has exactly one owner (Company.OwnerUserID and
// the one member with RoleOwner), changed only by the platform (ChangeOwner;
// the previous owner stays as an administrator).
//
// No returned value carries a credential: a User has no password field; the
// bcrypt hash lives in the UserRecord that only the Store sees, and
// Credentials (the one copy of a generated password, for the host's handler) and
// UserRecord print, log and encode as JSON with the secret "[redacted]".
//
// RegisterEmployee creates a new account with a generated password (128
// random bits, crypto/rand), stores only its bcrypt hash (cost
// DefaultPasswordCost, WithPasswordCost to change it) and hands the
// password to the host through the outbox: a sealed storage.TopicCredentials
// message written in the registration's transaction, so a registration that
// rolls back sends nothing and one that commits is delivered even if the
// process dies right after the commit (the host's storage.Dispatcher calls
// the handler registered with OnCredentials; the sealed payload is erased
// once delivered). An e-mail that already has an account is storage.ErrConflict —
// the existing person joins with AddMember and keeps its password; 20
// concurrent registrations of one e-mail yield one account (the backends'
// unique key decides). Passwords are hashed before the transaction starts,
// so a retried transaction does not re-hash and the database is not held
// during the slow hash. Authenticate answers a wrong password and an unknown
// e-mail alike (storage.ErrForbidden, same bcrypt work). ChangePassword needs
// the current password and the new one twice (10 characters to 72 bytes,
// bcrypt's limit).
//
// # Identity lifecycle
//
// A user's phone number (User.Phone, E.164: + then 7 to 15 digits) is set
// by the user or an administrator above it (SetPhone).
//
// The e-mail (the login) changes in two steps. RequestEmailChange — by the
// user, re-entering its password, or by an administrator of the member —
// changes nothing yet: it stores the SHA-256 of a single-use token (128
// random bits, valid EmailChangeTTL), writes the token sealed to the outbox
// for the new address (storage.TopicEmailChange, OnEmailChange) and tells
// the old address (storage.TopicEmailChangeNotice). ConfirmEmailChange with
// the token makes the change and tells the old address again. Uniqueness is
// the database's unique index on the folded e-mail: of concurrent
// confirmations (or a registration) racing for one address exactly one
// commits, the others are storage.ErrConflict.
//
// A password reset is RequestPasswordReset(email) → a single-use token
// (stored hashed, valid PasswordResetTTL, 30 minutes on the WithClock
// clock) sent sealed to the address (storage.TopicPasswordReset,
// OnPasswordReset) → ResetPassword(token, new password twice). An unknown
// e-mail gets the same nil answer after the same work up to the user
// lookup, and nothing is stored or sent; WithPasswordResetLimiter plugs in
// the host's rate limiter, asked for every request. A newer request, a
// password change and an e-mail change void pending reset tokens.
// Expired tokens of every kind are deleted by PruneTokens, which the host
// calls from its own schedule (platform actor).
//
// ChangePassword, ResetPassword and ConfirmEmailChange run the hooks of
// WithCredentialsChangedHook in their transaction: there the host ends the
// user's other sessions and API tokens (for ChangePassword, all but the
// session the change was made in), so a stolen session does not outlive the
// password or login it was opened with.
//
// DeactivateMember suspends a membership without ending it: the member
// cannot act in the company (Verify, ActorFor, VerifyPassword refuse it)
// and nothing can be assigned to it (LockMember is storage.ErrPrecondition);
// it keeps its seats (licenses, subscriptions, packages, options), so
// ReactivateMember restores it as it was, and its status goes offline
// through WithMemberDeactivatedHook (wire presence.Service.ReleaseUser);
// the host hears of it on storage.TopicMemberDeactivated to end sessions.
//
// Roles: RoleOperator < RoleManager < RoleAdministrator < RoleOwner <
// RoleResellerAdmin < RolePlatformAdmin. A manager must have a sub-account;
// an operator may have one; administrators and above have none (they see
// every sub-account). Owner and platform roles are never granted through
// RegisterEmployee/UpdateMember; reseller admins exist only in reseller
// companies.
//
// # Authorization
//
// Can (pure, allocation-free) decides whether an Actor may perform an
// Action on a Resource; CanGrant whether it may give a role in a
// sub-account; Authorize wraps Can into storage.ErrForbidden. The rights,
// once for every domain ("own" is the actor's company, "affiliates" the
// companies whose reseller it is; "sub" the manager's own sub-account,
// "self" the actor's own user):
//
//	action               platform  reseller admin,    owner, admin  manager         operator
//	                               reseller's owner
//	ActView              all       own + affiliates   own           company + sub   self
//	                                                                + self
//	ActEditSettings      all       own + affiliates   own           —               —
//	ActManageSubAccounts all       own + affiliates   own           —               —
//	ActManageUsers       all       own + affiliates   own           sub             —
//	ActPurchase          all       own + affiliates   own           —               —
//	ActReadAudit         all       own + affiliates   own           —               —
//	ActManageAffiliate   all       affiliates         —             —               —
//	ActManageCatalog     all       own + affiliates   —             —               —
//	ActPlatform          all       —                  —             —               —
//	ActOwnProfile,       all       own + affiliates   own           self            self
//	ActOwnStatus
//	ActDial              all       own + affiliates   own           own             own
//
// Granting (CanGrant): nobody grants a role above its own; the owner also
// appoints reseller administrators (in a reseller only); the owner and
// platform roles come from the platform alone; a manager grants "manager"
// in its own sub-account; an operator grants nothing. A suspended company
// keeps these rights; what suspension blocks is refused on top of them (see
// Suspension). The isolation matrix of
// storage/storagetest proves the rules on every backend, for every exported
// method of every domain service. Actors are built by ActorFor from the
// stored membership (or by Member.Actor from a membership the host read
// itself, such as in the statement that validates its login session) —
// hosts must not build them from request data, and should build them per
// request so role changes take effect.
//
// A company that does not exist and one the actor may not see (Sees) are
// indistinguishable to a non-platform actor: both are the same
// storage.ErrNotFound naming the method and the company, in every domain
// (see package storage). A visible company the actor may not act on is
// storage.ErrForbidden. Inside a visible company,
// unknown sub-accounts and members are storage.ErrNotFound; a sub-account of
// another company given as input is a validation error on sub_account_id.
//
// Visibility helpers for hosts: VisibleSubAccounts (all for administrators
// and above, the company's reseller and the platform; the own sub-account
// for a manager; nothing for operators, who see their own user only) and
// AuditScope (platform: all; reseller admin: itself and its affiliates;
// owner and administrators: the own company; managers and operators:
// nothing — consistent with Can(ActReadAudit)).
//
// # Suspension
//
// Two suspensions stop a company: the platform's (SetStatus to
// StatusSuspended, lifted only by the platform) and its reseller's credit
// (licensing: the balance below the credit limit, lifted by a payment,
// adjustment or new limit). A suspended customer must be able to see and
// settle, not to consume: it sees everything, settles, sheds what it holds
// and keeps its people's records right; it neither consumes, grows nor
// reconfigures, so lifting the suspension gives back the company as it was
// (less what it shed). The rights table still decides who may act; this one
// says what suspension refuses on top of it, whoever acts, the platform
// included:
//
//	use case                                            status suspended   credit suspended
//	reads: company, people, lists, search, ledger,      allowed            allowed
//	  credit, pools, settings, reports, statuses,
//	  secrets, the audit trail (package audit)
//	settle: RecordPayment, Adjust, SetCreditTerms,      allowed            allowed
//	  SetAgreement, SetContract; invoice details
//	  (SetTaxIdentity, account UpdateRequisites,
//	  FillByINN); the bill (account OpenBill)
//	shed: RemoveMember, DeactivateMember, UpdateMember; allowed            allowed
//	  Unassign*/Reduce*/Cancel*/RevokePackage, every
//	  ReleaseUser, account UnassignOption; compliance
//	  Complete, Release of calls already reserved
//	records: RenameUser, SetPhone, RequestEmailChange,  allowed            allowed
//	  ChangePassword, account RotateSecrets
//	platform: SetStatus, SetLegalIdentity, SetKind,     allowed            allowed
//	  SetReseller, ChangeOwner, CreateCompany,
//	  PruneTokens, RotateAllSecrets, compliance Prune
//	purchases and charges: PurchaseLicenses,            ErrSuspended       ErrSuspended (each
//	  PurchaseSubscriptions, PurchaseAddOn, Charge                         one that charges)
//	plan: ChangePlan                                    ErrSuspended       allowed
//	calls: compliance Check*, Schedule, Reserve         refused decision   refused decision
//	                                                    (ReasonSuspended)  (ReasonSuspended)
//	assignments: AssignLicense, AssignSubscription,     ErrSuspended       allowed
//	  SetSubscriptionPhone, GrantPackage,
//	  GrantDefaultPackages, account AssignOption,
//	  AssignCostCentre, SetSMSZone
//	people: RegisterEmployee, AddMember,                ErrSuspended       allowed
//	  ReactivateMember, IssueInvitation,
//	  SetOpenRegistration; registration through the
//	  suspended reseller's link
//	status: presence SetStatus (automatic switches      ErrSuspended       allowed
//	  still apply)
//	configuration: SetDisplayName, sub-accounts,        ErrSuspended       allowed
//	  account settings, branding, categories and
//	  options, cost centres, locales, mail, PBX,
//	  assistant, SMS, per-user settings; licensing
//	  catalogue and offer; presence pause types;
//	  compliance SetSettings, ImportHistory
//
// The status is enforced on the fact read in the use case's transaction:
// the target company's status comes with its CompanyRef (and a member's
// MemberRef), into Resource.Suspended, and Authorize (so AuthorizeIn)
// refuses a use case Suspends lists with storage.ErrSuspended — after
// visibility and rights, so a company the actor may not see stays
// storage.ErrNotFound and a right it lacks storage.ErrForbidden. A refused
// use case writes nothing: no row, no audit event, no message. The credit
// suspension is licensing's (its charges and purchases) and compliance's
// (its Suspensions source). The suspension matrix of storage/storagetest
// runs every exported method on a company suspended each way, on every
// backend, and checks both columns.
//
// # Company search
//
// SearchCompanies matches a case-insensitive substring of legal name,
// display name, ID, tax ID and registration number (Company.SearchText),
// so "new", "ways" and "comp" all find "New ways company". The needle is
// trimmed and lower-cased in Go (Unicode, so Cyrillic folds on every
// backend); % and _ are literal. Scope: the platform sees all; a reseller
// admin itself and its affiliates; owners, administrators and managers
// their own company; operators nothing. Results are ordered by ID (creation
// order), keyset-paginated. Backend notes are on bunstore.Store.Tenancy:
// PostgreSQL uses a pg_trgm GIN index for needles of 3+ characters, SQLite
// an FTS5 trigram table for selective needles; MySQL/MariaDB a side table
// of grams (the next eight characters at every position) the store writes
// with each company (selective needles: the candidates, one range of its
// primary key, then their rows by primary key). Every backend returns exactly the companies whose
// search text contains the needle (a conformance property test on random
// needles); the indexes only change how fast.
//
// Other choices where the issue is silent: a suspended company keeps its
// users and data (see Suspension for what it may still do); a user's name is one person's name across every
// company it belongs to; RemoveMember ends a membership but keeps the user
// (hosts release what the member held through WithMemberRemovedHook:
// licensing, account and presence each have a ReleaseUser for it).
//
// # Atomicity and audit
//
// Every mutation runs in one storage.Transactor.InTx: load facts (locking
// the company row where a rule depends on it), Authorize, validate, store,
// record audit events (audit.Diff; the password hash is redacted) — all or
// nothing. Events go to the chain of the company concerned; a password
// change to the actor's company. Pure input checks (shape of names, e-mail,
// role) run before the transaction, so malformed input is reported as a
// validation error even to an actor who would be refused.
//
// The Directory methods (Company, Member) and ActorFor are unauthorised
// reads for the SDK's own use cases and the host's login flow; do not expose
// them to end users as is.
package tenancy
