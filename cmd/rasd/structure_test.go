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

// TestTopLevelShape: the repository's top level holds the Go packages the
// design names and, beside them, only non-Go folders, so a stray program
// (a scratch main package, a copied tool) cannot slip in.
func TestTopLevelShape(t *testing.T) {
	allowed := map[string]bool{"cmd": true, "ingest": true, "nlp": true, "models": true, "index": true, "review": true,
		"policy": true, "eval": true, "docs": true, "testdata": true, "scripts": true, "web": true, "examples": true, ".ci": true}
	out, err := exec.Command("git", "-C", filepath.Join("..", ".."), "ls-files").Output()
	if err != nil {
		t.Skipf("not a git checkout: %v", err)
	}
	for _, f := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		top, _, nested := strings.Cut(f, "/")
		if nested && !allowed[top] {
			t.Errorf("%s: top-level folder %q is not part of the design (cmd, ingest, nlp, models, index, review, policy, eval and non-Go folders)", f, top)
		}
	}
}
