package api

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/evidenthq/evident/internal/auth"
)

// The OpenAPI 3.1 document is generated from Routes, so it cannot drift
// from what the server mounts; a test checks both ways. Request and
// response bodies are described by their envelope (list, error, object)
// rather than field by field: the Go types are the reference, and a
// hand-written schema per type would drift from them.

// OpenAPI returns the document as a JSON-ready value.
func (a *API) OpenAPI() map[string]any {
	paths := map[string]map[string]any{}
	for _, rt := range a.Routes() {
		if paths[rt.Path] == nil {
			paths[rt.Path] = map[string]any{}
		}
		paths[rt.Path][strings.ToLower(rt.Method)] = operation(rt)
	}
	return map[string]any{
		"openapi": "3.1.0",
		"info": map[string]any{
			"title":       "Evident API",
			"version":     "1",
			"description": "The REST API of Evident: the catalog, the program, evidence, readiness, incidents, changes, packs and the audit trail. Authenticate with an API token (Authorization: Bearer evt_...) or a browser session; a browser session must send X-CSRF-Token on unsafe methods. Errors are {\"error\": {\"code\", \"message\"}} with a stable code. Lists take ?limit= (1-500, default 50) and ?cursor= and return next_cursor until the last page.",
		},
		"servers": []any{map[string]any{"url": "/"}},
		"paths":   paths,
		"security": []any{
			map[string]any{"token": []string{}},
			map[string]any{"session": []string{}},
		},
		"components": map[string]any{
			"securitySchemes": map[string]any{
				"token":   map[string]any{"type": "http", "scheme": "bearer", "description": "an API token from POST /api/v1/tokens or `evident user token`"},
				"session": map[string]any{"type": "apiKey", "in": "cookie", "name": auth.SessionCookie},
			},
			"schemas": map[string]any{
				"Error": map[string]any{
					"type":     "object",
					"required": []string{"error"},
					"properties": map[string]any{"error": map[string]any{
						"type":     "object",
						"required": []string{"code", "message"},
						"properties": map[string]any{
							"code":    map[string]any{"type": "string", "enum": []string{"invalid", "not_found", "conflict", "unauthorized", "forbidden", "check_failed", "internal", "refused"}},
							"message": map[string]any{"type": "string"},
						},
					}},
				},
				"List": map[string]any{
					"type":     "object",
					"required": []string{"items"},
					"properties": map[string]any{
						"items":       map[string]any{"type": "array", "items": map[string]any{"type": "object"}},
						"next_cursor": map[string]any{"type": "string", "description": "pass as ?cursor= for the next page; absent on the last page"},
					},
				},
			},
		},
	}
}

func operation(rt Route) map[string]any {
	var params []any
	for _, name := range rt.PathParams() {
		params = append(params, map[string]any{"name": name, "in": "path", "required": true, "schema": map[string]any{"type": "string"}})
	}
	query := rt.Query
	if rt.List {
		query = append(query[:len(query):len(query)],
			Param{"limit", "page size, 1 to 500, default 50"},
			Param{"cursor", "next_cursor of the previous page"})
	}
	for _, q := range query {
		params = append(params, map[string]any{"name": q.Name, "in": "query", "description": q.Description, "schema": map[string]any{"type": "string"}})
	}
	status := rt.Status
	if status == 0 {
		status = http.StatusOK
	}
	schema := map[string]any{"type": "object"}
	if rt.List {
		schema = map[string]any{"$ref": "#/components/schemas/List"}
	}
	produces := "application/json"
	if rt.Produces != "" {
		produces, schema = rt.Produces, map[string]any{"type": "string", "format": "binary"}
	}
	errResp := map[string]any{"description": "error", "content": map[string]any{"application/json": map[string]any{"schema": map[string]any{"$ref": "#/components/schemas/Error"}}}}
	op := map[string]any{
		"operationId": operationID(rt),
		"summary":     rt.Summary,
		"tags":        []string{rt.Tag},
		"responses": map[string]any{
			strconv.Itoa(status): map[string]any{"description": http.StatusText(status), "content": map[string]any{produces: map[string]any{"schema": schema}}},
			"default":            errResp,
		},
		"x-permission": string(rt.Perm),
		"x-roles":      rt.Perm.Roles(),
	}
	if params != nil {
		op["parameters"] = params
	}
	if rt.Perm == auth.Public {
		op["security"] = []any{}
	}
	if rt.Body != "" {
		op["requestBody"] = map[string]any{"required": true, "content": map[string]any{rt.Body: map[string]any{"schema": map[string]any{"type": "object"}}}}
	}
	return op
}

// operationID is the method and path in camel case: getApiV1CatalogId.
func operationID(rt Route) string {
	var b strings.Builder
	b.WriteString(strings.ToLower(rt.Method))
	for _, seg := range strings.FieldsFunc(rt.Path, func(r rune) bool { return strings.ContainsRune("/{}_-.", r) }) {
		b.WriteString(strings.ToUpper(seg[:1]) + seg[1:])
	}
	return b.String()
}

// OpenAPIHandler serves the document at /api/openapi.json.
func (a *API) OpenAPIHandler() http.Handler {
	return a.handle(func(w http.ResponseWriter, r *http.Request) error {
		return writeJSON(w, http.StatusOK, a.OpenAPI())
	})
}
