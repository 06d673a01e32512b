// Package pki holds the certificates between a hub and its edges: the
// hub's certificate authority, edge certificates signed from a request,
// enrolment tokens that pin the authority, and the TLS 1.3 configurations
// each side uses (docs/sync.md).
package pki
