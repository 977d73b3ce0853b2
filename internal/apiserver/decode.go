package apiserver

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"reflect"
	"strings"

	"github.com/paas-dev/paas/api"
)

// maxBodyBytes bounds a request body; API bodies are a few names and values.
const maxBodyBytes = 1 << 20

// decodeBody reads exactly one JSON value into v, strictly: no unknown fields,
// nothing after it. The returned *Error says what was wrong and shows example,
// the shape of body the route expects.
func decodeBody(w http.ResponseWriter, r *http.Request, v any, example string) *api.Error {
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxBodyBytes))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return malformedBody(describeDecodeError(err), example)
	}
	if err := dec.Decode(&struct{}{}); !errors.Is(err, io.EOF) {
		var tooLarge *http.MaxBytesError
		if errors.As(err, &tooLarge) {
			return malformedBody(describeDecodeError(err), example)
		}
		return malformedBody("the request body has more data after the JSON object", example)
	}
	return nil
}

// decodeLenient is decodeBody for the Platform API's own resources, whose
// convention is that fields a route does not know are ignored: clients
// written for Heroku send some that mean nothing on paas.
func decodeLenient(w http.ResponseWriter, r *http.Request, v any, example string) *api.Error {
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxBodyBytes))
	if err := dec.Decode(v); err != nil && !(errors.Is(err, io.EOF) && r.ContentLength <= 0) {
		return malformedBody(describeDecodeError(err), example)
	}
	if err := dec.Decode(&struct{}{}); !errors.Is(err, io.EOF) {
		var tooLarge *http.MaxBytesError
		if errors.As(err, &tooLarge) {
			return malformedBody(describeDecodeError(err), example)
		}
		return malformedBody("the request body has more data after the JSON object", example)
	}
	return nil
}

// malformedBody is a body paasd cannot read: 400 bad_request.
func malformedBody(problem, example string) *api.Error {
	return &api.Error{StatusCode: http.StatusBadRequest, ID: api.IDBadRequest,
		Message: problem + ": expected a JSON body like " + example}
}

// invalidBody is a body read well that asks for what cannot be: 422
// invalid_params.
func invalidBody(problem, example string) *api.Error {
	return &api.Error{StatusCode: http.StatusUnprocessableEntity, ID: api.IDInvalid,
		Message: problem + ": expected a JSON body like " + example}
}

func describeDecodeError(err error) string {
	var (
		syntax    *json.SyntaxError
		wrongType *json.UnmarshalTypeError
		tooLarge  *http.MaxBytesError
	)
	switch {
	case errors.Is(err, io.EOF):
		return "the request body is empty"
	case errors.As(err, &tooLarge):
		return fmt.Sprintf("the request body is larger than %d bytes", tooLarge.Limit)
	case errors.As(err, &syntax):
		return fmt.Sprintf("the request body is not valid JSON (%v, at byte %d)", syntax, syntax.Offset)
	case errors.Is(err, io.ErrUnexpectedEOF):
		return "the request body is cut short: it is not complete JSON"
	case errors.As(err, &wrongType):
		if wrongType.Field == "" {
			return fmt.Sprintf("the request body is a JSON %s, not an object", wrongType.Value)
		}
		return fmt.Sprintf("field %q must be %s, not a JSON %s", wrongType.Field, jsonKind(wrongType.Type), wrongType.Value)
	}
	// encoding/json has no typed error for unknown fields.
	if msg, ok := unknownField(err); ok {
		return msg
	}
	return "the request body cannot be read (" + err.Error() + ")"
}

// jsonKind names the JSON a Go type is decoded from, for people.
func jsonKind(t reflect.Type) string {
	switch t.Kind() {
	case reflect.String:
		return "a string"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "an integer"
	case reflect.Float32, reflect.Float64:
		return "a number"
	case reflect.Bool:
		return "true or false"
	case reflect.Slice, reflect.Array:
		return "an array"
	case reflect.Map, reflect.Struct:
		return "an object"
	}
	return "a " + t.String()
}

func unknownField(err error) (string, bool) {
	field, ok := strings.CutPrefix(err.Error(), "json: unknown field ")
	if !ok {
		return "", false
	}
	return "the request body has an unknown field " + field, true
}
