package re

import (
	"fmt"
	"testing"

	"go.starlark.net/starlark"

	"github.com/mpstar/mpstar/internal/scripttest"
)

// TestStarlarkFiles runs testdata/re.star with the re module predeclared.
func TestStarlarkFiles(t *testing.T) {
	scripttest.Run(t, "*.star", scripttest.Options{Env: scripttest.Names(starlark.StringDict{"re": Module})})
}

// TestClassRun checks the fast path for C+ patterns against RE2's matches.
func TestClassRun(t *testing.T) {
	texts := []string{
		"hello, wörld 42 _x_ naïve 日本語 ٣٤ a\xffb \t\n end",
		"", "!!!", "abc", "ABC def, GHI;jkl mno", "1,2,,3 , 4",
	}
	for _, pat := range []string{`\w+`, `[a-z]+`, `(?i)[a-k]+`, `(\d+)`, `[^,\s]+`, `\S+`, `[\W]+`, `\s+`} {
		p, err := compile(pat, 0)
		if err != nil {
			t.Fatal(err)
		}
		if p.run == nil {
			t.Errorf("%s: no fast path", pat)
			continue
		}
		for _, s := range texts {
			var got [][]int
			p.run.each(s, 0, len(s), 0, func(loc []int) bool { got = append(got, loc); return true })
			want := p.re.FindAllStringSubmatchIndex(s, -1)
			if fmt.Sprint(got) != fmt.Sprint(want) && !(len(got) == 0 && len(want) == 0) {
				t.Errorf("%s on %q: got %v, want %v", pat, s, got, want)
			}
		}
	}
}
