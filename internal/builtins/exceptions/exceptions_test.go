package exceptions

import (
	"errors"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

func TestHierarchy(t *testing.T) {
	for _, tc := range []struct {
		typ, base *Type
		want      bool
	}{
		{UnicodeDecodeError, ValueError, true},
		{KeyError, LookupError, true},
		{IndexError, LookupError, true},
		{ZeroDivisionError, ArithmeticError, true},
		{BrokenPipeError, OSError, true},
		{FileNotFoundError, OSError, true},
		{RecursionError, RuntimeError, true},
		{TimeoutError, ProcessError, true},
		{BufferTooShort, ProcessError, true},
		{Empty, Exception, true},
		{KeyboardInterrupt, Exception, false},
		{SystemExit, BaseException, true},
		{KeyError, IndexError, false},
		{ValueError, UnicodeDecodeError, false},
	} {
		if got := tc.typ.IsA(tc.base); got != tc.want {
			t.Errorf("%s.IsA(%s) = %v, want %v", tc.typ.Name(), tc.base.Name(), got, tc.want)
		}
	}
}

func TestNames(t *testing.T) {
	for name, want := range map[string]*Type{
		"queue.Empty":                  Empty,
		"Empty":                        Empty,
		"multiprocessing.TimeoutError": TimeoutError,
		"threading.BrokenBarrierError": BrokenBarrierError,
		"Error":                        StarlarkError,
	} {
		if got, ok := Lookup(name); !ok || got != want {
			t.Errorf("Lookup(%q) = %v, %v", name, got, ok)
		}
	}
	if !Empty.IsNamed("Exception") || !Empty.IsNamed("Empty") || Empty.IsNamed("queue.Full") {
		t.Error("queue.Empty's names are wrong")
	}
	foreign := Named("SomeNewError")
	if foreign.Name() != "SomeNewError" || !foreign.IsA(Exception) || !foreign.IsNamed("SomeNewError") {
		t.Errorf("a type from a peer: %v based on %v", foreign, foreign.Base())
	}
	if _, ok := Lookup("SomeNewError"); ok {
		t.Error("Named added to the table")
	}
}

func TestErrors(t *testing.T) {
	err := fmt.Errorf("context: %w", ValueError.Errorf("bad %d", 3))
	if TypeOf(err) != ValueError || err.Error() != "context: bad 3" {
		t.Errorf("got %v of type %v", err, TypeOf(err))
	}
	if !Is(err, Exception) || Is(err, LookupError) || Is(errors.New("plain"), Exception) {
		t.Error("Is walks the hierarchy of the error's type only")
	}
	if e := KeyError.WithArgs("'k'", nil); e.Type != KeyError || e.Msg != "'k'" {
		t.Errorf("WithArgs: %+v", e)
	}
}

func TestTableOrder(t *testing.T) {
	if len(table) > tableSize || len(byName) > tableSize {
		t.Errorf("the table has %d types and %d names: raise tableSize (%d)", len(table), len(byName), tableSize)
	}
	seen := map[*Type]bool{}
	for _, typ := range All() {
		if typ.Base() != nil && !seen[typ.Base()] {
			t.Errorf("%s is declared before its base %s", typ.Name(), typ.Base().Name())
		}
		seen[typ] = true
	}
}

// exceptionName matches a string that names a Python exception type.
var exceptionName = regexp.MustCompile(`^((queue|threading|multiprocessing)\.)?[A-Z]\w*(Error|Exception|Exit|Interrupt|Iteration)$|^queue\.(Empty|Full)$`)

// TestEveryRaisedTypeIsInTable fails when a type name is written as a
// string anywhere in the module's code (an mpcore error Kind, a name given
// to Named) and the table lacks it.
func TestEveryRaisedTypeIsInTable(t *testing.T) {
	root := filepath.Join("..", "..", "..")
	fset := token.NewFileSet()
	checked := 0
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return err
		}
		f, err := parser.ParseFile(fset, path, nil, parser.SkipObjectResolution)
		if err != nil {
			return err
		}
		ast.Inspect(f, func(n ast.Node) bool {
			lit, ok := n.(*ast.BasicLit)
			if !ok || lit.Kind != token.STRING {
				return true
			}
			s, err := strconv.Unquote(lit.Value)
			if err == nil && exceptionName.MatchString(s) {
				checked++
				if _, ok := Lookup(s); !ok {
					t.Errorf("%s: exception type %q is not in the table (internal/builtins/exceptions/table.go)", fset.Position(lit.Pos()), s)
				}
			}
			return true
		})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if checked == 0 {
		t.Fatal("found no exception names: the walk missed the module")
	}
}
