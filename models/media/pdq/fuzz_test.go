package pdq

import (
	"bytes"
	"image"
	"image/gif"
	"image/jpeg"
	"image/png"
	"os"
	"path/filepath"
	"testing"

	"github.com/rasd-iq/rasd/models/media/mediatest"
)

// FuzzDecodeAndHash: any bytes given to FromReader give a hash or an error,
// never a panic; a hash comes with a quality between 0 and 100. Run it with
// a short minimisation time (go test -fuzz FuzzDecodeAndHash
// -fuzzminimizetime 5s): minimising a JPEG input runs for long without
// reporting executions.
func FuzzDecodeAndHash(f *testing.F) {
	img := noise(37, 23, 5)
	for _, enc := range []func(*bytes.Buffer) error{
		func(b *bytes.Buffer) error { return png.Encode(b, img) },
		func(b *bytes.Buffer) error { return jpeg.Encode(b, img, &jpeg.Options{Quality: 50}) },
		func(b *bytes.Buffer) error { return gif.Encode(b, img, nil) },
	} {
		var buf bytes.Buffer
		if err := enc(&buf); err != nil {
			f.Fatal(err)
		}
		f.Add(buf.Bytes())
	}
	f.Add([]byte("GIF89a\xff\xff\xff\xff\x00\x00\x00"))
	f.Add([]byte("\x89PNG\r\n\x1a\n"))
	f.Add([]byte("RIFF\x00\x00\x00\x00WEBPVP8 "))
	if os.Getenv(mediatest.DirEnv) != "" || os.Getenv(mediatest.RequireEnv) != "" {
		// With the shared data: one real photograph, truncated.
		dir := mediatest.Dir(f, "pdq")
		if b, err := os.ReadFile(filepath.Join(dir, "images", "bridge-1-original.jpg")); err == nil {
			f.Add(b[:len(b)/3])
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		// Keep each run small: headers that claim large images are
		// covered by TestDecodeRefusesHugeImages.
		if cfg, _, err := image.DecodeConfig(bytes.NewReader(data)); err == nil && cfg.Width*cfg.Height > 1<<20 {
			return
		}
		_, q, err := FromReader(bytes.NewReader(data))
		if err == nil && (q < 0 || q > 100) {
			t.Errorf("quality %d", q)
		}
	})
}
