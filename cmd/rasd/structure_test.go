package main

import (
	"bufio"
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestCommandIsWiringOnly: cmd/rasd parses flags and wires the packages
// that do the work, so none of its files grows past 300 lines.
func TestCommandIsWiringOnly(t *testing.T) {
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if n := bytes.Count(data, []byte("\n")); n >= 300 {
			t.Errorf("cmd/rasd/%s has %d lines: move what is not flags and wiring into its package", f, n)
		}
	}
}

// TestLayersPointDown: no package below the review layer (ingest, nlp,
// models, index, policy, eval) imports review, directly or not.
func TestLayersPointDown(t *testing.T) {
	out, err := exec.Command("go", "list", "-f", `{{.ImportPath}}{{range .Deps}} {{.}}{{end}}`, "../../...").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	const mod = "github.com/rasd-iq/rasd/"
	sc := bufio.NewScanner(bytes.NewReader(out))
	sc.Buffer(nil, 1<<22)
	checked := 0
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		pkg := strings.TrimPrefix(fields[0], mod)
		if strings.HasPrefix(pkg, "review") || strings.HasPrefix(pkg, "cmd") {
			continue
		}
		checked++
		for _, d := range fields[1:] {
			if d == mod+"review" || strings.HasPrefix(d, mod+"review/") {
				t.Errorf("%s depends on %s", pkg, strings.TrimPrefix(d, mod))
			}
		}
	}
	if checked < 20 {
		t.Fatalf("checked %d packages; go list gave too little", checked)
	}
}
