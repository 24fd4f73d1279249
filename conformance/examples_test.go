package conformance

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// examplesDir holds the example programs: each directory NAME has NAME.star,
// the same program in Python as NAME.py, its fixture data and NAME.out, the
// stdout both print.
const examplesDir = "../scripts/examples"

// TestExamples runs each example with mpstar and compares its stdout with
// the golden file; when python3 is on PATH it runs the Python original too,
// which must print the same lines.
func TestExamples(t *testing.T) {
	dirs, err := filepath.Glob(filepath.Join(examplesDir, "*", "*.star"))
	if err != nil || len(dirs) == 0 {
		t.Fatalf("no examples found: %v", err)
	}
	python, _ := exec.LookPath("python3")
	for _, script := range dirs {
		dir, name := filepath.Dir(script), filepath.Base(filepath.Dir(script))
		want, err := os.ReadFile(filepath.Join(dir, name+".out"))
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			compareStdout(t, dir, want, mpstarBin, name+".star")
		})
		if python != "" {
			t.Run(name+"/python", func(t *testing.T) {
				t.Parallel()
				compareStdout(t, dir, want, python, name+".py")
			})
		}
	}
}

// compareStdout runs argv in dir and checks its stdout.
func compareStdout(t *testing.T, dir string, want []byte, argv ...string) {
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Dir = dir
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("%v: %v\n%s", argv, err, stderr.Bytes())
	}
	if !bytes.Equal(stdout.Bytes(), want) {
		t.Errorf("%v: stdout differs from the golden file\n--- got ---\n%s--- want ---\n%s", argv, stdout.Bytes(), want)
	}
}
