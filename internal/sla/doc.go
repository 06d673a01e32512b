// Package sla is what a service level policy counts in: business hours
// (Schedule: the open hours of each weekday in a time zone, holidays),
// how much of a span falls in them and when a target is reached, and the
// policy's targets (event.SLA). The hub's figures (analytics) and the
// edge's live clocks (internal/state) count with the same code, so that
// they agree.
package sla
