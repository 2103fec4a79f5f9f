package account

import "time"

// DefaultMaxDialogs is the default maximum number of concurrent dialogs per
// operator when the company has not set one.
const DefaultMaxDialogs = 3000

// Company is a company's account document: its profile and every company
// setting this package manages. Service methods return copies; change it
// through the Service. Legal name and registration number are not here: they
// belong to tenancy and only the platform changes them.
type Company struct {
	CompanyID   string       `json:"company_id" audit:"-"`
	Profile     Profile      `json:"profile"`
	Requisites  Requisites   `json:"requisites"`
	Locale      Locale       `json:"locale"`
	Branding    Branding     `json:"branding"`
	AI          []AIState    `json:"ai,omitempty"`
	SMS         SMSPolicy    `json:"sms"`
	CostCentres []CostCentre `json:"cost_centres,omitempty"`
	// MaxDialogs is the default maximum of concurrent dialogs per operator;
	// 0 means DefaultMaxDialogs.
	MaxDialogs int        `json:"max_dialogs,omitempty"`
	Mail       MailAccess `json:"mail"`
	Assistant  Assistant  `json:"assistant"`
	PBX        PBX        `json:"pbx"`

	// Version is the optimistic-concurrency version: 0 for a document never
	// stored, incremented by every save.
	Version int64 `json:"-"`
	// KeyID names the key every sealed secret of the document is sealed
	// under ("" when it holds none). The Service keeps them on one key.
	KeyID     string    `json:"-"`
	UpdatedAt time.Time `json:"updated_at,omitzero" audit:"-"`
}

// Profile is the company data a company administrator edits.
type Profile struct {
	DisplayName   string `json:"display_name" validate:"required,text,max=200"`
	Address       string `json:"address" validate:"multiline,max=500"`
	PostalCode    string `json:"postal_code" validate:"text,max=20"`
	City          string `json:"city" validate:"text,max=100"`
	Country       string `json:"country" validate:"omitempty,text,iso3166_1_alpha2"` // ISO 3166-1 alpha-2, e.g. "RU"
	Email         string `json:"email" validate:"omitempty,text,max=254,email"`
	Phone         string `json:"phone" validate:"omitempty,text,e164"` // E.164, e.g. "+74951234567"
	LegalAddress  string `json:"legal_address" validate:"multiline,max=500"`
	PostalAddress string `json:"postal_address" validate:"multiline,max=500"`
}

// Requisites are a Russian company's payment details, validated with the
// real check rules (see ValidINN and the others). Every field is optional;
// a given one must be valid, the accounts need a valid BIK, and a KPP only
// exists next to an organisation's 10-digit INN.
type Requisites struct {
	INN                  string `json:"inn" validate:"omitempty,text,max=12,inn"`
	KPP                  string `json:"kpp" validate:"omitempty,text,max=9,kpp"`
	BIK                  string `json:"bik" validate:"omitempty,text,max=9,bik"`
	CorrespondentAccount string `json:"correspondent_account" validate:"omitempty,text,max=20,ru_corr_account=BIK"`
	SettlementAccount    string `json:"settlement_account" validate:"omitempty,text,max=20,ru_settlement_account=BIK"`
	BankName             string `json:"bank_name" validate:"text,max=255"`
}

// Locale is the company's time zone and languages. Language is the first
// (default) language; SecondLanguage is optional and allowed only when the
// platform offers more than one language (WithLanguages).
type Locale struct {
	TimeZone       string `json:"time_zone" validate:"text,max=64"` // IANA name; "" means UTC
	Language       string `json:"language" validate:"text,max=35"`  // "" means the platform's first language
	SecondLanguage string `json:"second_language,omitempty" validate:"text,max=35"`
}

// Branding is the company's avatar and default cover (references to images
// the host stores, not bytes) and whether users may set their own.
type Branding struct {
	AvatarRef      string `json:"avatar_ref" validate:"text,max=1024"`
	CoverRef       string `json:"cover_ref" validate:"text,max=1024"`
	UsersOwnAvatar bool   `json:"users_own_avatar"`
	UsersOwnCover  bool   `json:"users_own_cover"`
}

