package time

import (
	"testing"
	"time"

	"github.com/mpstar/mpstar/lib/internal/startest"
)

func TestStructTime(t *testing.T) {
	local := time.Local
	time.Local = time.UTC // the expected %s, mktime and localtime are UTC's
	defer func() { time.Local = local }()
	startest.Run(t, []startest.Case{
		{Src: `t = (2024, 3, 5, 14, 7, 9, 1, 65, 0)
for f in ['%a %A %b %B %c', '%d %e %D %F %H %I %j %k %l %m %M %p %P %r %R %S %T %u %U %V %w %W %x %X %y %Y %C %g %G %h %n%t %%', '%-d/%-m %_d %Q', '%s']:
    print(repr(time.strftime(f, t)))`, Want: `"Tue Tuesday Mar March Tue Mar  5 14:07:09 2024"
"05  5 03/05/24 2024-03-05 14 02 065 14  2 03 07 PM pm 02:07:09 PM 14:07 09 14:07:09 2 09 10 2 10 03/05/24 14:07:09 24 2024 20 24 2024 Mar \n\t %"
"5/3  5 %Q"
"1709647629"`},
		{Src: `print(time.strptime('2024-03-05 14:07:09', '%Y-%m-%d %H:%M:%S'))
print(time.strptime('5 mar 24  2:07PM', '%d %b %y %I:%M%p'))
print(time.strptime('Tue Mar  5 14:07:09 2024'))
print(time.strptime('2024-03-05T14:07:09+0530', '%Y-%m-%dT%H:%M:%S%z').tm_gmtoff, time.strptime('12', '%j'))`, Want: `time.struct_time(tm_year=2024, tm_mon=3, tm_mday=5, tm_hour=14, tm_min=7, tm_sec=9, tm_wday=1, tm_yday=65, tm_isdst=-1)
time.struct_time(tm_year=2024, tm_mon=3, tm_mday=5, tm_hour=14, tm_min=7, tm_sec=0, tm_wday=1, tm_yday=65, tm_isdst=-1)
time.struct_time(tm_year=2024, tm_mon=3, tm_mday=5, tm_hour=14, tm_min=7, tm_sec=9, tm_wday=1, tm_yday=65, tm_isdst=-1)
19800 time.struct_time(tm_year=1900, tm_mon=1, tm_mday=12, tm_hour=0, tm_min=0, tm_sec=0, tm_wday=4, tm_yday=12, tm_isdst=-1)`},
		{Src: `g = time.gmtime(0)
print(g, g.tm_zone, g.tm_gmtoff, g[0], len(g), tuple(g)[:3])
print(time.mktime(time.gmtime(86400)), time.strftime('%Y-%m-%d %H:%M:%S %Z %z', time.gmtime(86400*365)))`, Want: `time.struct_time(tm_year=1970, tm_mon=1, tm_mday=1, tm_hour=0, tm_min=0, tm_sec=0, tm_wday=3, tm_yday=1, tm_isdst=0) GMT 0 1970 9 (1970, 1, 1)
86400.0 1971-01-01 00:00:00 GMT +0000`},
		{Src: `time.strptime('2023-02-30', '%Y-%m-%d')`, Err: "ValueError: day is out of range for month"},
		{Src: `time.strptime('2024-13-01', '%Y-%m-%d')`, Err: "ValueError: time data '2024-13-01' does not match format '%Y-%m-%d'"},
		{Src: `time.strptime('2024-01-01x', '%Y-%m-%d')`, Err: "ValueError: unconverted data remains: x"},
		{Src: `time.strptime('2024', '%Q')`, Err: "ValueError: 'Q' is a bad directive in format '%Q'"},
		{Src: `time.strptime('2024', '%Y%')`, Err: "ValueError: stray % in format '%Y%'"},
		{Src: `time.strftime('%Y', (2024, 13, 1, 0, 0, 0, 0, 1, 0))`, Err: "ValueError: month out of range"},
		{Src: `time.strftime('%Y', [1])`, Err: "TypeError: Tuple or struct_time argument required"},
	}, Module)
}
