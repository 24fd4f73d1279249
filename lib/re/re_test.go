package re

import (
	"fmt"
	"testing"

	"github.com/mpstar/mpstar/lib/internal/startest"
)

func TestTranslation(t *testing.T) {
	startest.Run(t, []startest.Case{
		{Src: `print(re.findall(r"\d+", "٣ 12 x"))`, Want: `["٣", "12"]`},
		{Src: `print(re.findall(r"\w+", "naïve café"))`, Want: `["naïve", "café"]`},
		{Src: `print(re.split(r"\s+", "a\u00a0b\u2003c\x0bd"))`, Want: `["a", "b", "c", "d"]`},
		{Src: `print(re.findall(r"[\w-]+", "a-b c_d"))`, Want: `["a-b", "c_d"]`},
		{Src: `print(re.findall(r"a\Z", "a a"), re.findall(r"\u0041\U00000042\101\x43", "ABAC"))`, Want: `["a"] ["ABAC"]`},
		{Src: `print(re.findall(r"(?x) a  b # comment", "ab a b"), re.findall("a b", "ab a b", re.X))`, Want: `["ab"] ["ab"]`},
		{Src: `print(re.findall(r"(?x)a\ b [ ]c", "a b c"))`, Want: `["a b c"]`},
		{Src: `print(re.findall(r"a{,2}b", "aaab"), re.findall(r"a(?#note)b", "ab"))`, Want: `["aab"] ["ab"]`},
		{Src: `print(re.findall(r"[]a]+", "]a]"), re.findall(r"[\b]", "\b"))`, Want: `["]a]"] ["\b"]`},
		{Src: `print(re.findall(r"(?i:A)b", "ab AB Ab"), re.findall(r"(?au:\w)", "é"))`, Want: `["ab", "Ab"] ["é"]`},
		{Src: `print(re.findall(r"\w", "é", re.ASCII))`, Want: `[]`},
		{Src: `print(re.match(r"(\w+)$", "abc\n").group(1))`, Want: `abc`},
		{Src: `print(re.findall(r"^\w", "a\nb", re.M), re.findall(r"\w$", "a\nb", re.M))`, Want: `["a", "b"] ["a", "b"]`},
		{Src: `re.compile(r"(a)\1")`, Err: `re.error: the backreference \1 at position 3`},
		{Src: `re.compile(r"[\1]")`, Err: `re.error: bad escape \1`},
		{Src: `re.compile(r"a(?<=b)")`, Err: `lookbehind assertion (?<=...) at position 1`},
		{Src: `re.compile(r"a++")`, Err: `possessive quantifier ++ at position 1`},
		{Src: `re.compile(r"(?P<n>a)(?P=n)")`, Err: `backreference (?P=n) at position 8`},
		{Src: `re.compile(r"(a")`, Err: `re.error: missing ), unterminated subpattern at position 0`},
		{Src: `re.compile(r"((a)")`, Err: `re.error: missing ), unterminated subpattern at position 0`},
		{Src: `re.compile(r"a)b")`, Err: `re.error: unbalanced parenthesis at position 1`},
		{Src: `re.compile(r"\u12")`, Err: `re.error: incomplete escape \u12 at position 0`},
	}, Module)
}

func TestMatching(t *testing.T) {
	startest.Run(t, []startest.Case{
		// Python 3.7's empty-match rules, which RE2's FindAll does not follow.
		{Src: `print(re.findall("x*", "abxd"), re.sub("x*", "-", "abxd"))`, Want: `["", "", "x", "", ""] -a-b--d-`},
		{Src: `print(re.split("x*", "axbc"), re.split(r"\b", "a b"))`, Want: `["", "a", "", "b", "c", ""] ["", "a", " ", "b", ""]`},
		// A search from pos sees the text before it.
		{Src: `p = re.compile(r"\bb|^c")
print(p.search("ab b", 1).span(), p.search("cc", 1))`, Want: `(3, 4) None`},
		{Src: `print(re.sub("^a", "X", "aaa"), re.compile("a").sub("b", "aaaa", 3))`, Want: `Xaa bbba`},
		{Src: `print(re.compile(r"a+").match("baa", 1).span(), re.compile("a+").fullmatch("baab", 1, 3).span())`, Want: `(1, 3) (1, 3)`},
		{Src: `print(re.compile("a").search("ba", 0, 1), re.compile("$").search("ab", 0, 1).span())`, Want: `None (1, 1)`},
		{Src: `m = re.match(r"(?P<a>x)(y)?", "x")
print(m.groups(), m.groups(0), m.groupdict(), m.span(2), m.lastindex, m.lastgroup, m.re.pattern, m.string)`, Want: `("x", None) ("x", 0) {"a": "x"} (-1, -1) 1 a (?P<a>x)(y)? x`},
		{Src: `print(re.match("(a)(b)", "ab").expand(r"\2\1\g<0>\n\\"))`, Want: "baab\n\\"},
		{Src: `print(re.sub("a", r"\0\01", "a") == "\x00\x01", re.sub("(a)", r"\1\061", "a"))`, Want: `True a1`},
		{Src: `print(re.sub(r"(\w)", lambda m: m.group(1).upper(), "ab"), re.subn("b", "c", "abb"))`, Want: `AB ("acc", 2)`},
		{Src: `print(re.compile("a", re.I | re.M), re.match("a", "a"), re.compile("a").flags, re.compile("a", re.A).flags)`, Want: `re.compile('a', re.IGNORECASE|re.MULTILINE) <re.Match object; span=(0, 1), match='a'> 32 256`},
		{Src: `print(re.escape("a-b.c d\t"), re.compile("a") == re.compile("a"))`, Want: "a\\-b\\.c\\ d\\\t True"},
		{Src: `re.sub("a", lambda m: 1, "a")`, Err: "expected str instance, int found"},
		{Src: `re.sub("(a)", r"\g<2>", "a")`, Err: "re.error: invalid group reference 2 at position 3"},
		{Src: `re.sub("(a)", r"\g<b>", "a")`, Err: "IndexError: unknown group name 'b'"},
		{Src: `re.sub("(a)", r"\g<1", "a")`, Err: "re.error: missing >, unterminated name at position 3"},
		{Src: `re.match("a", "a").group(1)`, Err: "IndexError: no such group"},
		{Src: `re.compile(re.compile("a"), re.I)`, Err: "ValueError: cannot process flags argument with a compiled pattern"},
	}, Module)
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
