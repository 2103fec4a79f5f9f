package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"strconv"

	"github.com/switchboardkit/switchboard/storage"
)

// Problem is an RFC 9457 problem detail.
type Problem struct {
	Type   string       `json:"type"`
	Title  string       `json:"title"`
	Status int          `json:"status"`
	Detail string       `json:"detail,omitempty"`
	Errors []FieldIssue `json:"errors,omitempty"` // validation: one per rejected field
	// RequestID ties the answer to the service's log line.
	RequestID string `json:"request_id,omitempty"`
}

// FieldIssue is one rejected field of a request body.
type FieldIssue struct {
	Field   string `json:"field"`
	Rule    string `json:"rule"`
	Param   string `json:"param,omitempty"`
	Message string `json:"message"`
}

const problemBase = "https://switchboard.example/problems/"

// Errors the HTTP layer itself raises.
var (
	errUnauthorized     = errors.New("unauthorized")
	errUnsupportedMedia = errors.New("unsupported media type")
	errBadJSON          = errors.New("malformed request body")
	errTooLarge         = errors.New("request body too large")
	errRateLimited      = errors.New("too many requests")
)

// retryAfterSeconds is what a 503 (and a 429) tells the client to wait.
const retryAfterSeconds = 1

// problemFor maps an error to its problem: the one place where the SDK's
// error kinds become HTTP statuses. Detail is the error's message (the SDK's
// messages name the operation and never carry a secret) except for internal
// errors, whose detail stays in the log.
func problemFor(err error) Problem {
	p := func(status int, kind, title string) Problem {
		return Problem{Type: problemBase + kind, Title: title, Status: status, Detail: err.Error()}
	}
	var ve *storage.ValidationError
	switch {
	case errors.Is(err, errUnauthorized):
		return Problem{Type: problemBase + "unauthorized", Title: "Authentication required", Status: http.StatusUnauthorized,
			Detail: "a valid session token or e-mail and password is required"}
	case errors.Is(err, errUnsupportedMedia):
		return p(http.StatusUnsupportedMediaType, "unsupported-media-type", "Unsupported media type")
	case errors.Is(err, errTooLarge):
		return p(http.StatusRequestEntityTooLarge, "too-large", "Request body too large")
	case errors.Is(err, errBadJSON):
		return p(http.StatusBadRequest, "malformed", "Malformed request body")
	case errors.Is(err, errNoIfMatch):
		return p(http.StatusPreconditionRequired, "if-match-required", "Precondition required")
	case errors.Is(err, errRateLimited):
		return p(http.StatusTooManyRequests, "rate-limited", "Too many requests")
	case errors.As(err, &ve):
		pr := Problem{Type: problemBase + "validation", Title: "Invalid input", Status: http.StatusUnprocessableEntity,
			Detail: "the request has invalid fields"}
		for _, f := range ve.Fields {
			pr.Errors = append(pr.Errors, FieldIssue{Field: f.Field, Rule: f.Rule, Param: f.Param, Message: f.Message})
		}
		return pr
	case errors.Is(err, storage.ErrInvalid):
		return p(http.StatusUnprocessableEntity, "validation", "Invalid input")
	case errors.Is(err, storage.ErrNotFound):
		return p(http.StatusNotFound, "not-found", "Not found")
	case errors.Is(err, storage.ErrForbidden):
		return p(http.StatusForbidden, "forbidden", "Forbidden")
	case errors.Is(err, storage.ErrSuspended):
		return p(http.StatusForbidden, "suspended", "Suspended")
	case errors.Is(err, storage.ErrLimitExceeded):
		return p(http.StatusConflict, "limit-exceeded", "Limit exceeded")
	case errors.Is(err, storage.ErrPrecondition):
		return p(http.StatusConflict, "precondition", "Precondition not met")
	case errors.Is(err, storage.ErrUnavailable):
		return Problem{Type: problemBase + "unavailable", Title: "Service unavailable", Status: http.StatusServiceUnavailable,
			Detail: "a service this request needs (the database, or a registry or mail server the service calls) is unavailable; retry later"}
	case errors.Is(err, storage.ErrConflict):
		return p(http.StatusConflict, "conflict", "Conflict")
	default:
		return Problem{Type: problemBase + "internal", Title: "Internal error", Status: http.StatusInternalServerError}
	}
}

// writeError answers err as problem+json and logs what the client is not told.
func writeError(w http.ResponseWriter, r *http.Request, err error) {
	pr := problemFor(err)
	pr.RequestID = requestID(r.Context())
	switch pr.Status {
	case http.StatusServiceUnavailable, http.StatusTooManyRequests:
		w.Header().Set("Retry-After", strconv.Itoa(retryAfterSeconds))
	}
	if pr.Status >= 500 {
		logFailure(r, err)
	}
	body, mErr := json.Marshal(pr)
	if mErr != nil {
		body = []byte(`{"type":"` + problemBase + `internal","title":"Internal error","status":500}`)
	}
	w.Header().Set("Content-Type", "application/problem+json")
	w.Header().Set("Content-Language", contentLanguage(r.Context()))
	w.WriteHeader(pr.Status)
	_, _ = w.Write(append(body, '\n'))
}

// maxBody is the largest request body accepted.
const maxBody = 1 << 20

// decode reads exactly one JSON value of type T from the request: the
// content type must be application/json, the body at most 1 MiB, unknown
// fields are refused and nothing may follow the value.
func decode[T any](w http.ResponseWriter, r *http.Request) (T, error) {
	var v T
	mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil || mt != "application/json" {
		return v, fmt.Errorf("%w: want application/json", errUnsupportedMedia)
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBody))
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return v, fmt.Errorf("%w: at most %d bytes", errTooLarge, maxBody)
		}
		return v, fmt.Errorf("%w: %v", errBadJSON, err)
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&v); err != nil {
		return v, fmt.Errorf("%w: %v", errBadJSON, err)
	}
	if dec.More() {
		return v, fmt.Errorf("%w: more than one JSON value", errBadJSON)
	}
	if _, err := dec.Token(); err != io.EOF {
		return v, fmt.Errorf("%w: trailing data after the JSON value", errBadJSON)
	}
	return v, nil
}

// writeJSON answers v with status.
func writeJSON(w http.ResponseWriter, status int, v any) {
	body, err := json.Marshal(v)
	if err != nil {
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(append(body, '\n'))
}

// logFailure logs what a client is not told.
func logFailure(r *http.Request, err error) {
	slog.ErrorContext(r.Context(), "request failed", "request_id", requestID(r.Context()), "method", r.Method, "path", r.URL.Path, "err", err)
}