// AIFeature names an AI feature.
type AIFeature string

// The AI features.
const (
	AIVoicemailUsers       AIFeature = "voicemail_transcription_users"  // transcribe and summarise personal voicemail
	AIVoicemailGroups      AIFeature = "voicemail_transcription_groups" // … response groups' voicemail
	AIChatTranslate        AIFeature = "chat_translation"               // translate chat messages
	AIChatRevise           AIFeature = "chat_revise_answer"             // revise a chat answer's tone and clarity
	AIContactCentreSuggest AIFeature = "contact_centre_suggest"         // suggest and revise answers from past interactions
	AIAvatarBackground     AIFeature = "ai_avatar_background"           // generate avatars and background images
)

// AIFeatureInfo describes one feature of the catalogue.
type AIFeatureInfo struct {
	Feature AIFeature
	// OutsideEU marks a feature whose data may be processed outside the EU:
	// it can be enabled only with a recorded consent.
	OutsideEU bool
}

// DefaultAIFeatures is the catalogue used unless WithAIFeatures replaces it.
// The seed says only that "some" features may process data outside the EU;
// the SDK assumes the generative ones (translation, revision, suggestions,
// image generation) do and the voicemail transcription does not. Hosts that
// know their providers set the catalogue themselves.
var DefaultAIFeatures = []AIFeatureInfo{
	{AIVoicemailUsers, false},
	{AIVoicemailGroups, false},
	{AIChatTranslate, true},
	{AIChatRevise, true},
	{AIContactCentreSuggest, true},
	{AIAvatarBackground, true},
}

// Consent is what the enabling administrator agreed to: the version of the
// consent text shown.
type Consent struct {
	TextVersion string `json:"text_version" validate:"required,text,max=100"`
}

// ConsentRecord is a stored consent: who gave it, when, to which text.
type ConsentRecord struct {
	UserID      string    `json:"user_id"`
	GivenAt     time.Time `json:"given_at"`
	TextVersion string    `json:"text_version"`
}

// AIState is one feature's switch and the consent it was enabled with.
type AIState struct {
	Feature AIFeature      `json:"feature"`
	Enabled bool           `json:"enabled"`
	Consent *ConsentRecord `json:"consent,omitempty"`
}

// SMSType is a kind of system SMS.
type SMSType string

// System SMS types.
const (
	SMSSurvey        SMSType = "survey"
	SMSResponseGroup SMSType = "response_group"
)

// ZoneAccess says who may send system SMS to a zone.
type ZoneAccess string

// Zone access values. A zone that is not configured is closed.
const (
	ZoneClosed   ZoneAccess = "closed"
	ZoneAll      ZoneAccess = "all"
	ZoneSelected ZoneAccess = "selected"
)

// SMSZone is one SMS zone's policy. Users is used only with ZoneSelected.
type SMSZone struct {
	Zone   string     `json:"zone" validate:"required,text,max=64,printascii"`
	Access ZoneAccess `json:"access" validate:"required,text,oneof=closed all selected"`
	Users  []string   `json:"users,omitempty" validate:"max=10000,dive,required,text,max=64"`
}

// SMSPolicy is which system SMS types are available and the zones' policies.
type SMSPolicy struct {
	Types []SMSType `json:"types,omitempty"`
	Zones []SMSZone `json:"zones,omitempty"`
}

// CostCentre is a billing cost centre. Inactive ones cannot be assigned.
type CostCentre struct {
	ID     string `json:"id"`
	Code   string `json:"code"`
	Name   string `json:"name"`
	Active bool   `json:"active"`
}

// MailSecurity is a mail connection's transport security.
type MailSecurity string

// Mail security modes.
const (
	MailPlain    MailSecurity = "none"
	MailTLS      MailSecurity = "tls"
	MailSTARTTLS MailSecurity = "starttls"
)

