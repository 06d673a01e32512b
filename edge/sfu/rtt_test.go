package sfu

import (
	"math"
	"testing"
	"time"

	"github.com/pion/rtcp"
)

// The round trip of RFC 3550 §6.4.1: a report echoing a sender report
// sent 100 ms ago, held 30 ms by the receiver, took 70 ms there and back.
func TestRoundTrip(t *testing.T) {
	at := time.Date(2026, 11, 26, 12, 0, 0, 500_000_000, time.UTC)
	for _, c := range []struct {
		name     string
		sentAgo  time.Duration
		held     time.Duration
		want     float64
		measured bool
	}{
		{"typical", 100 * time.Millisecond, 30 * time.Millisecond, 70, true},
		{"across a second", 1500 * time.Millisecond, 1000 * time.Millisecond, 500, true},
		{"held longer than possible", 10 * time.Millisecond, 50 * time.Millisecond, 0, false},
	} {
		r := rtcp.ReceptionReport{LastSenderReport: ntpMiddle(at.Add(-c.sentAgo)), Delay: uint32(c.held.Seconds() * 65536)}
		got, ok := roundTrip(r, at)
		if ok != c.measured || math.Abs(got-c.want) > 0.1 {
			t.Errorf("%s: %.2f ms, %v; want %.0f, %v", c.name, got, ok, c.want, c.measured)
		}
	}
	if _, ok := roundTrip(rtcp.ReceptionReport{}, at); ok {
		t.Error("a report without a sender report to echo gave a round trip")
	}
	// NTP time of the Unix epoch: 2,208,988,800 s since 1900
	if got, want := ntpMiddle(time.Unix(0, 0)), uint32(2208988800&0xffff)<<16; got != want {
		t.Errorf("ntpMiddle(epoch) = %#x", got)
	}
}

// One report held up for seconds (a starved receiver) does not become the
// call's round trip: the summary is the median of the last samples.
func TestOneLateReportDoesNotStandForTheCall(t *testing.T) {
	var w rttWindow
	got := 0.0
	for i := range 20 {
		ms := 2.0 + float64(i%3)
		if i == 12 {
			ms = 12_485 // seen once in CI under load
		}
		got = w.add(ms)
	}
	if got < 2 || got > 4 {
		t.Fatalf("round trip %v ms after one outlier, want 2-4", got)
	}
	var one rttWindow
	if got := one.add(70); got != 70 {
		t.Fatalf("the first sample gives %v", got)
	}
}
