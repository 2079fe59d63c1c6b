package ocr_test

import (
	"bytes"
	"context"
	"image"
	"image/png"
	"strings"
	"testing"

	"github.com/rasd-iq/rasd/models/ocr"
	"github.com/rasd-iq/rasd/models/ocr/ocrtest"
	"github.com/rasd-iq/rasd/nlp"
)

func TestReadsArabicTextInAnImage(t *testing.T) {
	ocrtest.RequireTesseract(t)
	img := ocrtest.Render(t, "داعش تهدد الناشطين في بغداد")
	var r ocr.Reader
	got, err := r.Read(context.Background(), img)
	if err != nil {
		t.Fatal(err)
	}
	// Compared after normalisation, as the engine scores it.
	norm := nlp.Normalize(got)
	for _, w := range []string{"داعش", "الناشطين", "بغداد"} {
		if !strings.Contains(norm, nlp.Normalize(w)) {
			t.Errorf("OCR text %q (normalised %q) lacks %q", got, norm, w)
		}
	}
}

func TestReadsTwoLinesOfLightTextOnDark(t *testing.T) {
	ocrtest.RequireTesseract(t)
	img := ocrtest.RenderStyled(t, "الدولة الإسلامية باقية وتتمدد\nانضموا إلى صفوف المجاهدين", "#111111", "white")
	var r ocr.Reader
	got, err := r.Read(context.Background(), img)
	if err != nil {
		t.Fatal(err)
	}
	norm := nlp.Normalize(got)
	for _, w := range []string{"باقية", "وتتمدد", "انضموا", "المجاهدين"} {
		if !strings.Contains(norm, nlp.Normalize(w)) {
			t.Errorf("OCR text %q lacks %q", got, w)
		}
	}
}

func TestBlankImageHasNoText(t *testing.T) {
	ocrtest.RequireTesseract(t)
	img := image.NewGray(image.Rect(0, 0, 200, 100))
	for i := range img.Pix {
		img.Pix[i] = 255
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	var r ocr.Reader
	got, err := r.Read(context.Background(), buf.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	if got != "" {
		t.Fatalf("blank image read as %q", got)
	}
}

func TestRefusesWhatIsNotAnImageOrTooLarge(t *testing.T) {
	var r ocr.Reader
	if _, err := r.Read(context.Background(), []byte("<html>not an image</html>")); err == nil || !strings.Contains(err.Error(), "not a JPEG, PNG or GIF") {
		t.Fatalf("html: %v", err)
	}
	// A PNG header that claims 100000×100000 pixels is refused before decoding.
	big := image.NewGray(image.Rect(0, 0, 2, 2))
	var buf bytes.Buffer
	if err := png.Encode(&buf, big); err != nil {
		t.Fatal(err)
	}
	r = ocr.Reader{MaxPixels: 3}
	if _, err := r.Read(context.Background(), buf.Bytes()); err == nil || !strings.Contains(err.Error(), "over the limit") {
		t.Fatalf("too many pixels: %v", err)
	}
	r = ocr.Reader{MaxBytes: 10}
	if _, err := r.Read(context.Background(), buf.Bytes()); err == nil || !strings.Contains(err.Error(), "over the limit") {
		t.Fatalf("too many bytes: %v", err)
	}
}

func TestMissingTesseractIsAClearError(t *testing.T) {
	r := ocr.Reader{Command: "tesseract-that-is-not-installed"}
	if err := r.Available(context.Background()); err == nil || !strings.Contains(err.Error(), "not installed") {
		t.Fatalf("Available: %v", err)
	}
	r.Languages = "ara"
	img := image.NewGray(image.Rect(0, 0, 4, 4))
	var buf bytes.Buffer
	_ = png.Encode(&buf, img)
	if _, err := r.Read(context.Background(), buf.Bytes()); err == nil || !strings.Contains(err.Error(), "not installed") {
		t.Fatalf("Read: %v", err)
	}
}

func TestCleanKeepsLinesWithLettersOnly(t *testing.T) {
	got := ocr.Clean("  داعش \x01 تهدد \n\n ... \n|\n line\xff two \n")
	if got != "داعش تهدد\nline two" {
		t.Fatalf("Clean: %q", got)
	}
	long := ocr.Clean(strings.Repeat("ع", ocr.MaxText))
	if len(long) > ocr.MaxText || !strings.HasPrefix(long, "ع") || strings.ToValidUTF8(long, "?") != long {
		t.Fatalf("long text cut badly: %d bytes", len(long))
	}
}

func BenchmarkReadImage(b *testing.B) {
	ocrtest.RequireTesseract(b)
	img := ocrtest.Render(b, "داعش تهدد الناشطين في بغداد")
	var r ocr.Reader
	for b.Loop() {
		if _, err := r.Read(context.Background(), img); err != nil {
			b.Fatal(err)
		}
	}
}
