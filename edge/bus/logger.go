package bus

import (
	"fmt"
	"log/slog"
)

// natsLogger forwards the embedded server's log to slog.
type natsLogger struct{ l *slog.Logger }

func (n natsLogger) Noticef(f string, a ...any) { n.l.Debug(fmt.Sprintf(f, a...)) }
func (n natsLogger) Warnf(f string, a ...any)   { n.l.Warn(fmt.Sprintf(f, a...)) }
func (n natsLogger) Fatalf(f string, a ...any)  { n.l.Error(fmt.Sprintf(f, a...)) }
func (n natsLogger) Errorf(f string, a ...any)  { n.l.Error(fmt.Sprintf(f, a...)) }
func (n natsLogger) Debugf(f string, a ...any)  {}
func (n natsLogger) Tracef(f string, a ...any)  {}
