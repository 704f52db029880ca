// Package relay forwards signed session records to the server. // want: -
package relay

import (
	"context"
	"errors"
	"net/http"
	"sync"
)

// ErrClosed is returned after Close. // want: -
var ErrClosed = errors.New("relay: closed")

// defaultHandler answers health checks.
var defaultHandler = func(w http.ResponseWriter, r *http.Request) { // want: function defaultHandler
	w.WriteHeader(http.StatusNoContent) // want: function defaultHandler
} // want: function defaultHandler

type ( // want: -
	// Option configures a Server.
	Option func(*Server) // want: type Option

	// Sink receives records.
	Sink interface { // want: interface Sink
		Put(ctx context.Context, rec []byte) error // want: interface Sink
	} // want: interface Sink
)

// Server relays records to a Sink.
type Server struct { // want: struct Server
	mu     sync.Mutex
	sink   Sink // want: struct Server
	closed bool
} // want: struct Server

// New returns a Server writing to sink.
func New(sink Sink, opts ...Option) *Server { // want: function New
	s := &Server{sink: sink}
	for _, o := range opts {
		o(s) // want: function New
	}
	return s
} // want: function New

// Handle accepts one record.
func (s *Server) Handle(w http.ResponseWriter, r *http.Request) { // want: method (*Server).Handle
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		http.Error(w, ErrClosed.Error(), http.StatusServiceUnavailable)
		return
	}
	done := func(code int) { // want: closure (*Server).Handle.func1
		w.WriteHeader(code) // want: closure (*Server).Handle.func1
	} // want: closure (*Server).Handle.func1
	go func() { // want: closure (*Server).Handle.func2
		defer func() { _ = recover() }() // want: closure (*Server).Handle.func2.1
		_ = s.sink.Put(r.Context(), nil) // want: closure (*Server).Handle.func2
	}()
	done(http.StatusAccepted) // want: method (*Server).Handle
} // want: method (*Server).Handle

// String describes the server.
func (s Server) String() string { return "relay" } // want: method Server.String

// Set is a generic set.
type Set[T comparable] map[T]struct{} // want: type Set

// Add inserts v.
func (s Set[T]) Add(v T) { // want: method Set[...].Add
	s[v] = struct{}{}
}

// Keys lists the members; the order is unspecified.
func Keys[T comparable](s Set[T]) []T { // want: function Keys
	type pair struct { // want: struct Keys.pair
		k T
	} // want: struct Keys.pair
	var out []T // want: function Keys
	for k := range s {
		out = append(out, pair{k}.k)
	}
	return out
} // want: function Keys

/* // want: -
func commented() {}
*/

func main() { // want: function main
	http.HandleFunc("/", defaultHandler)
	_ = http.ListenAndServe(":0", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { // want: closure main.func1
		defaultHandler(w, r)
	})) // want: closure main.func1
} // want: function main

// Handler is an alias kept for callers.
type Handler = http.HandlerFunc // want: type Handler
