package sla

import (
	"time"

	"github.com/edgedesk/edgedesk/internal/event"
)

// The measures of a policy: a customer's wait for a first or a next
// answer, and the time to solve (docs/metrics.md).
const (
	FirstResponse = "first_response"
	NextResponse  = "next_response"
	Resolution    = "resolution"
)

// ScheduleOf is the business hours a policy counts in, nil when it has
// no time zone (around the clock). A time zone this machine does not know
// counts in UTC.
func ScheduleOf(s *event.SLA) *Schedule {
	if s == nil || s.TimeZone == "" {
		return nil
	}
	loc, err := time.LoadLocation(s.TimeZone)
	if err != nil {
		loc = time.UTC
	}
	sch := &Schedule{Location: loc, Holidays: map[string]bool{}}
	for d, h := range s.Hours {
		sch.Days[d].Open, sch.Days[d].Close = time.Duration(h[0])*time.Minute, time.Duration(h[1])*time.Minute
	}
	for _, h := range s.Holidays {
		sch.Holidays[h] = true
	}
	return sch
}

// Target is a policy's target for measure at priority (low, normal or
// "", high, urgent); 0 for none.
func Target(s *event.SLA, measure, priority string) time.Duration {
	if s == nil {
		return 0
	}
	i := event.PriorityRank(priority) + 1
	var v int64
	switch measure {
	case FirstResponse:
		v = s.FirstResponse[i]
	case NextResponse:
		v = s.NextResponse[i]
	case Resolution:
		v = s.Resolution[i]
	}
	return time.Duration(v) * time.Second
}
