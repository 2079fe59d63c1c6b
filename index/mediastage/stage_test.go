package mediastage_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rasd-iq/rasd/index/blob"
	"github.com/rasd-iq/rasd/index/mediastage"
	"github.com/rasd-iq/rasd/ingest"
	"github.com/rasd-iq/rasd/ingest/mediafetch"
	"github.com/rasd-iq/rasd/models/media/pdq"
	"github.com/rasd-iq/rasd/models/ocr"
	"github.com/rasd-iq/rasd/models/ocr/ocrtest"
	"github.com/rasd-iq/rasd/nlp"
)

// server serves files by path; anything else is 404.
func server(t *testing.T, files map[string][]byte) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, ok := files[r.URL.Path]
		if !ok {
			http.NotFound(w, r)
			return
		}
		w.Write(b)
	}))
	t.Cleanup(srv.Close)
	return srv
}

func stage(t *testing.T) (*mediastage.Stage, *blob.Dir) {
	t.Helper()
	dir, err := blob.OpenDir(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	f, err := mediafetch.New(dir, mediafetch.Config{AllowInternal: true})
	if err != nil {
		t.Fatal(err)
	}
	return &mediastage.Stage{Fetch: f, Blobs: dir, OCR: &ocr.Reader{}}, dir
}

func TestAnalyzeFetchesHashesAndReadsEachItem(t *testing.T) {
	ocrtest.RequireTesseract(t)
	img := ocrtest.Render(t, "داعش تهدد الناشطين في بغداد")
	srv := server(t, map[string][]byte{"/a.png": img, "/page.html": []byte("<html><body>not an image</body></html>")})
	s, dir := stage(t)
	post := &ingest.Post{ID: "x:1", Media: []ingest.Media{
		{URL: srv.URL + "/a.png", Kind: ingest.MediaImage},
		{URL: srv.URL + "/missing.png", Kind: ingest.MediaImage},
		{URL: srv.URL + "/page.html", Kind: ingest.MediaImage},
	}}
	rs, err := s.Analyze(context.Background(), post)
	if err != nil {
		t.Fatal(err)
	}
	if len(rs) != 3 {
		t.Fatalf("%d results for 3 items", len(rs))
	}
	a := rs[0]
	want, _, err := pdq.FromReader(strings.NewReader(string(img)))
	if err != nil {
		t.Fatal(err)
	}
	if a.Error != "" || a.Type != "image/png" || a.Size != int64(len(img)) || a.PDQ != want.String() || a.Quality < 50 {
		t.Fatalf("image result: %+v", a)
	}
	if !strings.Contains(nlp.Normalize(a.OCR), nlp.Normalize("الناشطين")) {
		t.Fatalf("OCR text %q", a.OCR)
	}
	if rc, err := dir.Open(context.Background(), a.SHA256); err != nil {
		t.Fatalf("stored blob: %v", err)
	} else {
		rc.Close()
	}
	if rs[1].Error == "" || !strings.Contains(rs[1].Error, "404") || rs[1].SHA256 != "" {
		t.Fatalf("missing image: %+v", rs[1])
	}
	if rs[2].Error == "" || rs[2].SHA256 != "" {
		t.Fatalf("HTML posing as an image: %+v", rs[2])
	}
	for _, r := range rs {
		if r.At.IsZero() || r.URL == "" {
			t.Fatalf("result without time or URL: %+v", r)
		}
	}
}

// failingStore fails every Put, as a media store that is down does.
type failingStore struct{ blob.Store }

func (failingStore) Put(context.Context, io.Reader, int64) (blob.Info, error) {
	return blob.Info{}, errors.New("disk on fire")
}

func TestAStoreOutageFailsThePostForALaterTry(t *testing.T) {
	img := ocrtest.Render(t, "نص")
	srv := server(t, map[string][]byte{"/a.png": img})
	f, err := mediafetch.New(failingStore{}, mediafetch.Config{AllowInternal: true})
	if err != nil {
		t.Fatal(err)
	}
	s := &mediastage.Stage{Fetch: f, Blobs: failingStore{}}
	_, err = s.Analyze(context.Background(), &ingest.Post{Media: []ingest.Media{{URL: srv.URL + "/a.png", Kind: ingest.MediaImage}}})
	if !errors.Is(err, mediastage.ErrUnavailable) {
		t.Fatalf("store outage: %v, want ErrUnavailable", err)
	}
}

func TestLocalFilesOnlyFromAllowedFolders(t *testing.T) {
	root, other := t.TempDir(), t.TempDir()
	img := ocrtest.Render(t, "نص")
	os.WriteFile(filepath.Join(root, "a.png"), img, 0o644)
	os.WriteFile(filepath.Join(other, "b.png"), img, 0o644)
	os.WriteFile(filepath.Join(root, "notes.txt"), []byte("plain text"), 0o644)
	if err := os.Symlink(filepath.Join(other, "b.png"), filepath.Join(root, "link.png")); err != nil {
		t.Fatal(err)
	}
	dir, _ := blob.OpenDir(t.TempDir())
	policy, err := mediafetch.New(dir, mediafetch.Config{})
	if err != nil {
		t.Fatal(err)
	}
	l := &mediastage.Local{Roots: []string{root}, Store: dir, Policy: policy}
	ctx := context.Background()
	res, err := l.Fetch(ctx, "file://"+filepath.Join(root, "a.png"))
	if err != nil || res.Type != "image/png" || res.Size != int64(len(img)) {
		t.Fatalf("allowed file: %+v %v", res, err)
	}
	for _, u := range []string{
		"file://" + filepath.Join(other, "b.png"),                            // outside
		"file://" + filepath.Join(root, "link.png"),                          // a link out
		"file://" + filepath.Join(root, "..", filepath.Base(other), "b.png"), // dot-dot
	} {
		if _, err := l.Fetch(ctx, u); !errors.Is(err, mediastage.ErrNotAllowed) {
			t.Errorf("%s: %v, want ErrNotAllowed", u, err)
		}
	}
	if _, err := l.Fetch(ctx, "file://"+filepath.Join(root, "notes.txt")); !errors.Is(err, mediafetch.ErrRefusedType) {
		t.Errorf("text file: %v, want ErrRefusedType", err)
	}
	if _, err := l.Fetch(ctx, "https://example.org/a.png"); !errors.Is(err, mediafetch.ErrBadURL) {
		t.Errorf("web URL without a next fetcher: %v", err)
	}

}
