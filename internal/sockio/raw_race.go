//go:build linux && race

package sockio

import "syscall"

// Under the race detector reads and writes go through the syscall package, whose annotations
// tell the detector that bytes written to a socket happen before they are read from it.

// rawRead is read(2) with the race detector's annotations.
func rawRead(fd uintptr, p []byte) (int, syscall.Errno) {
	n, err := syscall.Read(int(fd), p)
	return max(n, 0), errno(err)
}

// rawWritev writes the first non-empty slice of bufs with write(2) and the race detector's
// annotations; the caller loops for the rest.
func rawWritev(fd uintptr, bufs [][]byte) (int, syscall.Errno) {
	for _, b := range bufs {
		if len(b) > 0 {
			n, err := syscall.Write(int(fd), b)
			return max(n, 0), errno(err)
		}
	}
	return 0, 0
}

func errno(err error) syscall.Errno {
	if err == nil {
		return 0
	}
	if e, ok := err.(syscall.Errno); ok {
		return e
	}
	return syscall.EIO
}
