package pool

// The default number of workers (CPython: Pool's processes=None, which
// is os.process_cpu_count() since 3.13), also honouring a cgroup CPU
// quota so that a container limited to 2 CPUs gets 2 workers.

import (
	"bufio"
	"io/fs"
	"math"
	"os"
	"path"
	"runtime"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"
)

// DefaultProcesses returns how many workers a pool starts when not told:
// the CPUs this process may run on (its affinity mask), lowered to its
// cgroup's CPU quota rounded up, and at least 1.
func DefaultProcesses() int {
	n := runtime.NumCPU()
	var set unix.CPUSet
	if unix.SchedGetaffinity(0, &set) == nil && set.Count() > 0 {
		n = set.Count()
	}
	cgroups, err := os.ReadFile("/proc/self/cgroup")
	if err == nil {
		if q, ok := cgroupQuota(os.DirFS("/sys/fs/cgroup"), string(cgroups)); ok && q < n {
			n = q
		}
	}
	return max(n, 1)
}

// cgroupQuota returns the tightest CPU quota, in whole CPUs rounded up,
// of the cgroups listed in procCgroup (the text of /proc/self/cgroup) and
// their ancestors, read from fsys (the cgroup mount). ok is false when
// there is no quota.
func cgroupQuota(fsys fs.FS, procCgroup string) (cpus int, ok bool) {
	best := math.Inf(1)
	sc := bufio.NewScanner(strings.NewReader(procCgroup))
	for sc.Scan() {
		// hierarchy-ID:controllers:path; v2 is "0::path".
		parts := strings.SplitN(sc.Text(), ":", 3)
		if len(parts) != 3 {
			continue
		}
		var read func(dir string) (float64, bool)
		switch {
		case parts[0] == "0" && parts[1] == "":
			read = func(dir string) (float64, bool) { return readCPUMax(fsys, dir) }
		case hasController(parts[1], "cpu"):
			root := parts[1] // v1 mounts each hierarchy under its controller list
			read = func(dir string) (float64, bool) { return readCFS(fsys, path.Join(root, dir)) }
		default:
			continue
		}
		for dir := path.Clean("/" + parts[2]); ; dir = path.Dir(dir) {
			if q, ok := read(strings.TrimPrefix(dir, "/")); ok && q < best {
				best = q
			}
			if dir == "/" {
				break
			}
		}
	}
	if math.IsInf(best, 1) {
		return 0, false
	}
	return max(int(math.Ceil(best)), 1), true
}

func hasController(list, name string) bool {
	for _, c := range strings.Split(list, ",") {
		if c == name {
			return true
		}
	}
	return false
}

// readCPUMax reads cgroup v2's cpu.max ("max 100000" or "200000 100000").
func readCPUMax(fsys fs.FS, dir string) (float64, bool) {
	b, err := fs.ReadFile(fsys, path.Join(orDot(dir), "cpu.max"))
	if err != nil {
		return 0, false
	}
	f := strings.Fields(string(b))
	if len(f) != 2 {
		return 0, false
	}
	return quotaOf(f[0], f[1])
}

// readCFS reads cgroup v1's cpu.cfs_quota_us (-1: none) and
// cpu.cfs_period_us.
func readCFS(fsys fs.FS, dir string) (float64, bool) {
	q, err1 := fs.ReadFile(fsys, path.Join(orDot(dir), "cpu.cfs_quota_us"))
	p, err2 := fs.ReadFile(fsys, path.Join(orDot(dir), "cpu.cfs_period_us"))
	if err1 != nil || err2 != nil {
		return 0, false
	}
	return quotaOf(strings.TrimSpace(string(q)), strings.TrimSpace(string(p)))
}

// quotaOf divides a quota by its period; "max" or a negative quota means
// none.
func quotaOf(quota, period string) (float64, bool) {
	q, err1 := strconv.ParseFloat(quota, 64)
	p, err2 := strconv.ParseFloat(period, 64)
	if err1 != nil || err2 != nil || q <= 0 || p <= 0 {
		return 0, false
	}
	return q / p, true
}

func orDot(dir string) string {
	if dir == "" {
		return "."
	}
	return dir
}
