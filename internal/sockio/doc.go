// Package sockio reads and writes TCP sockets with plain non-blocking system calls that keep
// the Go scheduler's processor, waiting in the runtime's network poller only when a socket is
// not ready.
package sockio