// MailAccess is the company's mail server connection, inherited by future
// users (who then only enter their own user name and password). The
// optional service-account password is sealed at rest.
type MailAccess struct {
	Host     string       `json:"host"`
	Port     int          `json:"port,omitempty"`
	Security MailSecurity `json:"security,omitempty"`
	Username string       `json:"username,omitempty"`
	Password Sealed       `json:"password,omitempty" audit:"secret"`
	TestedAt time.Time    `json:"tested_at,omitzero"`
	// HasPassword tells callers a password is stored: the Service's results
	// carry it instead of the sealed bytes (read one with MailPassword).
	HasPassword bool `json:"has_password,omitempty" audit:"-"`
}

// UserMailLogin is a user's own login on the company's mail connection,
// its password sealed at rest (bound to the company and the user).
type UserMailLogin struct {
	Username string    `json:"username,omitempty"`
	Password Sealed    `json:"password,omitempty" audit:"secret"`
	TestedAt time.Time `json:"tested_at,omitzero"`
	// HasPassword tells callers a password is stored: the Service's results
	// carry it instead of the sealed bytes (read it with MailConnectionFor).
	HasPassword bool `json:"has_password,omitempty" audit:"-"`
}

// Assistant is the virtual assistant's identity on e-mails to users.
type Assistant struct {
	Name  string `json:"name" validate:"text,max=200"`
	Email string `json:"email" validate:"omitempty,text,max=254,email"`
}

// PBX is the company's phone system and its provisioning credentials,
// managed by the service provider (reseller or platform). The password is
// sealed at rest.
type PBX struct {
	Type      string `json:"type,omitempty"`
	AccountID string `json:"account_id,omitempty"`
	Password  Sealed `json:"password,omitempty" audit:"secret"`
	// HasPassword: see MailAccess.HasPassword (read one with PBXPassword).
	HasPassword bool `json:"has_password,omitempty" audit:"-"`
}

// User is one member's own settings in one company: overrides of the
// company defaults, own images, operator profile.
type User struct {
	CompanyID string `json:"company_id" audit:"-"`
	UserID    string `json:"user_id" audit:"-"`
	// Overrides; "" / nil means "use the company's".
	TimeZone   string `json:"time_zone,omitempty"`
	Language   string `json:"language,omitempty"`
	MaxDialogs *int   `json:"max_dialogs,omitempty"`
	// Own images, honoured only while the company allows them.
	AvatarRef    string          `json:"avatar_ref,omitempty"`
	CoverRef     string          `json:"cover_ref,omitempty"`
	CostCentreID string          `json:"cost_centre_id,omitempty"`
	Operator     OperatorProfile `json:"operator"`
	// MailLogin is the user's own login on the company's mail server
	// (SetUserMailLogin); MailConnectionFor joins the two.
	MailLogin UserMailLogin `json:"mail_login,omitzero"`

	// KeyID names the key the user's sealed secrets (its mail password)
	// are under, "" when it holds none; the Service sets it on every save,
	// so RotateSecrets finds the users still under an older key.
	KeyID     string    `json:"-"`
	Version   int64     `json:"-"`
	UpdatedAt time.Time `json:"updated_at,omitzero" audit:"-"`
}

// OperatorProfile is what clients see of an operator in this company
// (instead of the company logo), and the operator's e-mail signature.
type OperatorProfile struct {
	Nickname       string `json:"nickname" validate:"text,max=100"`
	Position       string `json:"position" validate:"text,max=200"`
	PhotoRef       string `json:"photo_ref" validate:"text,max=1024"`
	EmailSignature string `json:"email_signature" validate:"multiline,max=10000"`
}

// Category is an organisational-structure category with its options.
type Category struct {
	ID        string           `json:"id"`
	CompanyID string           `json:"company_id"`
	Name      string           `json:"name"`
	Options   []CategoryOption `json:"options"`
}

// CategoryOption is one option of a category.
type CategoryOption struct {
	ID         string `json:"id"`
	CategoryID string `json:"category_id"`
	Name       string `json:"name"`
}
