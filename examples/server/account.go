package main

import (
	"context"
	"net/http"
	"time"

	"github.com/switchboardkit/switchboard/account"
	"github.com/switchboardkit/switchboard/storage"
	"github.com/switchboardkit/switchboard/tenancy"
)

func (s *Server) getSettings(w http.ResponseWriter, r *http.Request) {
	s.withActor(w, r, func(a tenancy.Actor) error {
		c, err := s.settings.Company(r.Context(), a, r.PathValue("company"))
		if err == nil {
			writeJSON(w, http.StatusOK, c)
		}
		return err
	})
}

func (s *Server) setLocale(w http.ResponseWriter, r *http.Request) {
	body(s, w, r, func(a tenancy.Actor, in account.Locale) error {
		c, err := s.settings.SetLocale(r.Context(), a, r.PathValue("company"), in)
		if err == nil {
			writeJSON(w, http.StatusOK, c)
		}
		return err
	})
}

func (s *Server) effectiveSettings(w http.ResponseWriter, r *http.Request) {
	s.withActor(w, r, func(a tenancy.Actor) error {
		e, err := s.settings.Effective(r.Context(), a, r.PathValue("company"), r.PathValue("user"))
		if err == nil {
			writeJSON(w, http.StatusOK, e)
		}
		return err
	})
}

// The company's account document: profile, requisites, branding, AI
// features, SMS, PBX, mail access, organisation structure, cost centres;
// and each user's own settings. Secrets come in (JSON strings) and never go
// out: every answer shows them as "[redacted]".

func (s *Server) setProfile(w http.ResponseWriter, r *http.Request) {
	answerBody(s, w, r, http.StatusOK, func(ctx context.Context, a tenancy.Actor, in account.Profile) (*account.Company, error) {
		return s.settings.UpdateProfile(ctx, a, company(r), in)
	})
}

func (s *Server) setRequisites(w http.ResponseWriter, r *http.Request) {
	answerBody(s, w, r, http.StatusOK, func(ctx context.Context, a tenancy.Actor, in account.Requisites) (*account.Company, error) {
		return s.settings.UpdateRequisites(ctx, a, company(r), in)
	})
}

type innIn struct {
	INN string `json:"inn"`
}

type filledOut struct {
	Company  *account.Company       `json:"company"`
	Registry account.RegistryRecord `json:"registry"`
}

// fillByINN fills the requisites from the host's registry (503 when the
// service has none configured).
func (s *Server) fillByINN(w http.ResponseWriter, r *http.Request) {
	answerBody(s, w, r, http.StatusOK, func(ctx context.Context, a tenancy.Actor, in innIn) (filledOut, error) {
		c, rec, err := s.settings.FillByINN(ctx, a, company(r), in.INN)
		return filledOut{Company: c, Registry: rec}, err
	})
}

