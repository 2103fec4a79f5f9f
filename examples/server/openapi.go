package main

import (
	"encoding"
	"encoding/json"
	"fmt"
	"net/http"
	"reflect"
	"regexp"
	"strconv"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3gen"
	"github.com/shopspring/decimal"

	"github.com/switchboardkit/switchboard/compliance"
)

var (
	decimalType     = reflect.TypeFor[decimal.Decimal]()
	nullDecimalType = reflect.TypeFor[decimal.NullDecimal]()
	reasonsType     = reflect.TypeFor[compliance.Reasons]()
	classType       = reflect.TypeFor[compliance.Class]()
	pathParam       = regexp.MustCompile(`\{([a-z]+)\}`)
)

// customize fixes the schemas of types whose JSON form is not their Go
// shape: decimals are strings, Reasons and Class are lists of names, and a
// Go slice or map may encode as null. What stays "any value" is any value
// indeed: an audit change's before and after (json.RawMessage of the
// changed field, whatever its type).
func customize(_ string, t reflect.Type, _ reflect.StructTag, s *openapi3.Schema) error {
	switch t {
	case decimalType:
		*s = openapi3.Schema{Type: &openapi3.Types{"string"}, Format: "decimal"}
	case nullDecimalType:
		*s = openapi3.Schema{Type: &openapi3.Types{"string"}, Format: "decimal", Nullable: true}
	case reasonsType, classType: // lists of names
		*s = openapi3.Schema{Type: &openapi3.Types{"array"}, Items: openapi3.NewStringSchema().NewRef()}
	default:
		if t.Implements(marshalerType) || reflect.PointerTo(t).Implements(marshalerType) {
			return marshaledSchema(t, s)
		}
		if t.Implements(textMarshalerType) || reflect.PointerTo(t).Implements(textMarshalerType) {
			if t.PkgPath() != "time" || t.Name() != "Time" {
				*s = openapi3.Schema{Type: &openapi3.Types{"string"}}
			}
			return nil
		}
		if k := t.Kind(); k == reflect.Slice || k == reflect.Map {
			s.Nullable = true
		}
	}
	return nil
}

var (
	marshalerType     = reflect.TypeFor[json.Marshaler]()
	textMarshalerType = reflect.TypeFor[encoding.TextMarshaler]()
)

// marshaledSchema describes a type with its own MarshalJSON by the JSON
// kind its zero value encodes to.
func marshaledSchema(t reflect.Type, s *openapi3.Schema) error {
	if t.Kind() == reflect.Struct && t.PkgPath() == "time" {
		return nil
	}
	raw, err := json.Marshal(reflect.New(t).Interface())
	if err != nil {
		return fmt.Errorf("schema of %v: %w", t, err)
	}
	var v any
	if err := json.Unmarshal(raw, &v); err != nil {
		return err
	}
	switch v.(type) {
	case string:
		*s = openapi3.Schema{Type: &openapi3.Types{"string"}}
	case []any:
		*s = openapi3.Schema{Type: &openapi3.Types{"array"}, Items: &openapi3.SchemaRef{Value: &openapi3.Schema{}}, Nullable: true}
	case map[string]any:
		*s = openapi3.Schema{Type: &openapi3.Types{"object"}}
	case float64:
		*s = openapi3.Schema{Type: &openapi3.Types{"number"}}
	case bool:
		*s = openapi3.Schema{Type: &openapi3.Types{"boolean"}}
	default:
		*s = openapi3.Schema{Nullable: true} // any value
	}
	return nil
}

