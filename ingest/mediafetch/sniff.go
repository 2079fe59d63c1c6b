package mediafetch

import (
	"bytes"
	"mime"
	"net/http"
)

// sniffLen is how many leading bytes Sniff looks at (as http.DetectContentType).
const sniffLen = 512

// Sniff returns the media type that data (the first bytes of a file) shows,
// without parameters: http.DetectContentType's answer, and for the ISO
// media files it does not know (HEIC and AVIF photos, QuickTime and 3GP
// video) and TIFF, the type their signature names. Unknown bytes are
// "application/octet-stream"; text, HTML and SVG are text types.
func Sniff(data []byte) string {
	if len(data) > sniffLen {
		data = data[:sniffLen]
	}
	t, _, err := mime.ParseMediaType(http.DetectContentType(data))
	if err != nil || t != "application/octet-stream" {
		return t
	}
	if bytes.HasPrefix(data, []byte("II*\x00")) || bytes.HasPrefix(data, []byte("MM\x00*")) {
		return "image/tiff"
	}
	return isoType(data)
}

// isoType reads the brands of an ISO base media file's ftyp box.
func isoType(data []byte) string {
	const unknown = "application/octet-stream"
	if len(data) < 16 || string(data[4:8]) != "ftyp" {
		return unknown
	}
	size := int(data[0])<<24 | int(data[1])<<16 | int(data[2])<<8 | int(data[3])
	if size < 16 || size%4 != 0 || size > len(data) {
		size = len(data) &^ 3
	}
	// The major brand, then the compatible brands (skipping the version).
	brands := [][]byte{data[8:12]}
	for i := 16; i+4 <= size; i += 4 {
		brands = append(brands, data[i:i+4])
	}
	for _, b := range brands {
		switch string(b) {
		case "avif", "avis":
			return "image/avif"
		case "heic", "heix", "heim", "heis", "hevc", "hevx":
			return "image/heic"
		case "qt  ":
			return "video/quicktime"
		case "3gp4", "3gp5", "3gp6", "3gp7", "3gs7", "3ge6", "3ge7", "3gg6":
			return "video/3gpp"
		case "3g2a", "3g2b", "3g2c":
			return "video/3gpp2"
		case "M4A ":
			return "audio/mp4"
		case "isom", "iso2", "mp41", "mp42", "M4V ", "avc1", "dash":
			return "video/mp4"
		}
	}
	return unknown
}
