// Package ocrtest gives tests images of Arabic text, rendered with Pango
// (Debian's pango1.0-tools, which shapes Arabic as browsers do), and skips
// or fails tests that need Tesseract where it is missing.
package ocrtest

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/rasd-iq/rasd/models/ocr"
)

// required reports whether missing tools fail tests rather than skip them
// (make test sets RASD_TEST_REQUIRE_SERVERS).
func required() bool { return os.Getenv("RASD_TEST_REQUIRE_SERVERS") != "" }

func missing(t testing.TB, what string) {
	t.Helper()
	if required() {
		t.Fatalf("%s (make test installs it: make debian)", what)
	}
	t.Skipf("%s; skipping", what)
}

// RequireTesseract skips t (fails it under make test) unless Tesseract with
// Arabic and English data is installed.
func RequireTesseract(t testing.TB) {
	t.Helper()
	var r ocr.Reader
	if err := r.Available(context.Background()); err != nil {
		missing(t, err.Error())
	}
}

// Render returns a PNG of text, black on white, in a font with Arabic
// letters, rendered by pango-view.
func Render(t testing.TB, text string) []byte {
	t.Helper()
	return RenderStyled(t, text, "white", "black")
}

// RenderStyled is Render with the given background and text colours
// (names or #rrggbb), lines centred, in bold.
func RenderStyled(t testing.TB, text, background, foreground string) []byte {
	t.Helper()
	bin, err := exec.LookPath("pango-view")
	if err != nil {
		missing(t, "pango-view is not installed (Debian: pango1.0-tools)")
	}
	out := filepath.Join(t.TempDir(), "text.png")
	cmd := exec.Command(bin, "--text", text, "--font", "DejaVu Sans Bold 30", "--background", background,
		"--foreground", foreground, "--margin", "40", "--align", "center", "-q", "-o", out)
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("pango-view: %v: %s", err, b)
	}
	png, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	return png
}
