package pool

import (
	"testing"
	"testing/fstest"
)

func TestCgroupQuota(t *testing.T) {
	for _, tc := range []struct {
		name, cgroup string
		fs           fstest.MapFS
		want         int
		ok           bool
	}{
		{"v2 two cpus", "0::/box\n", fstest.MapFS{"box/cpu.max": {Data: []byte("200000 100000\n")}}, 2, true},
		{"v2 rounds up", "0::/box\n", fstest.MapFS{"box/cpu.max": {Data: []byte("150000 100000\n")}}, 2, true},
		{"v2 no limit", "0::/box\n", fstest.MapFS{"box/cpu.max": {Data: []byte("max 100000\n")}}, 0, false},
		{"v2 ancestor limit", "0::/a/b\n", fstest.MapFS{
			"a/b/cpu.max": {Data: []byte("max 100000\n")},
			"a/cpu.max":   {Data: []byte("100000 100000\n")},
		}, 1, true},
		{"v2 root in a namespace", "0::/\n", fstest.MapFS{"cpu.max": {Data: []byte("300000 100000\n")}}, 3, true},
		{"v1", "4:memory:/x\n1:cpu,cpuacct:/docker/abc\n", fstest.MapFS{
			"cpu,cpuacct/docker/abc/cpu.cfs_quota_us":  {Data: []byte("200000\n")},
			"cpu,cpuacct/docker/abc/cpu.cfs_period_us": {Data: []byte("100000\n")},
		}, 2, true},
		{"v1 unlimited", "1:cpu:/\n", fstest.MapFS{
			"cpu/cpu.cfs_quota_us":  {Data: []byte("-1\n")},
			"cpu/cpu.cfs_period_us": {Data: []byte("100000\n")},
		}, 0, false},
		{"small quota is one", "0::/\n", fstest.MapFS{"cpu.max": {Data: []byte("10000 100000\n")}}, 1, true},
		{"nothing mounted", "0::/box\n", fstest.MapFS{}, 0, false},
	} {
		got, ok := cgroupQuota(tc.fs, tc.cgroup)
		if got != tc.want || ok != tc.ok {
			t.Errorf("%s: cgroupQuota = %d, %v; want %d, %v", tc.name, got, ok, tc.want, tc.ok)
		}
	}
}

func TestDefaultProcessesIsPositive(t *testing.T) {
	if n := DefaultProcesses(); n < 1 {
		t.Fatalf("DefaultProcesses() = %d", n)
	}
}
