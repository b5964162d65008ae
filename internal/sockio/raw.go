//go:build linux && !race

package sockio

import (
	"syscall"
	"unsafe"
)

// maxWrite bounds the bytes one write hands the kernel: a loopback write delivers them to the
// reader inside the call, and a large one would hold the processor for long.
const maxWrite = 64 << 10

// maxIovecs bounds the slices of one vectored write.
const maxIovecs = 8

// rawRead is read(2) on a non-blocking socket, outside the scheduler's system-call accounting.
func rawRead(fd uintptr, p []byte) (int, syscall.Errno) {
	n, _, e := syscall.RawSyscall(syscall.SYS_READ, fd, uintptr(unsafe.Pointer(&p[0])), uintptr(len(p)))
	return int(n), e
}

// rawWritev is writev(2) of up to maxIovecs non-empty slices and maxWrite bytes of bufs, on a
// non-blocking socket, outside the scheduler's system-call accounting.
func rawWritev(fd uintptr, bufs [][]byte) (int, syscall.Errno) {
	var iov [maxIovecs]syscall.Iovec
	k, size := 0, 0
	for _, b := range bufs {
		if k == len(iov) || size == maxWrite {
			break
		}
		if len(b) == 0 {
			continue
		}
		if len(b) > maxWrite-size {
			b = b[:maxWrite-size]
		}
		iov[k].Base = &b[0]
		iov[k].SetLen(len(b))
		k++
		size += len(b)
	}
	n, _, e := syscall.RawSyscall(syscall.SYS_WRITEV, fd, uintptr(unsafe.Pointer(&iov[0])), uintptr(k))
	return int(n), e
}
