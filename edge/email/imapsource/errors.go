package imapsource

import "errors"

var (
	// ErrConfig: the Options cannot work; the message names the field.
	ErrConfig = errors.New("imapsource: bad options")
	// ErrRunning: Run was called while another Run of the same Source runs.
	ErrRunning = errors.New("imapsource: already running")
	// ErrConnect: the server could not be reached or TLS failed.
	ErrConnect = errors.New("imapsource: cannot connect")
	// ErrAuth: the server refused the user, password or token.
	ErrAuth = errors.New("imapsource: login refused")
	// ErrMailbox: the mailbox (or move_to) cannot be selected or used.
	ErrMailbox = errors.New("imapsource: mailbox unusable")
	// ErrDeliver: Deliver failed transiently; the mail stays on the
	// server, unseen, and is tried again.
	ErrDeliver = errors.New("imapsource: deliver failed")
	// ErrState: the state file cannot be read or written.
	ErrState = errors.New("imapsource: state file")
	// ErrConnection: the connection broke or a command failed mid-session.
	ErrConnection = errors.New("imapsource: connection lost")
)

// stepError is a failure of one step of a session. Its step names the
// kind of failure so that Run logs each kind once, not each retry.
type stepError struct {
	step string // "connect", "auth", "mailbox", "deliver", "state", "connection"
	kind error  // one of the Err… sentinels
	msg  string // what went wrong and what to do, without secrets
	err  error
}

func (e *stepError) Error() string {
	if e.err == nil {
		return e.msg
	}
	return e.msg + ": " + e.err.Error()
}

func (e *stepError) Unwrap() []error { return []error{e.kind, e.err} }

func fail(step string, kind error, err error, msg string) error {
	return &stepError{step: step, kind: kind, msg: msg, err: err}
}
