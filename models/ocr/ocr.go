// Package ocr reads the text in images with Tesseract (Debian's
// tesseract-ocr with the Arabic data of tesseract-ocr-ara), run as a
// separate process with a time limit, so that a hostile image can cost at
// most one process and never the engine.
package ocr

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"image"
	"image/color"
	_ "image/gif" // decoders
	_ "image/jpeg"
	"image/png"
	"os/exec"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// Defaults for a Reader's zero fields.
const (
	DefaultLanguages = "ara+eng"
	DefaultTimeout   = 20 * time.Second
	// DefaultMaxPixels bounds the images handed to Tesseract (width × height).
	DefaultMaxPixels = 25_000_000
	// DefaultMaxBytes bounds the encoded image.
	DefaultMaxBytes = 20 << 20
	// MaxText bounds the text kept from one image.
	MaxText = 8000
)

// ErrUnavailable is returned when the tesseract command or its language
// data is not installed.
var ErrUnavailable = errors.New("tesseract is not installed (Debian: tesseract-ocr tesseract-ocr-ara)")

// Reader runs Tesseract. The zero value reads Arabic and English with the
// defaults above.
type Reader struct {
	// Command is the tesseract executable; "" looks up "tesseract" on PATH.
	Command string
	// Languages are Tesseract's language codes joined by "+".
	Languages string
	// Timeout bounds one image.
	Timeout time.Duration
	// MaxPixels and MaxBytes bound the images read; larger ones are refused.
	MaxPixels int
	MaxBytes  int
}

func (r *Reader) command() (string, error) {
	name := r.Command
	if name == "" {
		name = "tesseract"
	}
	path, err := exec.LookPath(name)
	if err != nil {
		return "", fmt.Errorf("%w: %v", ErrUnavailable, err)
	}
	return path, nil
}

// Available reports whether Tesseract and the Reader's languages are
// installed, with an error saying what is missing.
func (r *Reader) Available(ctx context.Context) error {
	path, err := r.command()
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, path, "--list-langs").CombinedOutput()
	if err != nil {
		return fmt.Errorf("%w: tesseract --list-langs: %v", ErrUnavailable, err)
	}
	have := map[string]bool{}
	for _, l := range strings.Split(string(out), "\n") {
		have[strings.TrimSpace(l)] = true
	}
	for _, l := range strings.Split(r.languages(), "+") {
		if !have[l] {
			return fmt.Errorf("%w: no language data for %q", ErrUnavailable, l)
		}
	}
	return nil
}

func (r *Reader) languages() string {
	if r.Languages == "" {
		return DefaultLanguages
	}
	return r.Languages
}

// Read returns the text Tesseract finds in the encoded image img (JPEG, PNG
// or GIF), with lines joined by newlines, blank lines and stray marks
// removed, at most MaxText bytes. An image too large, not an image, or one
// Tesseract cannot read in time is an error.
func (r *Reader) Read(ctx context.Context, img []byte) (string, error) {
	maxBytes, maxPixels, timeout := r.MaxBytes, r.MaxPixels, r.Timeout
	if maxBytes <= 0 {
		maxBytes = DefaultMaxBytes
	}
	if maxPixels <= 0 {
		maxPixels = DefaultMaxPixels
	}
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	if len(img) > maxBytes {
		return "", fmt.Errorf("reading text in an image: %d bytes is over the limit of %d", len(img), maxBytes)
	}
	cfg, format, err := image.DecodeConfig(bytes.NewReader(img))
	if err != nil {
		return "", fmt.Errorf("reading text in an image: not a JPEG, PNG or GIF image: %w", err)
	}
	if cfg.Width <= 0 || cfg.Height <= 0 || cfg.Width*cfg.Height > maxPixels {
		return "", fmt.Errorf("reading text in a %s image: %d×%d pixels is over the limit of %d", format, cfg.Width, cfg.Height, maxPixels)
	}
	path, err := r.command()
	if err != nil {
		return "", err
	}
	prepared, err := prepare(img)
	if err != nil {
		return "", fmt.Errorf("reading text in a %s image: %w", format, err)
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	// --psm 3: automatic page segmentation; stdin/stdout keep files out of it.
	cmd := exec.CommandContext(ctx, path, "stdin", "stdout", "-l", r.languages(), "--psm", "3")
	cmd.Stdin = bytes.NewReader(prepared)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	cmd.Env = []string{"OMP_THREAD_LIMIT=1"}
	if err := cmd.Run(); err != nil {
		if ctx.Err() != nil {
			return "", fmt.Errorf("reading text in a %s image: tesseract took over %s", format, timeout)
		}
		return "", fmt.Errorf("reading text in a %s image: tesseract: %v: %s", format, err, firstLine(stderr.String()))
	}
	return Clean(stdout.String()), nil
}

// prepare makes an image easier for Tesseract: grey, dark text on a light
// ground (memes often set light text on dark), and small images scaled up
// twice, since Tesseract misses lines of Arabic set smaller than about 40
// pixels. It returns a PNG.
func prepare(img []byte) ([]byte, error) {
	src, _, err := image.Decode(bytes.NewReader(img))
	if err != nil {
		return nil, fmt.Errorf("decoding: %w", err)
	}
	b := src.Bounds()
	w, h := b.Dx(), b.Dy()
	scale := 1
	if max(w, h) <= 1600 {
		scale = 2
	}
	grey := image.NewGray(image.Rect(0, 0, w, h))
	var sum uint64
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			c := color.GrayModel.Convert(src.At(b.Min.X+x, b.Min.Y+y)).(color.Gray)
			grey.Pix[y*grey.Stride+x] = c.Y
			sum += uint64(c.Y)
		}
	}
	invert := sum < uint64(w*h)*128
	out := image.NewGray(image.Rect(0, 0, w*scale, h*scale))
	for y := 0; y < h*scale; y++ {
		row := grey.Pix[(y/scale)*grey.Stride:]
		dst := out.Pix[y*out.Stride:]
		for x := 0; x < w*scale; x++ {
			v := row[x/scale]
			if invert {
				v = 255 - v
			}
			dst[x] = v
		}
	}
	var buf bytes.Buffer
	enc := png.Encoder{CompressionLevel: png.BestSpeed}
	if err := enc.Encode(&buf, out); err != nil {
		return nil, fmt.Errorf("encoding for OCR: %w", err)
	}
	return buf.Bytes(), nil
}

// Clean tidies Tesseract's output: invalid UTF-8 and control characters
// dropped, lines trimmed, lines without a letter or digit removed, at most
// MaxText bytes (cut at a character boundary).
func Clean(s string) string {
	s = strings.ToValidUTF8(s, "")
	var lines []string
	for _, l := range strings.Split(s, "\n") {
		l = strings.Map(func(r rune) rune {
			if unicode.IsControl(r) && r != '\t' {
				return -1
			}
			return r
		}, l)
		l = strings.Join(strings.Fields(l), " ")
		if strings.IndexFunc(l, func(r rune) bool { return unicode.IsLetter(r) || unicode.IsDigit(r) }) < 0 {
			continue
		}
		lines = append(lines, l)
	}
	out := strings.Join(lines, "\n")
	if len(out) > MaxText {
		cut := MaxText
		for cut > 0 && !utf8.RuneStart(out[cut]) {
			cut--
		}
		out = out[:cut]
	}
	return out
}

func firstLine(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		s = s[:i]
	}
	if len(s) > 200 {
		s = s[:200]
	}
	return s
}
