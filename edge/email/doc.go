// Package email is the e-mail channel's inbound half: an SMTP server
// (emersion's go-smtp) that takes mail for the inboxes' addresses, a MIME
// parser (enmime, with HTML sanitised by bluemonday before it becomes
// text), and the threading that puts each mail in the conversation it
// answers: the reply token of an inbox's plus-address, then In-Reply-To
// and References, else a new conversation for the sender's contact. A
// mail is acknowledged (SMTP 250) once its message is in the log, and
// recorded once however often it is delivered. Mailboxes polled over IMAP
// (edge/email/imapsource) feed Deliver too; replies go out through
// edge/email/outbound. docs/email.md explains the whole channel.
package email
