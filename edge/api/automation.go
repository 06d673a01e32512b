package api

import (
	"context"
	"net/http"

	"github.com/edgedesk/edgedesk/internal/event"
)

// maxRulesBody bounds a PUT of rules or macros: a tenant's whole set.
const maxRulesBody = 1 << 20

// Rules is the body of PUT /api/v1/rules, and its answer: all of the
// tenant's rules, in the order they run (docs/automation.md).
type Rules struct {
	Rules []event.Rule `json:"rules"`
}

// Macros is the body of PUT /api/v1/macros, and its answer.
type Macros struct {
	Macros []event.Macro `json:"macros"`
}

// GET /api/v1/rules
func (a *API) listRules(w http.ResponseWriter, r *http.Request, p principal) {
	if _, ok := query(w, r); !ok {
		return
	}
	list, err := a.conv.Rules(p.actor())
	if err != nil {
		a.fail(w, err)
		return
	}
	if list == nil {
		list = []event.Rule{}
	}
	writeJSON(w, http.StatusOK, Rules{Rules: list})
}

// PUT /api/v1/rules (admin): the set is replaced whole, or refused whole.
func (a *API) setRules(w http.ResponseWriter, r *http.Request, p principal) {
	var req Rules
	if !decodeUpTo(w, r, &req, maxRulesBody) {
		return
	}
	ctx, cancel := command(r)
	defer cancel()
	list, err := a.conv.SetRules(ctx, p.actor(), req.Rules)
	if err != nil {
		a.fail(w, err)
		return
	}
	writeJSON(w, http.StatusOK, Rules{Rules: list})
}

// GET /api/v1/macros
func (a *API) listMacros(w http.ResponseWriter, r *http.Request, p principal) {
	if _, ok := query(w, r); !ok {
		return
	}
	list, err := a.conv.Macros(p.actor())
	if err != nil {
		a.fail(w, err)
		return
	}
	if list == nil {
		list = []event.Macro{}
	}
	writeJSON(w, http.StatusOK, Macros{Macros: list})
}

// PUT /api/v1/macros (admin)
func (a *API) setMacros(w http.ResponseWriter, r *http.Request, p principal) {
	var req Macros
	if !decodeUpTo(w, r, &req, maxRulesBody) {
		return
	}
	ctx, cancel := command(r)
	defer cancel()
	list, err := a.conv.SetMacros(ctx, p.actor(), req.Macros)
	if err != nil {
		a.fail(w, err)
		return
	}
	writeJSON(w, http.StatusOK, Macros{Macros: list})
}

// POST /api/v1/conversations/{id}/macros/{macro}: the macro's actions,
// all checked first; it answers the conversation after them.
func (a *API) applyMacro(w http.ResponseWriter, r *http.Request, p principal) {
	if _, ok := query(w, r); !ok {
		return
	}
	a.change(w, r, p, func(ctx context.Context, id string) error {
		_, err := a.conv.ApplyMacro(ctx, p.actor(), id, r.PathValue("macro"))
		return err
	})
}
