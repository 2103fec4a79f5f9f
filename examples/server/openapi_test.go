package main

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/legacy"

	"github.com/switchboardkit/switchboard/storage/storagetest"
)

// The document and the routes agree both ways: every route is documented,
// every documented operation is served, and the document is valid OpenAPI.
func TestOpenAPIMatchesRoutes(t *testing.T) {
	e := newEnv(t, storagetest.OpenSQLite(t))
	r := e.call("GET", "/openapi.json", "", nil)
	if r.status != http.StatusOK {
		t.Fatalf("GET /openapi.json: %d", r.status)
	}
	doc, err := openapi3.NewLoader().LoadFromData(r.body)
	if err != nil {
		t.Fatal(err)
	}
	if err := doc.Validate(context.Background()); err != nil {
		t.Fatalf("invalid document: %v", err)
	}
	var documented, declared []string
	for path, item := range doc.Paths.Map() {
		for method := range item.Operations() {
			documented = append(documented, method+" "+path)
		}
	}
	for _, rt := range e.srv.routeTable() {
		declared = append(declared, rt.method+" "+rt.path)
	}
	sort.Strings(documented)
	sort.Strings(declared)
	if strings.Join(documented, "\n") != strings.Join(declared, "\n") {
		t.Fatalf("documented:\n%s\ndeclared:\n%s", strings.Join(documented, "\n"), strings.Join(declared, "\n"))
	}
	// Each documented operation reaches a handler: the mux's own 404 and 405
	// are text/plain, every handler answers JSON.
	for _, op := range documented {
		method, path, _ := strings.Cut(op, " ")
		path = pathParam.ReplaceAllString(path, "x")
		got := e.call(method, path, "", nil)
		if ct := got.header.Get("Content-Type"); !strings.Contains(ct, "json") {
			t.Errorf("%s: %d %q: not served by a handler", op, got.status, ct)
		}
	}
}

// exercised records each operation a test got a success from.
var exercised sync.Map

// unexercised lists the routes no test of this run got a success from.
func unexercised(s *Server) []string {
	var out []string
	for _, rt := range s.routeTable() {
		if _, ok := exercised.Load(rt.method + " " + rt.path); !ok {
			out = append(out, rt.method+" "+rt.path)
		}
	}
	return out
}

// validator checks each request and response of a test against the
// document.
type validator struct {
	router routers.Router
}

func newValidator(t testing.TB, s *Server, url string) *validator {
	t.Helper()
	doc, err := s.buildOpenAPI()
	if err != nil {
		t.Fatal(err)
	}
	doc.Servers = openapi3.Servers{{URL: url}}
	router, err := legacy.NewRouter(doc)
	if err != nil {
		t.Fatal(err)
	}
	return &validator{router: router}
}

var validationOptions = &openapi3filter.Options{
	AuthenticationFunc:    openapi3filter.NoopAuthenticationFunc, // the server itself decides
	IncludeResponseStatus: true,
}

func (v *validator) check(t testing.TB, req *http.Request, reqBody []byte, status int, header http.Header, respBody []byte) {
	t.Helper()
	route, params, err := v.router.FindRoute(req)
	if err != nil {
		t.Fatalf("%s %s: not in the document: %v", req.Method, req.URL.Path, err)
	}
	if status < 400 {
		exercised.Store(route.Method+" "+route.Path, true)
	}
	in := &openapi3filter.RequestValidationInput{Request: req, PathParams: params, Route: route, Options: validationOptions}
	// Requests a test sends wrong on purpose are the server's to refuse;
	// the document is checked against the ones it accepts.
	if status < 400 {
		r2 := req.Clone(req.Context())
		r2.Body = io.NopCloser(bytes.NewReader(reqBody))
		in.Request = r2
		if err := openapi3filter.ValidateRequest(req.Context(), in); err != nil {
			t.Fatalf("%s %s: request does not match the document: %v", req.Method, req.URL.Path, err)
		}
	}
	out := &openapi3filter.ResponseValidationInput{RequestValidationInput: in, Status: status, Header: header, Options: validationOptions}
	out.SetBodyBytes(respBody)
	if err := openapi3filter.ValidateResponse(req.Context(), out); err != nil {
		t.Fatalf("%s %s → %d: response does not match the document: %v", req.Method, req.URL.Path, status, err)
	}
}
