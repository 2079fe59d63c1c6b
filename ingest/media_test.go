package ingest

import (
	"context"
	"errors"
	"strings"
	"testing"
)

func TestMediaKinds(t *testing.T) {
	for _, tc := range []struct{ in, byType, byName string }{
		{"image/jpeg", MediaImage, MediaFile},
		{"Video/MP4; codecs=avc1", MediaVideo, MediaFile},
		{"audio/ogg", MediaAudio, MediaFile},
		{"application/pdf", "", MediaFile},
		{"https://cdn.example.iq/a/b.JPG?x=1#f", "", MediaImage},
		{"https://video.example.iq/v.mp4?tag=12", "", MediaVideo},
		{"voice.opus", "", MediaAudio},
		{"https://example.iq/download?id=7", "", MediaFile},
	} {
		if got := MediaKindOfType(tc.in); got != tc.byType {
			t.Errorf("MediaKindOfType(%q) = %q, want %q", tc.in, got, tc.byType)
		}
		if got := MediaKindOfName(tc.in); got != tc.byName {
			t.Errorf("MediaKindOfName(%q) = %q, want %q", tc.in, got, tc.byName)
		}
	}
	if ValidMediaKind("photo") || !ValidMediaKind(MediaFile) {
		t.Error("ValidMediaKind")
	}
}

func TestAddMediaBounds(t *testing.T) {
	var p Post
	p.AddMedia(Media{URL: "https://example.iq/" + strings.Repeat("a", MaxMediaURL), Kind: MediaImage})
	p.AddMedia(Media{URL: "ftp://example.iq/a.jpg", Kind: MediaImage})
	p.AddMedia(Media{URL: "https://example.iq/a.jpg", Kind: MediaImage})
	p.AddMedia(Media{URL: "https://example.iq/a.jpg", Kind: MediaImage})
	if len(p.Media) != 1 {
		t.Fatalf("media %+v", p.Media)
	}
}

type healthy struct{ err error }

func (healthy) Fetch(ctx context.Context, c Cursor) ([]Post, Cursor, error) { return nil, c, nil }
func (h healthy) Health() error                                             { return h.err }

type plain struct{}

func (plain) Fetch(ctx context.Context, c Cursor) ([]Post, Cursor, error) { return nil, c, nil }

func TestHealthOf(t *testing.T) {
	bad := errors.New("withheld")
	if HealthOf(plain{}) != nil || HealthOf(healthy{}) != nil || !errors.Is(HealthOf(healthy{bad}), bad) {
		t.Error("HealthOf")
	}
}
