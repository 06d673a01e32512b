package sla_test

import (
	"math/rand/v2"
	"testing"
	"time"

	"github.com/edgedesk/edgedesk/internal/event"
	"github.com/edgedesk/edgedesk/internal/sla"
)

func berlin(t *testing.T) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

// TestAdd: the moment a target of business time is reached, by hand.
func TestAdd(t *testing.T) {
	loc := berlin(t)
	week := sla.Weekdays(loc, 9*time.Hour, 17*time.Hour)
	week.Holidays = map[string]bool{"2026-12-25": true}
	at := func(s string) int64 {
		tm, err := time.ParseInLocation("2006-01-02 15:04", s, loc)
		if err != nil {
			t.Fatal(err)
		}
		return tm.UnixMilli()
	}
	for _, c := range []struct {
		s    *sla.Schedule
		from string
		d    time.Duration
		want string
	}{
		{week, "2026-12-04 10:00", time.Hour, "2026-12-04 11:00"},                // Friday, within the day
		{week, "2026-12-04 16:30", time.Hour, "2026-12-07 09:30"},                // over the weekend
		{week, "2026-12-05 12:00", 30 * time.Minute, "2026-12-07 09:30"},         // from a Saturday
		{week, "2026-12-04 07:00", 8 * time.Hour, "2026-12-04 17:00"},            // a whole day, from before opening
		{week, "2026-12-24 16:00", 2 * time.Hour, "2026-12-28 10:00"},            // Christmas is closed, then the weekend
		{week, "2026-03-27 16:00", 2 * time.Hour, "2026-03-30 10:00"},            // across the spring DST change
		{week, "2026-10-23 16:30", 9 * time.Hour, "2026-10-27 09:30"},            // across the autumn one: wall-clock hours
		{nil, "2026-12-04 10:00", 90 * time.Minute, "2026-12-04 11:30"},          // around the clock
		{week, "2026-12-04 10:00", 0, "2026-12-04 10:00"},                        // nothing to wait
		{&sla.Schedule{Location: loc}, "2026-12-04 10:00", time.Minute, "never"}, // never open
	} {
		got := c.s.Add(at(c.from), c.d)
		want := int64(0)
		if c.want != "never" {
			want = at(c.want)
		}
		if got != want {
			t.Errorf("Add(%s, %s) = %s, want %s", c.from, c.d, time.UnixMilli(got).In(loc), c.want)
		}
	}
}

// TestAddInvertsWithin: for random starts and durations, the business
// time from the start to Add's moment is the duration, and a moment
// earlier it was less.
func TestAddInvertsWithin(t *testing.T) {
	loc := berlin(t)
	s := sla.Weekdays(loc, 8*time.Hour+30*time.Minute, 18*time.Hour)
	s.Days[time.Saturday].Open, s.Days[time.Saturday].Close = 10*time.Hour, 14*time.Hour
	s.Holidays = map[string]bool{"2026-12-25": true, "2027-01-01": true}
	rng := rand.New(rand.NewPCG(1, 2))
	base := time.Date(2026, 1, 1, 0, 0, 0, 0, loc).UnixMilli()
	for range 2000 {
		from := base + rng.Int64N(400*24*3600*1000)
		d := time.Duration(1+rng.Int64N(200*3600)) * time.Second
		end := s.Add(from, d)
		if end <= from {
			t.Fatalf("Add(%d, %s) = %d", from, d, end)
		}
		if got := s.Within(from, end); got != d {
			t.Fatalf("Within(from, Add(from, %s)) = %s (from %s)", d, got, time.UnixMilli(from).In(loc))
		}
		if got := s.Within(from, end-1000); got >= d {
			t.Fatalf("a second before Add(from, %s): %s already", d, got)
		}
	}
}

func TestTargets(t *testing.T) {
	p := &event.SLA{FirstResponse: [4]int64{0, 3600, 900, 300}, Resolution: [4]int64{86400, 0, 0, 0}}
	for _, c := range []struct {
		measure, priority string
		want              time.Duration
	}{
		{sla.FirstResponse, "", time.Hour}, {sla.FirstResponse, "normal", time.Hour}, {sla.FirstResponse, "urgent", 5 * time.Minute},
		{sla.FirstResponse, "low", 0}, {sla.Resolution, "low", 24 * time.Hour}, {sla.NextResponse, "high", 0},
	} {
		if got := sla.Target(p, c.measure, c.priority); got != c.want {
			t.Errorf("Target(%s, %s) = %s, want %s", c.measure, c.priority, got, c.want)
		}
	}
	if sla.Target(nil, sla.FirstResponse, "") != 0 || sla.ScheduleOf(nil) != nil || sla.ScheduleOf(&event.SLA{}) != nil {
		t.Error("no policy, no targets, no business hours")
	}
	if s := sla.ScheduleOf(&event.SLA{TimeZone: "Europe/Berlin", Hours: [7][2]int32{1: {540, 1020}}, Holidays: []string{"2026-12-25"}}); s == nil ||
		s.Days[time.Monday].Open != 9*time.Hour || !s.Holidays["2026-12-25"] {
		t.Errorf("ScheduleOf: %+v", s)
	}
}
