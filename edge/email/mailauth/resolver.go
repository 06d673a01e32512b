package mailauth

import (
	"context"
	"errors"
	"net"
)

// guarded wraps the configured Resolver so that every lookup returns when
// the context ends, even one by a Resolver that ignores its context, and
// so that the libraries see the errors they classify: they tell a
// temporary DNS failure from a permanent one by a *net.DNSError's
// IsTimeout/IsTemporary/IsNotFound, without unwrapping.
type guarded struct{ r Resolver }

func (g guarded) LookupTXT(ctx context.Context, name string) ([]string, error) {
	return lookup(ctx, name, func(ctx context.Context) ([]string, error) { return g.r.LookupTXT(ctx, name) })
}

func (g guarded) LookupIPAddr(ctx context.Context, host string) ([]net.IPAddr, error) {
	return lookup(ctx, host, func(ctx context.Context) ([]net.IPAddr, error) { return g.r.LookupIPAddr(ctx, host) })
}

func (g guarded) LookupMX(ctx context.Context, name string) ([]*net.MX, error) {
	return lookup(ctx, name, func(ctx context.Context) ([]*net.MX, error) { return g.r.LookupMX(ctx, name) })
}

func (g guarded) LookupAddr(ctx context.Context, addr string) ([]string, error) {
	return lookup(ctx, addr, func(ctx context.Context) ([]string, error) { return g.r.LookupAddr(ctx, addr) })
}

// lookup runs f and returns its answer, or a timeout when ctx ends first
// (f's goroutine then finishes on its own, into a buffered channel).
func lookup[T any](ctx context.Context, name string, f func(context.Context) (T, error)) (T, error) {
	var zero T
	if err := ctx.Err(); err != nil {
		return zero, timeout(name, err)
	}
	type answer struct {
		v   T
		err error
	}
	ch := make(chan answer, 1)
	go func() {
		v, err := f(ctx)
		ch <- answer{v, err}
	}()
	select {
	case a := <-ch:
		if a.err == nil {
			return a.v, nil
		}
		if ctx.Err() != nil {
			return zero, timeout(name, ctx.Err())
		}
		return zero, classify(name, a.err)
	case <-ctx.Done():
		return zero, timeout(name, ctx.Err())
	}
}

func timeout(name string, err error) error {
	return &net.DNSError{Err: "lookup abandoned: " + err.Error(), Name: name, IsTimeout: true, IsTemporary: true}
}

// classify gives the libraries a *net.DNSError they can read: a wrapped
// one unwrapped, a context error as a timeout; any other error is left
// as it is (the libraries take it as permanent).
func classify(name string, err error) error {
	var de *net.DNSError
	switch {
	case errors.As(err, &de):
		return de
	case errors.Is(err, context.DeadlineExceeded), errors.Is(err, context.Canceled):
		return timeout(name, err)
	}
	return err
}
