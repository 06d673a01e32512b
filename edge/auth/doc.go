// Package auth issues and checks the credentials of the edge: agent and
// customer session tokens (JWT, HS256, with issuer, audience role and expiry
// required), long-lived visitor tokens for anonymous website visitors, the
// HMAC identity signature a website uses to vouch for its logged-in users,
// and agent passwords (bcrypt).
package auth
