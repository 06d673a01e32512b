package analytics

import (
	"time"

	"github.com/edgedesk/edgedesk/internal/sla"
)

// Schedule is a team's business hours (internal/sla, shared with the
// edge's live clocks).
type Schedule = sla.Schedule

// Weekdays is a schedule open Monday to Friday from open to close.
func Weekdays(loc *time.Location, open, close time.Duration) *Schedule {
	return sla.Weekdays(loc, open, close)
}
