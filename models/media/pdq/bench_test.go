package pdq

import (
	"bytes"
	"image"
	"image/jpeg"
	"testing"

	"golang.org/x/image/draw"
)

// photo1024 is a 1024×768 JPEG-decoded (YCbCr) picture with structure at
// every scale, as most images the engine sees are.
func photo1024(b *testing.B) (image.Image, []byte) {
	b.Helper()
	img := image.NewNRGBA(image.Rect(0, 0, 1024, 768))
	draw.CatmullRom.Scale(img, img.Bounds(), noise(64, 48, 11), image.Rect(0, 0, 64, 48), draw.Src, nil)
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, img, &jpeg.Options{Quality: 85}); err != nil {
		b.Fatal(err)
	}
	dec, err := jpeg.Decode(bytes.NewReader(buf.Bytes()))
	if err != nil {
		b.Fatal(err)
	}
	return dec, buf.Bytes()
}

// BenchmarkHash: hashing one decoded 1024×768 image.
func BenchmarkHash(b *testing.B) {
	img, _ := photo1024(b)
	b.ReportAllocs()
	for b.Loop() {
		FromImage(img)
	}
}

// BenchmarkDihedral: the eight hashes of one decoded 1024×768 image.
func BenchmarkDihedral(b *testing.B) {
	img, _ := photo1024(b)
	b.ReportAllocs()
	for b.Loop() {
		Dihedral(img)
	}
}

// BenchmarkFromReader: decoding a 1024×768 JPEG and hashing it.
func BenchmarkFromReader(b *testing.B) {
	_, data := photo1024(b)
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		if _, _, err := FromReader(bytes.NewReader(data)); err != nil {
			b.Fatal(err)
		}
	}
}
