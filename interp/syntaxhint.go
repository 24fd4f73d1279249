package interp

// Syntax errors shown as Python shows them (the source line and a caret
// under the offending token), with a hint when the code is Python that
// Starlark does not have: a porting user sees the mpstar way to write it
// rather than only the parser's "got import, want primary expression".

import (
	"fmt"
	"strings"

	"go.starlark.net/syntax"
)

// statementHints are the hints for Python statements Starlark lacks, by
// the keyword that starts them.
var statementHints = map[string]string{
	"try":      `Starlark has no try: "value, err = catch(f, *args)" calls f and returns its error instead of raising it`,
	"except":   `Starlark has no try/except: "value, err = catch(f, *args)" calls f and returns its error; test it with err.is_a("KeyError")`,
	"finally":  `Starlark has no try/finally: "with_(obj, f, *args)" releases obj however f ends`,
	"raise":    `Starlark has no raise: fail("message") raises, and fail(err) re-raises an error from catch`,
	"class":    `Starlark has no classes: use struct(...) for records, a function returning a struct of closures for objects, and BaseManager.register for a custom manager type`,
	"with":     `Starlark has no with: "with_(obj, f, *args)" calls f(*args) holding obj (a lock, a pool, a manager)`,
	"global":   `Starlark has no global statement: top-level code reassigns globals; a function changes shared state through a dict or list it mutates`,
	"nonlocal": `Starlark has no nonlocal statement: a function changes enclosing state through a dict or list it mutates`,
	"del":      `Starlark has no del: use d.pop(key), l.pop(i) or l.remove(x)`,
	"assert":   `Starlark has no assert: write "if not cond: fail(message)"`,
	"yield":    `Starlark has no generators: build and return a list`,
	"async":    `Starlark has no async: start a Process or use a Pool`,
	"await":    `Starlark has no await: call AsyncResult.get() or join() to wait`,
}

// formatSyntaxError renders a syntax error as Python does, with line the
// source line at the error ("" if unknown).
func formatSyntaxError(se syntax.Error, line string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "  File \"%s\", line %d\n", se.Pos.Filename(), se.Pos.Line)
	msg := se.Msg
	if line != "" {
		// Python shows the line without its indentation.
		text := strings.TrimLeft(line, " \t")
		col := tokenStart(se.Msg, text, max(int(se.Pos.Col)-1-(len(line)-len(text)), 0))
		hint, at := syntaxHint(se.Msg, text, col)
		if hint != "" {
			msg += ". " + hint
			col = at
		}
		fmt.Fprintf(&b, "    %s\n    %s^\n", text, strings.Repeat(" ", col))
	}
	fmt.Fprintf(&b, "SyntaxError: %s\n", msg)
	return b.String()
}

// tokenStart returns the column of the token a parser error is about:
// the parser reports "want primary expression" at the token, and its other
// errors just after it.
func tokenStart(msg, line string, col int) int {
	if strings.HasSuffix(msg, "want primary expression") || col == 0 || col > len(line) {
		return col
	}
	start := col - 1
	for start > 0 && isWordByte(line[start-1]) && isWordByte(line[col-1]) {
		start--
	}
	return start
}

func isWordByte(c byte) bool {
	return c == '_' || '0' <= c && c <= '9' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z'
}

// syntaxHint returns the mpstar way of writing the Python construct that
// line (without indentation) holds, where the parser stopped near col, and
// the column of the construct; or "".
func syntaxHint(msg, line string, col int) (string, int) {
	words := strings.Fields(strings.NewReplacer(":", " ", "(", " ").Replace(line))
	if len(words) == 0 {
		return "", 0
	}
	switch words[0] {
	case "import":
		if len(words) > 1 {
			return fmt.Sprintf(`Starlark has no import: write load("%s", "name", ...) to bind names of a module (built-in modules such as os, time and sys are also predeclared under their own names)`, strings.TrimSuffix(words[1], ",")), 0
		}
	case "from":
		if len(words) > 3 && words[2] == "import" {
			names := strings.Split(strings.Join(words[3:], ""), ",")
			return fmt.Sprintf(`Starlark has no import: write load("%s", "%s")`, words[1], strings.Join(names, `", "`)), 0
		}
	}
	if hint, ok := statementHints[words[0]]; ok {
		return hint, 0
	}
	if strings.HasPrefix(msg, "got is,") {
		return `Starlark has no "is": compare with == or != (x == None)`, col
	}
	if i := strings.LastIndex(line[:col], "{"); i >= 0 && strings.HasPrefix(msg, "got ',', want ':'") {
		return `Starlark has no set literals: write set([1, 2])`, i
	}
	return "", 0
}