// buildOpenAPI generates the OpenAPI 3 document of the route table: paths,
// parameters, bodies generated from the Go types, and problem+json for every
// error.
func (s *Server) buildOpenAPI() (*openapi3.T, error) {
	doc := &openapi3.T{
		OpenAPI: "3.0.3",
		Info:    &openapi3.Info{Title: "Switchboard reference service", Version: "v1"},
		Paths:   openapi3.NewPaths(),
		Components: &openapi3.Components{
			Schemas: openapi3.Schemas{},
			SecuritySchemes: openapi3.SecuritySchemes{
				"bearer": {Value: openapi3.NewSecurityScheme().WithType("http").WithScheme("bearer")},
			},
		},
	}
	// Exported fields without a json tag are encoded under their Go names
	// (licensing.Account, presence.Report…): they are documented so too.
	gen := openapi3gen.NewGenerator(openapi3gen.SchemaCustomizer(customize), openapi3gen.UseAllExportedFields())
	schema := func(v any) (*openapi3.SchemaRef, error) {
		ref, err := gen.NewSchemaRefForValue(v, doc.Components.Schemas)
		if err != nil {
			return nil, fmt.Errorf("schema of %T: %w", v, err)
		}
		return ref, nil
	}
	problem, err := schema(Problem{})
	if err != nil {
		return nil, err
	}
	problemResponse := openapi3.NewResponse().WithDescription("a problem (RFC 9457)")
	problemResponse.Content = openapi3.Content{"application/problem+json": openapi3.NewMediaType().WithSchemaRef(problem)}
	for _, rt := range s.routeTable() {
		op := openapi3.NewOperation()
		op.Summary = rt.summary
		op.OperationID = rt.method + " " + rt.path
		if !rt.anonymous {
			op.Security = &openapi3.SecurityRequirements{{"bearer": {}}}
		}
		for _, m := range pathParam.FindAllStringSubmatch(rt.path, -1) {
			op.AddParameter(openapi3.NewPathParameter(m[1]).WithSchema(openapi3.NewStringSchema()))
		}
		for _, qp := range routeQuery[rt.method+" "+rt.path] {
			var sch *openapi3.Schema
			switch qp.typ {
			case "boolean":
				sch = openapi3.NewBoolSchema()
			case "integer":
				sch = openapi3.NewIntegerSchema().WithMin(0)
				if qp.name == "limit" {
					sch = openapi3.NewIntegerSchema().WithMin(1)
				}
			case "date-time":
				sch = openapi3.NewDateTimeSchema()
			default:
				sch = openapi3.NewStringSchema()
			}
			op.AddParameter(openapi3.NewQueryParameter(qp.name).WithRequired(qp.required).WithSchema(sch))
		}
		if strings.Contains(rt.summary, "If-Match") {
			op.AddParameter(openapi3.NewHeaderParameter("If-Match").WithRequired(true).WithSchema(openapi3.NewStringSchema()))
		}
		if strings.Contains(rt.summary, "Idempotency-Key") {
			op.AddParameter(openapi3.NewHeaderParameter("Idempotency-Key").WithSchema(openapi3.NewStringSchema().WithMaxLength(200)))
		}
		if rt.in != nil {
			in, err := schema(rt.in)
			if err != nil {
				return nil, err
			}
			op.RequestBody = &openapi3.RequestBodyRef{Value: openapi3.NewRequestBody().WithRequired(true).
				WithContent(openapi3.Content{"application/json": openapi3.NewMediaType().WithSchemaRef(in)})}
		}
		ok := openapi3.NewResponse().WithDescription(rt.summary)
		if rt.out != nil {
			out, err := schema(rt.out)
			if err != nil {
				return nil, err
			}
			ok.Content = openapi3.Content{"application/json": openapi3.NewMediaType().WithSchemaRef(out)}
		}
		if strings.HasSuffix(rt.path, "/audit/export") {
			ok.Content = openapi3.Content{"application/x-ndjson": openapi3.NewMediaType().WithSchema(openapi3.NewStringSchema())}
		}
		op.AddResponse(rt.status, ok)
		if rt.path == "/v1/companies/{company}/reservations" { // a refusal is a decision
			op.AddResponse(http.StatusOK, ok)
		}
		op.Responses.Set("default", &openapi3.ResponseRef{Value: problemResponse})
		doc.AddOperation(rt.path, rt.method, op)
	}
	return doc, nil
}

func (s *Server) openapi(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Length", strconv.Itoa(len(s.docJSON)))
	_, _ = w.Write(s.docJSON)
}

func marshalDoc(doc *openapi3.T) ([]byte, error) { return json.Marshal(doc) }
