// Package account is the company-account side of a tenant: company profile
// and Russian requisites, time zone and language defaults with per-user
// overrides, branding policy, AI feature switches with consent, system SMS
// zones, organisational structure, cost centres, the default dialog limit,
// mail access, virtual assistant, PBX provisioning, bill access and
// per-company operator profiles.
//
// # Contracts
//
// Every mutating method takes the acting tenancy.Actor and runs, inside one
// storage.Transactor.InTx: load the facts (tenancy.Directory, the stored
// document) → tenancy.Authorize → validate → store → audit.Log.Record. Either
// the change and its audit event are both stored, or neither; bad input never
// leaves partial state (a profile update with one bad field changes nothing).
//
// Authorisation (all through tenancy.Authorize):
//   - company settings: tenancy.ActEditSettings on the company — owner,
//     administrators, the company's reseller (administrators and owner), the platform.
//     Managers and operators read (tenancy.ActView) and are refused writes;
//   - a user's own locale, images and operator profile: tenancy.ActOwnProfile
//     on the member (the user, or the company's administrators);
//   - a user's dialog limit and cost centre: tenancy.ActEditSettings on the
//     member (administrators, not the operator);
//   - PBX type and provisioning credentials: tenancy.ActManageCatalog — the
//     service provider's act (the company's reseller, a reseller for itself,
//     the platform): they are managed by the service provider; the
//     company's own administrators are refused;
//   - RotateAllSecrets: tenancy.ActPlatform.
//
// Errors are the storage kinds, checked with errors.Is: storage.ErrForbidden
// (not allowed, including a user's own avatar/cover while the company's
// switch is off), storage.ErrNotFound (unknown company, non-member, unknown
// option/category/cost centre), storage.ErrConflict (a taken name or code;
// also a lost race after the transactor's retries), storage.ErrInvalid as a
// *storage.ValidationError naming every rejected field by its JSON name,
// storage.ErrUnavailable (a host hook that was not configured),
// storage.ErrSuspended (a settings change of a company the platform
// suspended: what tenancy.Suspends lists; reads, requisites, the bill,
// secret rotation and releases stay allowed — the tenancy docs,
// "Suspension").
//
// Concurrency: company and user settings are versioned documents; a save
// whose version moved is storage.ErrRetryable, so InTx re-runs the use case
// on the fresh document and no update is lost.
//
// # Requisites
//
// INN (10 digits with one check digit, or 12 digits with two; region code
// never "00"), KPP (NNNN PP ZZZ with PP digits or capital Latin letters), BIK
// (9 digits), correspondent account (20 digits; control key over "0" + BIK
// digits 5–6 + account) and settlement account (20 digits; control key over
// the last three BIK digits + account), with the Bank of Russia weights
// 7-1-3. They are validator/v10 tags (RegisterValidators) that hosts may use
// on their own structs. A KPP next to a 12-digit (individual) INN is refused.
// FillByINN asks the host's Registry and validates its answer (INN must be
// the one asked, KPP valid, lengths) before storing INN, KPP and addresses.
//
// # Effective values
//
// Effective and Location resolve: time zone = user override, else company
// zone, else UTC; language = user override, else the company's first
// language, else the platform's first language (WithLanguages); maximum
// concurrent dialogs = user override, else company default, else 3000;
// avatar/cover = the user's own image when the company allows it, else the
// company's. Location takes no actor: it is the SDK-internal query other
// domains (presence) consume, and it only checks membership; with userID ""
// it gives the company's zone (presence's company-wide reports ask so).
//
// A company has a first language and an optional second one; the second is
// allowed only when the platform offers more than one language.
//
// # Secrets
//
// Provisioning and mail passwords are Secret values in memory (every print
// path yields "[redacted]") and Sealed at rest: AES-256-GCM under a key of
// the host's KeyProvider (a KMS can sit behind it), with the company and
// field as additional authenticated data, so a sealed value copied to
// another company does not open (a user's mail password is bound to the
// company and the user). After the host rotates its key, RotateSecrets (one
// company, its users' mail passwords included, in one transaction) or
// RotateAllSecrets (batches, platform only; it finds companies by their own
// secrets and by their users', each user's settings naming its key) re-seal
// them; every other save
// of the company document also re-seals under the current key (so a key the
// provider can no longer resolve makes those saves fail with
// storage.ErrInternal rather than lose a secret). Documents the Service
// returns carry HasPassword flags, not the sealed bytes; MailPassword and
// PBXPassword decrypt for authorised callers. Audit events record
// secret changes as "[redacted]"; errors and logs never carry them (a
// connection tester's message is scrubbed of the password).
//
// # Choices where the sources are silent
//
//   - Legal name and registration number are tenancy's (platform only) and
//     are not part of this package's document.
//   - The administrator password change ("current + new twice") lives where
//     the password hashes live: tenancy.Service.ChangePassword.
//   - Bill access: OpenBill re-checks the password through the host's
//     PasswordChecker — tenancy.Service.VerifyPassword behind a one-line
//     adapter (see examples/quickstart/account.go) — and returns a grant (HMAC-signed token, 5 minutes by
//     default) that VerifyBillGrant checks; each opening is audited, and
//     only a grant actually issued (its key resolved first) is audited.
//   - The mail connection is tested (ConnectionTester) before the
//     transaction, because it is network I/O; authorisation is checked before
//     the test and again inside the transaction. A failed test stores nothing.
//   - AI features: the seed does not say which ones process data outside the
//     EU. DefaultAIFeatures marks the generative ones (translation, revision,
//     suggestions, image generation); hosts override with WithAIFeatures.
//     Enabling such a feature records a fresh consent (user, time, text
//     version) each time; disabling keeps the last consent for reference.
//   - SMS zones are free-form codes; an unconfigured zone is closed. Selected
//     users must be members of the company.
//   - Cost centres live in the company document (few per company); codes are
//     unique; only active centres can be assigned.
//   - A cost centre is "in use" while users are assigned to it: they block
//     DeleteCostCentre unless a reassignment moves them. Purchases and
//     ledger entries booked to it neither block the deletion nor move: the
//     ledger is append-only history — balances, CostCentreSpend reports and
//     the host's exports and invoices were computed from its entries, and
//     moving a charge would say another centre spent it. They keep the
//     deleted centre's ID, CostCentreSpend keeps its line, and the
//     deletion's audit event (account.cost_centre.delete) keeps its code and
//     name, so a report can still label it. To stop new bookings and keep
//     the centre listed, deactivate it (SetCostCentreActive) instead.
//   - Organisation search (SearchEmployees): the organisational-structure
//     criteria — AND across categories, OR within one (an empty option list
//     means any option of the category) — combined with tenancy's employee
//     filters (name or e-mail text, role, sub-account). It returns
//     employees (name, e-mail, role, sub-account) with the options that
//     matched, keyset-paged by user ID, in tenancy.Service.FindEmployees'
//     scope: administrators see everyone, a manager its sub-account, an
//     operator itself. The account store keeps only assignments; names and
//     the text index stay tenancy's, which account asks through
//     EmployeeFinder (the tenancy.Service given as Directory, or
//     WithEmployees) — the domain stores never join each other's tables.
//   - Branding: switching "users may have their own avatar/cover" off keeps
//     the users' images but Effective ignores them until it is on again.
package account
