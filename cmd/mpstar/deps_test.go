package main

import (
	"os/exec"
	"strings"
	"testing"
)

// TestNoCgo keeps mpstar a static binary however it is built: importing a
// package that uses cgo (net, os/user) links libc dynamically, and every
// child process then spends about a millisecond more in the dynamic loader
// and cgo's start-up, a third of a spawn.
func TestNoCgo(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", "-f", "{{if .CgoFiles}}{{.ImportPath}}{{end}}", ".").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	if pkgs := strings.Fields(string(out)); len(pkgs) > 0 {
		t.Errorf("mpstar depends on packages that use cgo: %s", strings.Join(pkgs, ", "))
	}
}

// TestNoNATS keeps the cluster backend out of mpstar: its NATS client
// would link package net and make every child start slower; scripts that
// use clusters run with mpstar-cluster instead.
func TestNoNATS(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", ".").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	for _, pkg := range strings.Fields(string(out)) {
		if strings.HasPrefix(pkg, "github.com/nats-io/") || pkg == "net" || strings.HasPrefix(pkg, "github.com/mpstar/mpstar/cluster") {
			t.Errorf("mpstar depends on %s, which belongs to mpstar-cluster only", pkg)
		}
	}
}
