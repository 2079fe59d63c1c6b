package pdq

import (
	"bytes"
	"errors"
	"fmt"
	"image"
	_ "image/gif"  // GIF decoding (first frame)
	_ "image/jpeg" // JPEG decoding
	_ "image/png"  // PNG decoding
	"io"
	"os"

	_ "golang.org/x/image/webp" // WebP decoding
)

// MaxPixels is the largest image, width × height, that FromReader and
// FromFile decode: 50 megapixels, about 200 MB of luminance while hashing.
const MaxPixels = 50_000_000

// ErrTooLarge is returned (wrapped) for an image over MaxPixels.
var ErrTooLarge = errors.New("image too large to hash")

// ErrEmpty is returned (wrapped) for an image without pixels.
var ErrEmpty = errors.New("image has no pixels")

// FromFile decodes the image in the file at path (JPEG, PNG, GIF or WebP)
// and returns its hash and quality.
func FromFile(path string) (Hash, int, error) {
	f, err := os.Open(path)
	if err != nil {
		return Hash{}, 0, fmt.Errorf("hashing image: %w", err)
	}
	defer f.Close()
	h, q, err := FromReader(f)
	if err != nil {
		return Hash{}, 0, fmt.Errorf("hashing %s: %w", path, err)
	}
	return h, q, nil
}

// FromReader decodes one image (JPEG, PNG, GIF or WebP) from r and returns
// its hash and quality. The header is checked first: an image over
// MaxPixels is refused with ErrTooLarge before its pixels are decoded.
// EXIF orientation is not applied, as by the reference hashers.
func FromReader(r io.Reader) (Hash, int, error) {
	img, err := Decode(r)
	if err != nil {
		return Hash{}, 0, err
	}
	h, q := FromImage(img)
	return h, q, nil
}

// Decode decodes one image (JPEG, PNG, GIF or WebP) from r, refusing one
// over MaxPixels from its header, before its pixels are decoded.
func Decode(r io.Reader) (image.Image, error) {
	var head bytes.Buffer
	cfg, format, err := image.DecodeConfig(io.TeeReader(r, &head))
	if err != nil {
		return nil, fmt.Errorf("reading image header: %w", err)
	}
	if cfg.Width <= 0 || cfg.Height <= 0 {
		return nil, fmt.Errorf("%s image of %d×%d: %w", format, cfg.Width, cfg.Height, ErrEmpty)
	}
	if cfg.Width > MaxPixels/cfg.Height {
		return nil, fmt.Errorf("%s image of %d×%d pixels (limit %d): %w", format, cfg.Width, cfg.Height, MaxPixels, ErrTooLarge)
	}
	img, _, err := image.Decode(io.MultiReader(&head, r))
	if err != nil {
		return nil, fmt.Errorf("decoding %s image: %w", format, err)
	}
	if b := img.Bounds(); b.Dx() <= 0 || b.Dy() <= 0 {
		return nil, fmt.Errorf("%s image: %w", format, ErrEmpty)
	} else if b.Dx() > MaxPixels/b.Dy() {
		return nil, fmt.Errorf("%s image of %d×%d pixels (limit %d): %w", format, b.Dx(), b.Dy(), MaxPixels, ErrTooLarge)
	}
	return img, nil
}
