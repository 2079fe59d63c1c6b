package ingest

import (
	"net/url"
	"path"
	"strings"
)

// MediaKindOfType returns the media kind a MIME type names ("image/jpeg" is
// MediaImage, "video/mp4" MediaVideo, "audio/ogg" MediaAudio), or "" for
// any other type.
func MediaKindOfType(mediaType string) string {
	mt, _, _ := strings.Cut(strings.ToLower(strings.TrimSpace(mediaType)), ";")
	switch {
	case strings.HasPrefix(mt, "image/"):
		return MediaImage
	case strings.HasPrefix(mt, "video/"):
		return MediaVideo
	case strings.HasPrefix(mt, "audio/"):
		return MediaAudio
	}
	return ""
}

// mediaExt maps common file name extensions to media kinds.
var mediaExt = map[string]string{
	".jpg": MediaImage, ".jpeg": MediaImage, ".png": MediaImage, ".gif": MediaImage, ".webp": MediaImage,
	".avif": MediaImage, ".bmp": MediaImage, ".heic": MediaImage,
	".mp4": MediaVideo, ".m4v": MediaVideo, ".mov": MediaVideo, ".webm": MediaVideo, ".mkv": MediaVideo, ".3gp": MediaVideo,
	".mp3": MediaAudio, ".m4a": MediaAudio, ".ogg": MediaAudio, ".oga": MediaAudio, ".opus": MediaAudio,
	".wav": MediaAudio, ".aac": MediaAudio, ".flac": MediaAudio,
}

// MediaKindOfName guesses the media kind from the extension of a file name
// or of a URL's path; a name without a known extension is MediaFile.
func MediaKindOfName(name string) string {
	if u, err := url.Parse(name); err == nil && u.Path != "" {
		name = u.Path
	}
	if k, ok := mediaExt[strings.ToLower(path.Ext(name))]; ok {
		return k
	}
	return MediaFile
}

// ValidMediaKind reports whether k is one of the media kinds.
func ValidMediaKind(k string) bool {
	switch k {
	case MediaImage, MediaVideo, MediaAudio, MediaFile:
		return true
	}
	return false
}

// MaxMediaURL bounds the length of a media URL; longer ones are dropped.
const MaxMediaURL = 4096
