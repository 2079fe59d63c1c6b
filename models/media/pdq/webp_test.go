package pdq

import (
	"bytes"
	"image"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"golang.org/x/image/draw"
)

// TestWebP: a picture encoded as WebP (lossless and lossy, by ffmpeg's
// libwebp; Go has no WebP encoder) hashes like its pixels. Skipped without
// ffmpeg unless RASD_TEST_REQUIRE_SERVERS is set.
func TestWebP(t *testing.T) {
	if _, err := exec.LookPath("ffmpeg"); err != nil {
		if os.Getenv("RASD_TEST_REQUIRE_SERVERS") != "" {
			t.Fatalf("ffmpeg not found (install it with scripts/setup-debian.sh ffmpeg): %v", err)
		}
		t.Skipf("ffmpeg not found (install it with scripts/setup-debian.sh ffmpeg): %v", err)
	}
	img := image.NewNRGBA(image.Rect(0, 0, 320, 240))
	draw.CatmullRom.Scale(img, img.Bounds(), noise(32, 24, 9), image.Rect(0, 0, 32, 24), draw.Src, nil)
	want, _ := FromImage(img)
	dir := t.TempDir()
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	src := filepath.Join(dir, "in.png")
	if err := os.WriteFile(src, buf.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	for name, args := range map[string][]string{
		"lossless": {"-lossless", "1"},
		"lossy":    {"-quality", "75"},
	} {
		out := filepath.Join(dir, name+".webp")
		cmd := exec.Command("ffmpeg", append(append([]string{"-nostdin", "-loglevel", "error", "-i", src, "-c:v", "libwebp"}, args...), out)...)
		if b, err := cmd.CombinedOutput(); err != nil {
			t.Skipf("ffmpeg cannot write WebP here: %v\n%s", err, b)
		}
		h, q, err := FromFile(out)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		d := Distance(h, want)
		if d > matchDistance || q < 50 {
			t.Errorf("%s: %d bits from the pixels' hash, quality %d", name, d, q)
		}
		if name == "lossless" && d > 2 {
			t.Errorf("lossless WebP %d bits from the pixels' hash", d)
		}
		t.Logf("%s: %d bits", name, d)
	}
}
