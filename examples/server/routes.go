package main

import "net/http"

// routes declares every endpoint of the service, in one place. Routes under
// /v1 need "Authorization: Bearer <session token or platform token>" except
// session creation, registration through a reseller's link and password
// reset, which are anonymous (and rate-limited where a guesser would aim).
func (s *Server) routes() *http.ServeMux {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", s.healthz)
	mux.HandleFunc("GET /readyz", s.readyz)

	// Sessions and anonymous flows.
	mux.HandleFunc("POST /v1/sessions", s.createSession)
	mux.HandleFunc("DELETE /v1/sessions/current", s.authed(s.deleteSession))
	mux.HandleFunc("POST /v1/registrations/{slug}", s.registerAffiliate)
	mux.HandleFunc("POST /v1/password-resets", s.requestPasswordReset)
	mux.HandleFunc("POST /v1/password-resets/confirm", s.resetPassword)

	// Tenancy.
	mux.HandleFunc("POST /v1/companies", s.authed(s.createCompany))
	mux.HandleFunc("GET /v1/companies/{company}", s.authed(s.getCompany))
	mux.HandleFunc("GET /v1/companies/{company}/employees", s.authed(s.listEmployees))
	mux.HandleFunc("POST /v1/companies/{company}/employees", s.authed(s.registerEmployee))
	mux.HandleFunc("PUT /v1/companies/{company}/employees/{user}", s.authed(s.updateMember))
	mux.HandleFunc("DELETE /v1/companies/{company}/employees/{user}", s.authed(s.removeMember))
	mux.HandleFunc("POST /v1/companies/{company}/employees/{user}/deactivate", s.authed(s.deactivateMember))
	mux.HandleFunc("POST /v1/companies/{company}/employees/{user}/reactivate", s.authed(s.reactivateMember))
	mux.HandleFunc("GET /v1/companies/{company}/sub-accounts", s.authed(s.listSubAccounts))
	mux.HandleFunc("POST /v1/companies/{company}/sub-accounts", s.authed(s.createSubAccount))
	mux.HandleFunc("PUT /v1/companies/{company}/registration", s.authed(s.setRegistration))
	mux.HandleFunc("PUT /v1/companies/{company}/me/password", s.authed(s.changePassword))

	// Licensing.
	mux.HandleFunc("PUT /v1/companies/{company}/agreement", s.authed(s.setAgreement))
	mux.HandleFunc("POST /v1/companies/{company}/license-purchases", s.authed(s.purchaseLicenses))
	mux.HandleFunc("GET /v1/companies/{company}/license-pools", s.authed(s.licensePools))
	mux.HandleFunc("PUT /v1/companies/{company}/employees/{user}/licenses/{kind}", s.authed(s.assignLicense))
	mux.HandleFunc("DELETE /v1/companies/{company}/employees/{user}/licenses/{kind}", s.authed(s.unassignLicense))
	mux.HandleFunc("GET /v1/companies/{company}/credit", s.authed(s.creditStatus))
	mux.HandleFunc("PUT /v1/companies/{company}/credit-terms", s.authed(s.setCreditTerms))
	mux.HandleFunc("POST /v1/companies/{company}/charges", s.authed(s.charge))
	mux.HandleFunc("POST /v1/companies/{company}/payments", s.authed(s.recordPayment))

	// Compliance.
	mux.HandleFunc("PUT /v1/companies/{company}/call-policy", s.authed(s.setCallPolicy))
	mux.HandleFunc("POST /v1/companies/{company}/call-checks", s.authed(s.checkCall))
	mux.HandleFunc("POST /v1/companies/{company}/call-checks/batch", s.authed(s.checkBatch))
	mux.HandleFunc("POST /v1/companies/{company}/reservations", s.authed(s.reserve))
	mux.HandleFunc("POST /v1/companies/{company}/reservations/{id}/complete", s.authed(s.complete))
	mux.HandleFunc("POST /v1/companies/{company}/reservations/{id}/release", s.authed(s.release))
	return mux
}
