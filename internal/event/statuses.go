package event

// CustomStatus is a tenant's own status (statuses.set): what agents see
// (Label), and the one of the six it is (Base), which the lifecycle's
// table and every figure go by.
type CustomStatus struct {
	ID    string `cbor:"1,keyasint" json:"id"`
	Label string `cbor:"2,keyasint" json:"label"`
	Base  string `cbor:"3,keyasint" json:"base"`
}

// StatusSet is the body of statuses.set: all of a tenant's custom
// statuses.
type StatusSet struct {
	Statuses []CustomStatus `cbor:"1,keyasint"`
}

// MaxCustomStatuses bounds a tenant's custom statuses.
const MaxCustomStatuses = 50

func validStatusSet(s *StatusSet) bool {
	if s == nil || len(s.Statuses) > MaxCustomStatuses {
		return false
	}
	for _, c := range s.Statuses {
		if !ValidID(c.ID) || len(c.Label) > maxLabelBytes || !ValidStatus(c.Base) {
			return false
		}
	}
	return true
}
