package main

import (
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"reflect"
	"runtime"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/switchboardkit/switchboard/account"
	"github.com/switchboardkit/switchboard/account/presence"
	"github.com/switchboardkit/switchboard/audit"
	"github.com/switchboardkit/switchboard/compliance"
	"github.com/switchboardkit/switchboard/licensing"
	"github.com/switchboardkit/switchboard/tenancy"
)

// serviceFields maps the Server's fields holding a domain service to the
// service's package name, as routeCalls spells it.
var serviceFields = map[string]string{
	"people": "tenancy", "settings": "account", "operators": "presence",
	"credit": "licensing", "calls": "compliance", "trail": "audit",
}

// domainMethods lists by reflection every exported method of the domain
// services, as "package.Method".
func domainMethods() []string {
	var out []string
	for _, svc := range []any{(*tenancy.Service)(nil), (*account.Service)(nil), (*presence.Service)(nil),
		(*licensing.Service)(nil), (*compliance.Service)(nil), (*audit.Log)(nil)} {
		typ := reflect.TypeOf(svc)
		pkg := typ.Elem().PkgPath()
		pkg = pkg[strings.LastIndex(pkg, "/")+1:]
		for i := range typ.NumMethod() {
			out = append(out, pkg+"."+typ.Method(i).Name)
		}
	}
	sort.Strings(out)
	return out
}

// serverCalls reads the package's source and returns, for each method of
// *Server, the domain methods its body refers to (s.people.GetCompany and
// the like, called or passed as a value), following the Server methods it
// calls in turn — except actor, the request's identity, which every
// handler goes through.
func serverCalls(t *testing.T) map[string][]string {
	t.Helper()
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	direct := map[string]map[string]bool{} // method → domain methods
	calls := map[string]map[string]bool{}  // method → Server methods
	fset := token.NewFileSet()
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, name, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range f.Decls {
			fn, ok := d.(*ast.FuncDecl)
			if !ok || fn.Recv == nil || len(fn.Recv.List) != 1 || fn.Body == nil {
				continue
			}
			star, ok := fn.Recv.List[0].Type.(*ast.StarExpr)
			if !ok || len(fn.Recv.List[0].Names) != 1 {
				continue
			}
			if id, ok := star.X.(*ast.Ident); !ok || id.Name != "Server" {
				continue
			}
			recv := fn.Recv.List[0].Names[0].Name
			m := fn.Name.Name
			direct[m], calls[m] = map[string]bool{}, map[string]bool{}
			ast.Inspect(fn.Body, func(n ast.Node) bool {
				sel, ok := n.(*ast.SelectorExpr)
				if !ok {
					return true
				}
				switch x := sel.X.(type) {
				case *ast.SelectorExpr: // s.field.Method
					if id, ok := x.X.(*ast.Ident); ok && id.Name == recv {
						if pkg, ok := serviceFields[x.Sel.Name]; ok {
							direct[m][pkg+"."+sel.Sel.Name] = true
						}
					}
				case *ast.Ident: // s.method
					if x.Name == recv && sel.Sel.Name != "actor" {
						calls[m][sel.Sel.Name] = true
					}
				}
				return true
			})
		}
	}
	out := map[string][]string{}
	for m := range direct {
		seen, reached := map[string]bool{}, map[string]bool{}
		var walk func(string)
		walk = func(m string) {
			if seen[m] {
				return
			}
			seen[m] = true
			for c := range direct[m] {
				reached[c] = true
			}
			for c := range calls[m] {
				walk(c)
			}
		}
		walk(m)
		out[m] = []string{}
		for c := range reached {
			out[m] = append(out[m], c)
		}
		sort.Strings(out[m])
	}
	return out
}

// handlerName is the name of the Server method a route's handler is.
func handlerName(h any) string {
	name := runtime.FuncForPC(reflect.ValueOf(h).Pointer()).Name()
	name = name[strings.LastIndex(name, ".")+1:]
	return strings.TrimSuffix(name, "-fm")
}

// Every use case of every domain is reachable over HTTP: each exported
// method of the domain services is called by a route (routeCalls, checked
// against the handler's source) or listed in notRouted with its reason,
// never both, and neither table names a method or a route that does not
// exist.
func TestEveryUseCaseRouted(t *testing.T) {
	methods := domainMethods()
	src := serverCalls(t)
	s := &Server{}
	routed := map[string][]string{} // domain method → routes
	table := map[string]bool{}
	for _, rt := range s.routeTable() {
		key := rt.method + " " + rt.path
		table[key] = true
		h := handlerName(rt.handler)
		got, ok := src[h]
		if !ok {
			t.Errorf("%s: handler %s not found in the package's source", key, h)
			continue
		}
		want := slices.Clone(routeCalls[key])
		sort.Strings(want)
		if !slices.Equal(got, want) {
			t.Errorf("%s: routeCalls says %q, the handler %s calls %q", key, want, h, got)
		}
		for _, m := range got {
			routed[m] = append(routed[m], key)
		}
	}
	for key := range routeCalls {
		if !table[key] {
			t.Errorf("routeCalls names %s, which is not a route", key)
		}
	}
	nRouted, nNot := 0, 0
	for _, m := range methods {
		why, listed := notRouted[m]
		switch {
		case len(routed[m]) > 0 && listed:
			t.Errorf("%s is routed (%s) and also in notRouted (%q)", m, routed[m][0], why)
		case len(routed[m]) == 0 && !listed:
			t.Errorf("%s is neither called by a route nor in notRouted", m)
		case listed && strings.TrimSpace(why) == "":
			t.Errorf("%s: notRouted gives no reason", m)
		case listed:
			nNot++
		default:
			nRouted++
		}
	}
	for m := range notRouted {
		if !slices.Contains(methods, m) {
			t.Errorf("notRouted names %s, which no service has", m)
		}
	}
	t.Logf("%d routes; %d domain methods: %d routed, %d not routed", len(table), len(methods), nRouted, nNot)
}