// validateRequisites checks requisites without storing anything: 204 when
// valid, 422 naming each bad field.
func (s *Server) validateRequisites(w http.ResponseWriter, r *http.Request) {
	in, err := decode[account.Requisites](w, r)
	if err == nil {
		err = s.settings.ValidateRequisites(r.Context(), in)
	}
	if err != nil {
		writeError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (s *Server) setBranding(w http.ResponseWriter, r *http.Request) {
	answerBody(s, w, r, http.StatusOK, func(ctx context.Context, a tenancy.Actor, in account.Branding) (*account.Company, error) {
		return s.settings.SetBranding(ctx, a, company(r), in)
	})
}

func (s *Server) setAssistant(w http.ResponseWriter, r *http.Request) {
	answerBody(s, w, r, http.StatusOK, func(ctx context.Context, a tenancy.Actor, in account.Assistant) (*account.Company, error) {
		return s.settings.SetAssistant(ctx, a, company(r), in)
	})
}

type maxDialogsIn struct {
	MaxDialogs int `json:"max_dialogs"`
}

func (s *Server) setDefaultMaxDialogs(w http.ResponseWriter, r *http.Request) {
	answerBody(s, w, r, http.StatusOK, func(ctx context.Context, a tenancy.Actor, in maxDialogsIn) (*account.Company, error) {
		return s.settings.SetDefaultMaxDialogs(ctx, a, company(r), in.MaxDialogs)
	})
}

// aiFeatureOut is one AI feature of the catalogue.
type aiFeatureOut struct {
	Feature   account.AIFeature `json:"feature"`
	OutsideEU bool              `json:"outside_eu"` // may process data outside the EU: enabling it needs a consent
}

func (s *Server) aiFeatures(w http.ResponseWriter, _ *http.Request) {
	fs := s.settings.AIFeatures()
	out := make([]aiFeatureOut, len(fs))
	for i, f := range fs {
		out[i] = aiFeatureOut{Feature: f.Feature, OutsideEU: f.OutsideEU}
	}
	writeJSON(w, http.StatusOK, itemsOut[aiFeatureOut]{Items: out})
}

type aiFeatureIn struct {
	Enabled bool             `json:"enabled"`
	Consent *account.Consent `json:"consent,omitempty"` // required to enable a feature that may process data outside the EU
}

func (s *Server) setAIFeature(w http.ResponseWriter, r *http.Request) {
	answerBody(s, w, r, http.StatusOK, func(ctx context.Context, a tenancy.Actor, in aiFeatureIn) (*account.Company, error) {
		return s.settings.SetAIFeature(ctx, a, company(r), account.AIFeature(r.PathValue("feature")), in.Enabled, in.Consent)
	})
}

type enabledOut struct {
	Enabled bool `json:"enabled"`
}

func (s *Server) aiFeatureEnabled(w http.ResponseWriter, r *http.Request) {
	answer(s, w, r, http.StatusOK, func(ctx context.Context, a tenancy.Actor) (enabledOut, error) {
		on, err := s.settings.AIFeatureEnabled(ctx, a, company(r), account.AIFeature(r.PathValue("feature")))
		return enabledOut{Enabled: on}, err
	})
}

type smsTypesIn struct {
	Types []account.SMSType `json:"types"`
}

func (s *Server) setSMSTypes(w http.ResponseWriter, r *http.Request) {
	answerBody(s, w, r, http.StatusOK, func(ctx context.Context, a tenancy.Actor, in smsTypesIn) (*account.Company, error) {
		return s.settings.SetSMSTypes(ctx, a, company(r), in.Types)
	})
}

type smsZoneIn struct {
	Access account.ZoneAccess `json:"access"`
	Users  []string           `json:"users,omitempty"`
}

func (s *Server) setSMSZone(w http.ResponseWriter, r *http.Request) {
	answerBody(s, w, r, http.StatusOK, func(ctx context.Context, a tenancy.Actor, in smsZoneIn) (*account.Company, error) {
		return s.settings.SetSMSZone(ctx, a, company(r), account.SMSZone{Zone: r.PathValue("zone"), Access: in.Access, Users: in.Users})
	})
}

type allowedOut struct {
	Allowed bool `json:"allowed"`
}

// smsPermission answers whether the user may be sent a system SMS of
// ?type= in ?zone=.
func (s *Server) smsPermission(w http.ResponseWriter, r *http.Request) {
	answer(s, w, r, http.StatusOK, func(ctx context.Context, a tenancy.Actor) (allowedOut, error) {
		q := r.URL.Query()
		ok, err := s.settings.MaySendSystemSMS(ctx, a, company(r), r.PathValue("user"), account.SMSType(q.Get("type")), q.Get("zone"))
		return allowedOut{Allowed: ok}, err
	})
}

func (s *Server) setPBX(w http.ResponseWriter, r *http.Request) {
	answerBody(s, w, r, http.StatusOK, func(ctx context.Context, a tenancy.Actor, in account.PBXInput) (*account.Company, error) {
		return s.settings.SetPBX(ctx, a, company(r), in)
	})
}

func (s *Server) setMailAccess(w http.ResponseWriter, r *http.Request) {
	answerBody(s, w, r, http.StatusOK, func(ctx context.Context, a tenancy.Actor, in account.MailConnection) (*account.Company, error) {
		return s.settings.SetMailAccess(ctx, a, company(r), in)
	})
}

type rotatedOut struct {
	Rotated bool `json:"rotated"`
}

// rotateSecrets re-seals the company's secrets under the current key.
func (s *Server) rotateSecrets(w http.ResponseWriter, r *http.Request) {
	answer(s, w, r, http.StatusOK, func(ctx context.Context, a tenancy.Actor) (rotatedOut, error) {
		ok, err := s.settings.RotateSecrets(ctx, a, company(r))
		return rotatedOut{Rotated: ok}, err
	})
}

type limitIn struct {
	Limit int `json:"limit"`
}

type countOut struct {
	Count int64 `json:"count"`
}

// rotateAllSecrets re-seals the secrets of up to limit companies (platform).
func (s *Server) rotateAllSecrets(w http.ResponseWriter, r *http.Request) {
	answerBody(s, w, r, http.StatusOK, func(ctx context.Context, a tenancy.Actor, in limitIn) (countOut, error) {
		n, err := s.settings.RotateAllSecrets(ctx, a, in.Limit)
		return countOut{Count: int64(n)}, err
	})
}

type passwordIn struct {
	Password account.Secret `json:"password"`
}

// billGrantOut is a bill-access grant; the token is shown once, here.
type billGrantOut struct {
	Token     string    `json:"token"`
	CompanyID string    `json:"company_id"`
	UserID    string    `json:"user_id"`
	ExpiresAt time.Time `json:"expires_at"`
}

// openBill re-authenticates the caller with its password and grants bill
// access for a few minutes.
func (s *Server) openBill(w http.ResponseWriter, r *http.Request) {
	answerBody(s, w, r, http.StatusCreated, func(ctx context.Context, a tenancy.Actor, in passwordIn) (billGrantOut, error) {
		g, err := s.settings.OpenBill(ctx, a, company(r), in.Password)
		return billGrantOut{Token: g.Token, CompanyID: g.CompanyID, UserID: g.UserID, ExpiresAt: g.ExpiresAt}, err
	})
}

// verifyBillGrant checks a grant for the caller in the path's company: 204
// when valid.
func (s *Server) verifyBillGrant(w http.ResponseWriter, r *http.Request) {
	body(s, w, r, func(a tenancy.Actor, in tokenIn) error {
		err := s.settings.VerifyBillGrant(r.Context(), company(r), a.UserID, in.Token)
		if err == nil {
			w.WriteHeader(http.StatusNoContent)
		}
		return err
	})
}

// Organisation structure: categories, their options, users assigned.

func (s *Server) listCategories(w http.ResponseWriter, r *http.Request) {
	answer(s, w, r, http.StatusOK, func(ctx context.Context, a tenancy.Actor) (itemsOut[account.Category], error) {
		return items(s.settings.Categories(ctx, a, company(r)))
	})
}

type categoryIn struct {
	Name    string   `json:"name"`
	Options []string `json:"options,omitempty"`
}

func (s *Server) createCategory(w http.ResponseWriter, r *http.Request) {
	answerBody(s, w, r, http.StatusCreated, func(ctx context.Context, a tenancy.Actor, in categoryIn) (*account.Category, error) {
		return s.settings.CreateCategory(ctx, a, company(r), in.Name, in.Options)
	})
}

type nameIn struct {
	Name string `json:"name"`
}

func (s *Server) renameCategory(w http.ResponseWriter, r *http.Request) {
	body(s, w, r, func(a tenancy.Actor, in nameIn) error {
		err := s.settings.RenameCategory(r.Context(), a, company(r), r.PathValue("category"), in.Name)
		if err == nil {
			w.WriteHeader(http.StatusNoContent)
		}
		return err
	})
}

func (s *Server) deleteCategory(w http.ResponseWriter, r *http.Request) {
	s.noContent(w, r, func(a tenancy.Actor) error {
		return s.settings.DeleteCategory(r.Context(), a, company(r), r.PathValue("category"))
	})
}

func (s *Server) addOption(w http.ResponseWriter, r *http.Request) {
	answerBody(s, w, r, http.StatusCreated, func(ctx context.Context, a tenancy.Actor, in nameIn) (account.CategoryOption, error) {
		return s.settings.AddOption(ctx, a, company(r), r.PathValue("category"), in.Name)
	})
}

func (s *Server) renameOption(w http.ResponseWriter, r *http.Request) {
	body(s, w, r, func(a tenancy.Actor, in nameIn) error {
		err := s.settings.RenameOption(r.Context(), a, company(r), r.PathValue("option"), in.Name)
		if err == nil {
			w.WriteHeader(http.StatusNoContent)
		}
		return err
	})
}

func (s *Server) deleteOption(w http.ResponseWriter, r *http.Request) {
	s.noContent(w, r, func(a tenancy.Actor) error {
		return s.settings.DeleteOption(r.Context(), a, company(r), r.PathValue("option"))
	})
}

type usersIn struct {
	UserIDs []string `json:"user_ids"`
}

func (s *Server) assignOption(w http.ResponseWriter, r *http.Request) {
	body(s, w, r, func(a tenancy.Actor, in usersIn) error {
		err := s.settings.AssignOption(r.Context(), a, company(r), r.PathValue("option"), in.UserIDs)
		if err == nil {
			w.WriteHeader(http.StatusNoContent)
		}
		return err
	})
}

func (s *Server) unassignOption(w http.ResponseWriter, r *http.Request) {
	body(s, w, r, func(a tenancy.Actor, in usersIn) error {
		err := s.settings.UnassignOption(r.Context(), a, company(r), r.PathValue("option"), in.UserIDs)
		if err == nil {
			w.WriteHeader(http.StatusNoContent)
		}
		return err
	})
}

type criterionIn struct {
	CategoryID string   `json:"category_id"`
	OptionIDs  []string `json:"option_ids"`
}

type userSearchIn struct {
	Criteria     []criterionIn `json:"criteria"`
	Text         string        `json:"text"`
	Role         tenancy.Role  `json:"role"`
	SubAccountID string        `json:"sub_account_id"`
}

// searchUsers answers one page of the employees matching every criterion
// and the name or e-mail text, role and sub-account given, each with the
// options that matched (account.SearchEmployees; cursor pagination by
// ?after=&limit=).
func (s *Server) searchUsers(w http.ResponseWriter, r *http.Request) {
	in, err := decode[userSearchIn](w, r)
	if err != nil {
		writeError(w, r, err)
		return
	}
	f := account.OrgFilter{Text: in.Text, Role: in.Role, SubAccountID: in.SubAccountID}
	for _, c := range in.Criteria {
		f.Criteria = append(f.Criteria, account.Criterion{CategoryID: c.CategoryID, OptionIDs: c.OptionIDs})
	}
	answerPage(s, w, r, func(ctx context.Context, a tenancy.Actor, p storage.PageRequest) (storage.Page[account.OrgEmployee], error) {
		return s.settings.SearchEmployees(ctx, a, company(r), f, p)
	})
}

// Cost centres.

func (s *Server) listCostCentres(w http.ResponseWriter, r *http.Request) {
	answer(s, w, r, http.StatusOK, func(ctx context.Context, a tenancy.Actor) (itemsOut[account.CostCentre], error) {
		return items(s.settings.CostCentres(ctx, a, company(r)))
	})
}

func (s *Server) createCostCentre(w http.ResponseWriter, r *http.Request) {
	answerBody(s, w, r, http.StatusCreated, func(ctx context.Context, a tenancy.Actor, in account.CostCentreInput) (account.CostCentre, error) {
		return s.settings.CreateCostCentre(ctx, a, company(r), in)
	})
}

func (s *Server) renameCostCentre(w http.ResponseWriter, r *http.Request) {
	answerBody(s, w, r, http.StatusOK, func(ctx context.Context, a tenancy.Actor, in account.CostCentreName) (*account.Company, error) {
		return s.settings.RenameCostCentre(ctx, a, company(r), r.PathValue("id"), in)
	})
}

type activeIn struct {
	Active bool `json:"active"`
}

func (s *Server) setCostCentreActive(w http.ResponseWriter, r *http.Request) {
	answerBody(s, w, r, http.StatusOK, func(ctx context.Context, a tenancy.Actor, in activeIn) (*account.Company, error) {
		return s.settings.SetCostCentreActive(ctx, a, company(r), r.PathValue("id"), in.Active)
	})
}

// deleteCostCentre deletes a cost centre, moving its users to
// ?reassign_to= when given.
func (s *Server) deleteCostCentre(w http.ResponseWriter, r *http.Request) {
	answer(s, w, r, http.StatusOK, func(ctx context.Context, a tenancy.Actor) (*account.Company, error) {
		return s.settings.DeleteCostCentre(ctx, a, company(r), r.PathValue("id"), r.URL.Query().Get("reassign_to"))
	})
}

type costCentreIn struct {
	CostCentreID string `json:"cost_centre_id"` // "" clears the assignment
}

func (s *Server) assignCostCentre(w http.ResponseWriter, r *http.Request) {
	answerBody(s, w, r, http.StatusOK, func(ctx context.Context, a tenancy.Actor, in costCentreIn) (*account.User, error) {
		return s.settings.AssignCostCentre(ctx, a, company(r), r.PathValue("user"), in.CostCentreID)
	})
}

// A user's own settings.

func (s *Server) userSettings(w http.ResponseWriter, r *http.Request) {
	answer(s, w, r, http.StatusOK, func(ctx context.Context, a tenancy.Actor) (*account.User, error) {
		return s.settings.UserSettings(ctx, a, company(r), r.PathValue("user"))
	})
}

func (s *Server) setOperatorProfile(w http.ResponseWriter, r *http.Request) {
	answerBody(s, w, r, http.StatusOK, func(ctx context.Context, a tenancy.Actor, in account.OperatorProfile) (*account.User, error) {
		return s.settings.SetOperatorProfile(ctx, a, company(r), r.PathValue("user"), in)
	})
}

func (s *Server) setUserImages(w http.ResponseWriter, r *http.Request) {
	answerBody(s, w, r, http.StatusOK, func(ctx context.Context, a tenancy.Actor, in account.UserImages) (*account.User, error) {
		return s.settings.SetUserImages(ctx, a, company(r), r.PathValue("user"), in)
	})
}

func (s *Server) setUserLocale(w http.ResponseWriter, r *http.Request) {
	answerBody(s, w, r, http.StatusOK, func(ctx context.Context, a tenancy.Actor, in account.UserLocale) (*account.User, error) {
		return s.settings.SetUserLocale(ctx, a, company(r), r.PathValue("user"), in)
	})
}

type userMaxDialogsIn struct {
	MaxDialogs *int `json:"max_dialogs"` // null removes the override
}

func (s *Server) setUserMaxDialogs(w http.ResponseWriter, r *http.Request) {
	answerBody(s, w, r, http.StatusOK, func(ctx context.Context, a tenancy.Actor, in userMaxDialogsIn) (*account.User, error) {
		return s.settings.SetUserMaxDialogs(ctx, a, company(r), r.PathValue("user"), in.MaxDialogs)
	})
}

func (s *Server) setUserMailLogin(w http.ResponseWriter, r *http.Request) {
	answerBody(s, w, r, http.StatusOK, func(ctx context.Context, a tenancy.Actor, in account.UserMailInput) (*account.User, error) {
		return s.settings.SetUserMailLogin(ctx, a, company(r), r.PathValue("user"), in)
	})
}

// mailConnection is the user's effective mail connection (its password
// redacted).
func (s *Server) mailConnection(w http.ResponseWriter, r *http.Request) {
	answer(s, w, r, http.StatusOK, func(ctx context.Context, a tenancy.Actor) (account.MailConnection, error) {
		return s.settings.MailConnectionFor(ctx, a, company(r), r.PathValue("user"))
	})
}
