package main

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"time"
)

// The benchmark shares the machine with whatever else runs on it. cpuMeter measures how much
// CPU other processes took during a run, so a noisy run shows in the results instead of
// silently skewing them. It reads Linux /proc; elsewhere the share is unknown (-1).

// clockTick is the unit of /proc CPU times (USER_HZ, 100 on Linux).
const clockTick = 10 * time.Millisecond

// cpuSample is a point-in-time reading, in clock ticks.
type cpuSample struct {
	busy  uint64 // all CPUs, in processes (user, nice, system) or stolen by the hypervisor
	total uint64 // all CPUs, including idle
	ours  uint64 // the runner and every process group it started
	// byGroup and byPID hold the CPU time of each process group in groups and each process
	// in pids, for the CPU per call of a target and of the backend.
	byGroup map[int]uint64
	byPID   map[int]uint64
}

// ticks is the CPU time of the processes in group and of pids.
func (s cpuSample) ticks(group int, pids []int) uint64 {
	t := s.byGroup[group]
	for _, p := range pids {
		t += s.byPID[p]
	}
	return t
}

// perCall is the CPU time between a and b of the processes in group and of pids, in
// microseconds per call for calls calls; -1 when unknown.
func perCall(a, b cpuSample, group int, pids []int, calls int64) float64 {
	if (group == 0 && len(pids) == 0) || calls <= 0 || a.byGroup == nil || b.byGroup == nil {
		return -1
	}
	ta, tb := a.ticks(group, pids), b.ticks(group, pids)
	if tb < ta {
		return -1
	}
	return float64(tb-ta) * float64(clockTick/time.Microsecond) / float64(calls)
}

// cpuMeter reads CPU times from a /proc directory.
type cpuMeter struct {
	procDir string
	self    int // the runner's pid
}

// sample reads system-wide CPU time and the CPU time of the runner, of the processes in groups
// (the servers under test) and of the processes pids (a local Redis a target uses).
func (m cpuMeter) sample(groups []int, pids ...int) (cpuSample, error) {
	b, err := os.ReadFile(filepath.Join(m.procDir, "stat"))
	if err != nil {
		return cpuSample{}, err
	}
	busy, total, err := parseSystemCPU(b)
	if err != nil {
		return cpuSample{}, err
	}
	s := cpuSample{busy: busy, total: total, byGroup: map[int]uint64{}, byPID: map[int]uint64{}}
	entries, err := os.ReadDir(m.procDir)
	if err != nil {
		return cpuSample{}, err
	}
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		b, err := os.ReadFile(filepath.Join(m.procDir, e.Name(), "stat"))
		if err != nil {
			continue // the process ended meanwhile
		}
		pgrp, ticks, err := parseProcStat(b)
		if err != nil {
			continue
		}
		inGroup, served := slices.Contains(groups, pgrp), slices.Contains(pids, pid)
		if inGroup {
			s.byGroup[pgrp] += ticks
		}
		if served {
			s.byPID[pid] += ticks
		}
		if pid == m.self || inGroup || served {
			s.ours += ticks
		}
	}
	return s, nil
}

// otherShare is the share of all CPU time between a and b used by processes that are not ours;
// extra is CPU time of our processes that ended in between (wrk). -1 when unknown.
func otherShare(a, b cpuSample, extra time.Duration) float64 {
	if b.total <= a.total || b.busy < a.busy {
		return -1
	}
	used := float64(b.busy - a.busy)
	ours := float64(b.ours-a.ours) + float64(extra)/float64(clockTick)
	return max(0, used-ours) / float64(b.total-a.total)
}

// parseSystemCPU reads the aggregate "cpu" line of /proc/stat.
func parseSystemCPU(stat []byte) (busy, total uint64, err error) {
	line, _, _ := bytes.Cut(stat, []byte("\n"))
	fields := bytes.Fields(line)
	if len(fields) < 5 || string(fields[0]) != "cpu" {
		return 0, 0, errors.New("/proc/stat: no cpu line")
	}
	// user nice system idle iowait irq softirq steal [guest guest_nice, already in user/nice].
	// irq and softirq are left out of busy: loopback networking under load spends a tenth of
	// the CPU there, charged to no process, and it is the benchmark's own traffic.
	for i, f := range fields[1:min(len(fields), 9)] {
		v, err := strconv.ParseUint(string(f), 10, 64)
		if err != nil {
			return 0, 0, errors.New("/proc/stat: bad cpu field")
		}
		total += v
		switch i {
		case 0, 1, 2, 7: // user, nice, system, steal
			busy += v
		}
	}
	return busy, total, nil
}

// parseProcStat reads the process group and utime+stime from /proc/PID/stat.
func parseProcStat(stat []byte) (pgrp int, ticks uint64, err error) {
	i := bytes.LastIndexByte(stat, ')') // the command name may hold spaces and parentheses
	if i < 0 {
		return 0, 0, errors.New("stat: no command name")
	}
	f := bytes.Fields(stat[i+1:])
	// f[0] state, f[1] ppid, f[2] pgrp, ..., f[11] utime, f[12] stime
	if len(f) < 13 {
		return 0, 0, errors.New("stat: too few fields")
	}
	pgrp, err = strconv.Atoi(string(f[2]))
	if err != nil {
		return 0, 0, err
	}
	utime, err1 := strconv.ParseUint(string(f[11]), 10, 64)
	stime, err2 := strconv.ParseUint(string(f[12]), 10, 64)
	if err1 != nil || err2 != nil {
		return 0, 0, errors.New("stat: bad cpu times")
	}
	return pgrp, utime + stime, nil
}
