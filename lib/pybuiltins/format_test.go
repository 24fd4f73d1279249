package pybuiltins

import (
	"bufio"
	"encoding/json"
	"math/big"
	"os"
	"strconv"
	"testing"

	"go.starlark.net/starlark"

	"github.com/mpstar/mpstar/internal/builtins/exceptions"
)

// TestFormatTable checks format(value, spec) against CPython's output for
// every value and spec of testdata/format_table.jsonl (made by
// format_table.py).
func TestFormatTable(t *testing.T) {
	f, err := os.Open("testdata/format_table.jsonl")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	n := 0
	for sc.Scan() {
		var row [5]*string
		if err := json.Unmarshal(sc.Bytes(), &row); err != nil {
			t.Fatal(err)
		}
		kind, rep, spec := *row[0], *row[1], *row[2]
		got, err := Format(tableValue(t, kind, rep), spec)
		switch {
		case row[4] != nil && err == nil:
			t.Errorf("format(%s %s, %q) = %q, want %s", kind, rep, spec, got, *row[4])
		case row[4] != nil && errText(err) != *row[4]:
			t.Errorf("format(%s %s, %q) failed with %q, want %s", kind, rep, spec, errText(err), *row[4])
		case row[4] == nil && err != nil:
			t.Errorf("format(%s %s, %q) failed: %v, want %q", kind, rep, spec, err, *row[3])
		case row[4] == nil && got != *row[3]:
			t.Errorf("format(%s %s, %q) = %q, want %q", kind, rep, spec, got, *row[3])
		}
		n++
	}
	if n < 1000 {
		t.Fatalf("only %d rows in the table", n)
	}
}

func tableValue(t *testing.T, kind, rep string) starlark.Value {
	switch kind {
	case "int":
		n, _ := new(big.Int).SetString(rep, 10)
		return starlark.MakeBigInt(n)
	case "float":
		f, err := strconv.ParseFloat(rep, 64)
		if err != nil {
			t.Fatal(err)
		}
		return starlark.Float(f)
	case "bool":
		return starlark.Bool(rep == "True")
	}
	return starlark.String(rep)
}

func errText(err error) string {
	if typ := exceptions.TypeOf(err); typ != nil {
		return typ.Name() + ": " + err.Error()
	}
	return err.Error()
}
