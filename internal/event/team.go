package event

import "unicode/utf8"

// Team is a group of agents (team.upserted): conversations are given to
// a team, whose members routing offers them to. Deleted removes it; its
// conversations keep its id until they are given to another.
type Team struct {
	ID      string   `cbor:"1,keyasint"`
	Name    string   `cbor:"2,keyasint,omitempty"`
	Agents  []string `cbor:"3,keyasint,omitempty"`
	Deleted bool     `cbor:"4,keyasint,omitempty"`
}

// TeamChange gives a conversation to a team ("" to none)
// (conversation.team_changed).
type TeamChange struct {
	Conv string `cbor:"1,keyasint"`
	Team string `cbor:"2,keyasint,omitempty"`
}

// Bounds of teams.
const (
	MaxTeams       = 200
	MaxTeamAgents  = 500
	MaxTeamName    = 100
	maxTeamNameLen = MaxTeamName * 4
)

func validTeam(t *Team) bool {
	if t == nil || !ValidID(t.ID) || len(t.Name) > maxTeamNameLen || !utf8.ValidString(t.Name) || len(t.Agents) > MaxTeamAgents {
		return false
	}
	for _, a := range t.Agents {
		if !ValidID(a) {
			return false
		}
	}
	return t.Deleted || t.Name != ""
}
