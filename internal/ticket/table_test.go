package ticket_test

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/edgedesk/edgedesk/internal/event"
	"github.com/edgedesk/edgedesk/internal/ticket"
)

// markdownTable is the table as docs/tickets.md prints it.
func markdownTable() string {
	var b strings.Builder
	b.WriteString("| from | to | made by | how |\n|---|---|---|---|\n")
	for _, tr := range ticket.Table {
		by := make([]string, len(tr.By))
		for i, a := range tr.By {
			by[i] = string(a)
		}
		fmt.Fprintf(&b, "| `%s` | `%s` | %s | %s |\n", tr.From, tr.To, strings.Join(by, ", "), tr.How)
	}
	return b.String()
}

// TestDocsPrintTheTable: docs/tickets.md holds the table of the code, row
// for row (go test -run TestDocsPrintTheTable -v prints it on a mismatch).
func TestDocsPrintTheTable(t *testing.T) {
	doc, err := os.ReadFile(filepath.Join("..", "..", "docs", "tickets.md"))
	if err != nil {
		t.Fatal(err)
	}
	if want := markdownTable(); !strings.Contains(string(doc), want) {
		t.Fatalf("docs/tickets.md does not hold the lifecycle's table; it is:\n%s", want)
	}
}

// TestTableIsWellFormed: each pair once, known statuses and actors,
// nothing into new, nothing out of closed, closed only from solved, the
// customer only reopens, every status reachable from new.
func TestTableIsWellFormed(t *testing.T) {
	seen := map[string]bool{}
	reach := map[string]bool{event.StatusNew: true}
	for _, tr := range ticket.Table {
		k := tr.From + ">" + tr.To
		switch {
		case seen[k]:
			t.Errorf("%s twice", k)
		case !slices.Contains(event.Statuses, tr.From) || !slices.Contains(event.Statuses, tr.To) || tr.From == tr.To:
			t.Errorf("%s: not a change between two of the six", k)
		case tr.To == event.StatusNew || tr.From == event.StatusClosed:
			t.Errorf("%s: new is only the start, closed only the end", k)
		case tr.To == event.StatusClosed && tr.From != event.StatusSolved:
			t.Errorf("%s: closed only from solved", k)
		case slices.Contains(tr.By, ticket.Customer) && tr.To != event.StatusOpen:
			t.Errorf("%s: a customer's reply only reopens", k)
		case len(tr.By) == 0 || tr.How == "":
			t.Errorf("%s: nobody makes it, or it says not how", k)
		}
		for _, a := range tr.By {
			if !slices.Contains(ticket.Actors, a) {
				t.Errorf("%s: unknown actor %q", k, a)
			}
		}
		seen[k] = true
	}
	for changed := true; changed; {
		changed = false
		for _, tr := range ticket.Table {
			if reach[tr.From] && !reach[tr.To] {
				reach[tr.To], changed = true, true
			}
		}
	}
	if len(reach) != len(event.Statuses) {
		t.Errorf("reachable from new: %v", reach)
	}
}

func TestCheckSaysWhy(t *testing.T) {
	for _, c := range []struct {
		from, to string
		by       ticket.Actor
		want     string // in the error; "" for none
	}{
		{"open", "solved", ticket.Agent, ""},
		{"resolved", "snoozed", ticket.Agent, ""}, // legacy names: solved → on_hold
		{"open", "open", ticket.Agent, ""},
		{"closed", "open", ticket.Agent, "closed conversation is final"},
		{"open", "closed", ticket.Agent, "solve it first"},
		{"open", "new", ticket.Agent, "new only until"},
		{"pending", "solved", ticket.Customer, "not by a customer"},
		{"open", "open", ticket.Customer, "does not set a status"},
		{"open", "done", ticket.Agent, `status "done"`},
		{"open", "pending", "robot", `actor "robot"`},
	} {
		err := ticket.Check(c.from, c.to, c.by)
		if c.want == "" && err != nil || c.want != "" && (err == nil || !strings.Contains(err.Error(), c.want)) {
			t.Errorf("Check(%s, %s, %s) = %v, want %q", c.from, c.to, c.by, err, c.want)
		}
	}
}

func TestForCustomer(t *testing.T) {
	for st, want := range map[string]string{"new": "open", "open": "open", "on_hold": "open", "snoozed": "open",
		"pending": "pending", "solved": "resolved", "resolved": "resolved", "closed": "closed"} {
		if got := ticket.ForCustomer(st); got != want {
			t.Errorf("ForCustomer(%s) = %s, want %s", st, got, want)
		}
	}
}
