package event

// View is a saved view of conversations (views.set): the conversations
// that match every filter given, in the order Sort names. Assignee "me"
// and Team "mine" are the agent looking; "none" is none.
type View struct {
	ID         string       `cbor:"1,keyasint" json:"id"`
	Name       string       `cbor:"2,keyasint" json:"name"`
	Statuses   []string     `cbor:"3,keyasint,omitempty" json:"statuses,omitempty"`
	Assignee   string       `cbor:"4,keyasint,omitempty" json:"assignee,omitempty"`
	Team       string       `cbor:"5,keyasint,omitempty" json:"team,omitempty"`
	Priorities []string     `cbor:"6,keyasint,omitempty" json:"priorities,omitempty"`
	Tags       []string     `cbor:"7,keyasint,omitempty" json:"tags,omitempty"`
	Channel    string       `cbor:"8,keyasint,omitempty" json:"channel,omitempty"`
	Inbox      string       `cbor:"9,keyasint,omitempty" json:"inbox,omitempty"`
	SLA        string       `cbor:"10,keyasint,omitempty" json:"sla,omitempty"`
	Fields     []FieldValue `cbor:"11,keyasint,omitempty" json:"fields,omitempty"`
	Sort       string       `cbor:"12,keyasint,omitempty" json:"sort,omitempty"`
}

// ViewSet is the body of views.set: all of a tenant's saved views.
type ViewSet struct {
	Views []View `cbor:"1,keyasint"`
}

// MaxViews bounds a tenant's saved views.
const MaxViews = 100

func validViewSet(s *ViewSet) bool {
	if s == nil || len(s.Views) > MaxViews {
		return false
	}
	for _, v := range s.Views {
		if !ValidID(v.ID) || len(v.Name) > maxLabelBytes || len(v.Statuses) > len(Statuses)+2 || len(v.Priorities) > 4 ||
			len(v.Tags) > MaxTags || len(v.Fields) > MaxFields || len(v.Assignee) > MaxIDLen || len(v.Team) > MaxIDLen ||
			len(v.Channel) > 32 || len(v.Inbox) > MaxIDLen || len(v.SLA) > 16 || len(v.Sort) > 16 {
			return false
		}
		for _, f := range v.Fields {
			if !ValidFieldKey(f.Key) || len(f.Value) > MaxFieldValue {
				return false
			}
		}
	}
	return true
}
