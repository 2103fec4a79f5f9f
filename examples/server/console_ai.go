package main

import (
	"net/http"

	"github.com/switchboardkit/switchboard/account"
	"github.com/switchboardkit/switchboard/storage"
)

// ---- AI features, with the consent step
//
// The page lists the account's AI catalogue with each feature's switch and
// the consent it was enabled with. A feature whose data may be processed
// outside the EU is enabled through a consent step: the consent text (in
// the page's language, version aiConsentVersion) and an "I agree" box; the
// SDK records who agreed, when, and to which version. Without the box
// ticked no consent is sent and the SDK's message is shown next to it.

// aiConsentVersion names the consent text the console shows (the catalogue
// keys ai.consent.*): a change of the text needs a new version.
const aiConsentVersion = "console-ai-outside-eu-1"

type aiRow struct {
	Info  account.AIFeatureInfo
	State account.AIState
}

type aiView struct {
	Rows    []aiRow
	CanEdit bool
	Consent *account.AIFeatureInfo // the feature of the consent step, nil on the list
	Version string
}

func (s *Server) aiData(r *http.Request, c *consoleCtx) (aiView, error) {
	doc, err := s.settings.Company(r.Context(), c.actor, r.PathValue("company"))
	if err != nil {
		return aiView{}, err
	}
	v := aiView{CanEdit: canEditSettings(c.actor), Version: aiConsentVersion}
	for _, f := range s.settings.AIFeatures() {
		v.Rows = append(v.Rows, aiRow{Info: f, State: doc.AIState(f.Feature)})
	}
	return v, nil
}

// consentStep picks the feature of ?consent= from the catalogue.
func (v *aiView) consentStep(feature string) {
	for i := range v.Rows {
		if string(v.Rows[i].Info.Feature) == feature && v.Rows[i].Info.OutsideEU {
			v.Consent = &v.Rows[i].Info
		}
	}
}

func (s *Server) cAI(w http.ResponseWriter, r *http.Request, c *consoleCtx) error {
	v, err := s.aiData(r, c)
	if err != nil {
		return err
	}
	if f := r.URL.Query().Get("consent"); f != "" {
		v.consentStep(f)
		if v.Consent == nil {
			return storage.NotFound("console.ai", "feature", f)
		}
	}
	return c.render(w, "ai", v)
}

// cAISet switches a feature: enabled=on|off; a consent step's form adds
// agree=on and the version of the text it showed.
func (s *Server) cAISet(w http.ResponseWriter, r *http.Request, c *consoleCtx) error {
	f, id := r.PostForm, r.PathValue("company")
	feature := account.AIFeature(f.Get("feature"))
	on := f.Get("enabled") == "on"
	var consent *account.Consent
	if on && f.Get("agree") == "on" {
		consent = &account.Consent{TextVersion: f.Get("version")}
	}
	if _, err := s.settings.SetAIFeature(r.Context(), c.actor, id, feature, on, consent); err != nil {
		if !c.refused(err) {
			return err
		}
		v, lerr := s.aiData(r, c)
		if lerr != nil {
			return lerr
		}
		if on {
			v.consentStep(string(feature))
		}
		return c.render(w, "ai", v)
	}
	flash := "ai.off"
	if on {
		flash = "ai.on"
	}
	return c.redirect(w, r, companyPath(id, "ai"), flash)
}
