package turn

import (
	"fmt"
	"log/slog"

	"github.com/pion/logging"
)

// slogFactory gives pion's components loggers that write to log: pion's
// errors and warnings as such, its info as debug, its debug and trace not
// at all (they are per packet).
type slogFactory struct{ log *slog.Logger }

func (f slogFactory) NewLogger(scope string) logging.LeveledLogger {
	return pionLogger{f.log.With("pion", scope)}
}

type pionLogger struct{ l *slog.Logger }

func (p pionLogger) Trace(string)          {}
func (p pionLogger) Tracef(string, ...any) {}
func (p pionLogger) Debug(string)          {}
func (p pionLogger) Debugf(string, ...any) {}
func (p pionLogger) Info(m string)         { p.l.Debug(m) }
func (p pionLogger) Infof(f string, a ...any) {
	p.l.Debug(fmt.Sprintf(f, a...))
}
func (p pionLogger) Warn(m string) { p.l.Warn(m) }
func (p pionLogger) Warnf(f string, a ...any) {
	p.l.Warn(fmt.Sprintf(f, a...))
}
func (p pionLogger) Error(m string) { p.l.Error(m) }
func (p pionLogger) Errorf(f string, a ...any) {
	p.l.Error(fmt.Sprintf(f, a...))
}
