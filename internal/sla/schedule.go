package sla

import (
	"fmt"
	"time"
)

// Schedule is a team's business hours: the hours of each weekday in a
// time zone, and holidays (dates without hours). Durations "in business
// hours" count only the time within them.
type Schedule struct {
	Location *time.Location
	// Days are the open hours of each weekday (time.Sunday first), as
	// offsets from midnight; Open == Close: closed all day.
	Days [7]struct{ Open, Close time.Duration }
	// Holidays are dates (YYYY-MM-DD, in Location) closed all day.
	Holidays map[string]bool
}

// Weekdays is a schedule open Monday to Friday from open to close.
func Weekdays(loc *time.Location, open, close time.Duration) *Schedule {
	s := &Schedule{Location: loc}
	for d := time.Monday; d <= time.Friday; d++ {
		s.Days[d].Open, s.Days[d].Close = open, close
	}
	return s
}

// Validate reports a schedule that cannot be used.
func (s *Schedule) Validate() error {
	if s.Location == nil {
		return fmt.Errorf("business hours: a time zone is needed")
	}
	for d, h := range s.Days {
		if h.Open < 0 || h.Close > 24*time.Hour || h.Close < h.Open {
			return fmt.Errorf("business hours: %v opens at %v and closes at %v: give 0 ≤ open ≤ close ≤ 24h", time.Weekday(d), h.Open, h.Close)
		}
	}
	return nil
}

// Within is how much of [from, to) (unix ms) falls in business hours.
// A nil schedule counts every moment.
func (s *Schedule) Within(from, to int64) time.Duration {
	if to <= from {
		return 0
	}
	if s == nil {
		return time.Duration(to-from) * time.Millisecond
	}
	a, b := time.UnixMilli(from).In(s.Location), time.UnixMilli(to).In(s.Location)
	var total time.Duration
	for day := time.Date(a.Year(), a.Month(), a.Day(), 0, 0, 0, 0, s.Location); day.Before(b); day = day.AddDate(0, 0, 1) {
		if s.Holidays[day.Format(time.DateOnly)] {
			continue
		}
		h := s.Days[day.Weekday()]
		if h.Open == h.Close {
			continue
		}
		// wall-clock hours: a day with a DST change is still open from
		// Open to Close by the clock on the wall
		open := time.Date(day.Year(), day.Month(), day.Day(), 0, int(h.Open/time.Minute), 0, 0, s.Location)
		closed := time.Date(day.Year(), day.Month(), day.Day(), 0, int(h.Close/time.Minute), 0, 0, s.Location)
		lo, hi := maxTime(open, a), minTime(closed, b)
		if hi.After(lo) {
			total += hi.Sub(lo)
		}
	}
	return total
}

func maxTime(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

func minTime(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}

// maxDays bounds Add's walk: a schedule with no open hour in ten years
// never reaches a target.
const maxDays = 3660

// Add is the moment (unix ms) at which d of business hours have passed
// since from: Within(from, Add(from, d)) == d. It is 0 when the schedule
// is never open for that long (no open hours at all). A nil schedule
// counts every moment.
func (s *Schedule) Add(from int64, d time.Duration) int64 {
	if d <= 0 {
		return from
	}
	if s == nil {
		return from + d.Milliseconds()
	}
	a := time.UnixMilli(from).In(s.Location)
	left := d
	day := time.Date(a.Year(), a.Month(), a.Day(), 0, 0, 0, 0, s.Location)
	for range maxDays {
		if h := s.Days[day.Weekday()]; !s.Holidays[day.Format(time.DateOnly)] && h.Open != h.Close {
			open := time.Date(day.Year(), day.Month(), day.Day(), 0, int(h.Open/time.Minute), 0, 0, s.Location)
			closed := time.Date(day.Year(), day.Month(), day.Day(), 0, int(h.Close/time.Minute), 0, 0, s.Location)
			lo := maxTime(open, a)
			if closed.After(lo) {
				if have := closed.Sub(lo); have >= left {
					return lo.Add(left).UnixMilli()
				} else {
					left -= have
				}
			}
		}
		day = day.AddDate(0, 0, 1)
	}
	return 0
}
