package mediafetch

import "testing"

func TestSniff(t *testing.T) {
	ftyp := func(major string, compatible ...string) []byte {
		b := []byte("\x00\x00\x00\x00ftyp" + major + "\x00\x00\x00\x00")
		for _, c := range compatible {
			b = append(b, c...)
		}
		b[3] = byte(len(b))
		return append(b, "\x00\x00\x00\x08mdat"...)
	}
	for _, tc := range []struct {
		name string
		data []byte
		want string
	}{
		{"jpeg", []byte("\xff\xd8\xff\xe0\x00\x10JFIF"), "image/jpeg"},
		{"png", []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"), "image/png"},
		{"gif", []byte("GIF89a\x01\x00\x01\x00"), "image/gif"},
		{"webp", []byte("RIFF\x24\x00\x00\x00WEBPVP8 "), "image/webp"},
		{"tiff", []byte("II*\x00\x08\x00\x00\x00"), "image/tiff"},
		{"mp4", ftyp("mp42", "mp42", "isom"), "video/mp4"},
		{"mp4 by isom brand", ftyp("isom", "iso2", "avc1"), "video/mp4"},
		{"webm", []byte("\x1a\x45\xdf\xa3\x9f\x42\x86\x81\x01"), "video/webm"},
		{"heic", ftyp("heic", "mif1", "heic"), "image/heic"},
		{"heic behind mif1", ftyp("mif1", "mif1", "heic"), "image/heic"},
		{"avif", ftyp("avif", "avif", "mif1", "miaf"), "image/avif"},
		{"quicktime", ftyp("qt  ", "qt  "), "video/quicktime"},
		{"3gp", ftyp("3gp4", "isom", "3gp4"), "video/3gpp"},
		{"unknown ftyp brand", ftyp("zzzz", "yyyy"), "application/octet-stream"},
		{"html", []byte("<!DOCTYPE html><html>"), "text/html"},
		{"svg", []byte(`<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"/>`), "text/xml"},
		{"arabic text", []byte("منشور عادي"), "text/plain"},
		{"empty", nil, "text/plain"},
		{"random bytes", []byte{0x00, 0x13, 0x9f, 0xfe, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0a, 0x0b, 0x0c, 0x0d}, "application/octet-stream"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := Sniff(tc.data); got != tc.want {
				t.Fatalf("Sniff(% x) = %s, want %s", tc.data, got, tc.want)
			}
		})
	}
}
