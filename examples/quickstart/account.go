package main

import (
	"context"
	"fmt"

	"github.com/switchboardkit/switchboard/account"
	"github.com/switchboardkit/switchboard/tenancy"
)

// tourAccount fills a company's requisites, sets its defaults and one
// user's override, enables an AI feature with consent, stores a secret and
// prints the effective settings. It uses env.Out, env.Store, env.Tx,
// env.Audit and env.Clock.
// The company and its members come from a stand-in directory here; a host
// passes its tenancy.Service, which implements tenancy.Directory.
func tourAccount(ctx context.Context, env *tourEnv) error {
	company, err := env.Tenancy.Company(ctx, env.CompanyID)
	if err != nil {
		return err
	}
	admin, operator := env.Admin, env.Operator

	svc := account.NewService(env.Tx, env.Store.Account(), env.Tenancy, env.Audit, env.Keys,
		account.WithClock(env.Clock), account.WithLanguages("ru", "en"), account.WithPBXTypes("asterisk"),
		account.WithPasswordChecker(tenancyPasswords{env.Tenancy}))
	env.Account = svc

	// Requisites are checked with their real rules: a wrong check digit is refused, naming the field.
	bad := account.Requisites{INN: "7707083894"}
	if _, err := svc.UpdateRequisites(ctx, admin, company.ID, bad); err != nil {
		fmt.Fprintln(env.Out, "refused:", err)
	}
	if _, err := svc.UpdateProfile(ctx, admin, company.ID, account.Profile{
		DisplayName: "New ways company", City: "Москва", Country: "RU", Email: "office@newways.example", Phone: "+74951234567",
	}); err != nil {
		return err
	}
	c, err := svc.UpdateRequisites(ctx, admin, company.ID, account.Requisites{
		INN: "7707083893", KPP: "773601001", BIK: "044525225", BankName: "ПАО Сбербанк",
		CorrespondentAccount: "30101810400000000225", SettlementAccount: "40702810138250123017",
	})
	if err != nil {
		return err
	}
	fmt.Fprintf(env.Out, "requisites stored: INN %s, KPP %s, BIK %s, account %s\n",
		c.Requisites.INN, c.Requisites.KPP, c.Requisites.BIK, c.Requisites.SettlementAccount)

	// Company defaults, then one user's own time zone.
	if _, err := svc.SetLocale(ctx, admin, company.ID, account.Locale{TimeZone: "Europe/Moscow", Language: "ru", SecondLanguage: "en"}); err != nil {
		return err
	}
	if _, err := svc.SetDefaultMaxDialogs(ctx, admin, company.ID, 20); err != nil {
		return err
	}
	if _, err := svc.SetUserLocale(ctx, operator, company.ID, operator.UserID, account.UserLocale{TimeZone: "Asia/Vladivostok"}); err != nil {
		return err
	}

	// An AI feature that may process data outside the EU needs a recorded consent.
	if _, err := svc.SetAIFeature(ctx, admin, company.ID, account.AIChatTranslate, true, nil); err != nil {
		fmt.Fprintln(env.Out, "refused:", err)
	}
	c, err = svc.SetAIFeature(ctx, admin, company.ID, account.AIChatTranslate, true, &account.Consent{TextVersion: "ai-consent-v3"})
	if err != nil {
		return err
	}
	st := c.AIState(account.AIChatTranslate)
	fmt.Fprintf(env.Out, "AI %s enabled=%v, consent by %s at %s (text %s)\n", st.Feature, st.Enabled,
		st.Consent.UserID, st.Consent.GivenAt.Format("2006-01-02 15:04:05"), st.Consent.TextVersion)

	// A provisioning password is sealed at rest and redacted everywhere else.
	platform := tenancy.Platform("quickstart")
	pw := account.NewSecret("pbx-provisioning-password")
	if _, err := svc.SetPBX(ctx, platform, company.ID, account.PBXInput{Type: "asterisk", AccountID: "newways", Password: pw}); err != nil {
		return err
	}
	back, err := svc.PBXPassword(ctx, platform, company.ID)
	if err != nil {
		return err
	}
	fmt.Fprintf(env.Out, "PBX password prints as %v and decrypts back: %v\n", back, back.Reveal() == pw.Reveal())

	for _, u := range []tenancy.Actor{admin, operator} {
		e, err := svc.Effective(ctx, admin, company.ID, u.UserID)
		if err != nil {
			return err
		}
		loc, err := svc.Location(ctx, company.ID, u.UserID)
		if err != nil {
			return err
		}
		fmt.Fprintf(env.Out, "effective for %-13s time zone %-16s (%s, now %s)  language %s (%s)  max dialogs %d (%s)  company languages %v\n",
			string(u.Role), e.TimeZone, e.TimeZoneFrom, env.Clock.Now().In(loc).Format("15:04"), e.Language, e.LanguageFrom,
			e.MaxDialogs, e.MaxDialogsFrom, e.CompanyLanguages)
	}
	// Administrator credentials live in tenancy: a password change needs the
	// current password and the new one twice; the bill opens only after the
	// password is entered again, for a short-lived grant.
	mailed := env.MailedPassword("anna@newways.example")
	err = env.Tenancy.ChangePassword(ctx, admin, mailed, "a-new-passphrase", "a-new-passphrase-typo")
	fmt.Fprintln(env.Out, "password change with a mistyped repeat:", err)
	if err := env.Tenancy.ChangePassword(ctx, admin, mailed, "a-new-passphrase", "a-new-passphrase"); err != nil {
		return err
	}
	_, err = svc.OpenBill(ctx, admin, company.ID, account.NewSecret(mailed))
	fmt.Fprintln(env.Out, "bill with the old password:", err)
	grant, err := svc.OpenBill(ctx, admin, company.ID, account.NewSecret("a-new-passphrase"))
	if err != nil {
		return err
	}
	fmt.Fprintf(env.Out, "bill opened with the new password; grant valid until %s\n", grant.ExpiresAt.Format("15:04:05"))
	return nil
}

// tenancyPasswords lets account re-check a password against tenancy's hashes.
type tenancyPasswords struct{ t *tenancy.Service }

func (p tenancyPasswords) CheckPassword(ctx context.Context, companyID, userID string, pw account.Secret) error {
	return p.t.VerifyPassword(ctx, companyID, userID, pw.Reveal())
}
