package file

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"golang.org/x/text/encoding/charmap"
	"gopkg.in/yaml.v3"

	"github.com/rasd-iq/rasd/ingest"
)

var testNow = time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)

// newConn builds a connector from settings YAML, as sources.yaml would.
func newConn(t testing.TB, settings string, limits ingest.Limits) (*Connector, error) {
	t.Helper()
	var doc yaml.Node
	if err := yaml.Unmarshal([]byte(settings), &doc); err != nil {
		t.Fatalf("settings yaml: %v", err)
	}
	wd, _ := os.Getwd()
	spec := ingest.Spec{Name: "partner", Type: Name, Interval: time.Hour, Limits: limits,
		Settings: doc.Content[0], File: filepath.Join(wd, "sources.yaml")}
	c, err := New(spec)
	if err != nil {
		return nil, err
	}
	fc := c.(*Connector)
	fc.Now = func() time.Time { return testNow }
	return fc, nil
}

func mustConn(t testing.TB, settings string, limits ingest.Limits) *Connector {
	t.Helper()
	c, err := newConn(t, settings, limits)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// fetchAll fetches until the cursor stops moving, collecting posts and skipped places.
func fetchAll(t testing.TB, c *Connector) ([]ingest.Post, []string) {
	t.Helper()
	var (
		posts []ingest.Post
		skips []string
		cur   ingest.Cursor
	)
	for range 100000 {
		batch, next, err := c.Fetch(context.Background(), cur)
		var se *ingest.SkipError
		switch {
		case errors.As(err, &se):
			for _, s := range se.Items {
				skips = append(skips, s.Where)
			}
		case err != nil:
			t.Fatalf("fetch at %q: %v", cur, err)
		}
		posts = append(posts, batch...)
		if next == cur && len(batch) == 0 {
			return posts, skips
		}
		cur = next
	}
	t.Fatal("cursor never settled")
	return nil, nil
}

func ids(posts []ingest.Post) []string {
	out := make([]string, len(posts))
	for i, p := range posts {
		out[i] = p.ID
	}
	return out
}

var hexSHA = regexp.MustCompile(`^[0-9a-f]{64}$`)

func TestFetchFixtures(t *testing.T) {
	tests := []struct {
		name      string
		settings  string
		wantIDs   []string
		wantSkips []string
		check     func(t *testing.T, posts []ingest.Post)
	}{
		{
			name:      "jsonl post records",
			settings:  "path: ../../testdata/ingest/file/posts.jsonl",
			wantIDs:   []string{"file:p1", "file:p2", "file:p5", "file:sha256-", "file:p8", "file:p9"},
			wantSkips: []string{"posts.jsonl:4", "posts.jsonl:5", "posts.jsonl:7"},
			check: func(t *testing.T, posts []ingest.Post) {
				wantMedia := []ingest.Media{
					{URL: "https://partner.example.org/m/p8-1.jpg", Kind: "image", Type: "image/jpeg"}, // the file's sha256 is not taken
					{URL: "https://partner.example.org/m/p8-2.mp4", Kind: "video", Type: "video/mp4"},
					{URL: "https://partner.example.org/m/p8-3", Kind: "file"},
				}
				if !slices.Equal(posts[4].Media, wantMedia) {
					t.Errorf("p8 media %+v, want %+v", posts[4].Media, wantMedia)
				}
				if p := posts[5]; p.Text != "" || len(p.Media) != 1 || p.Media[0].Kind != "image" {
					t.Errorf("p9, media without text: %+v", p)
				}
				if posts[0].Media != nil {
					t.Errorf("p1 has media %+v", posts[0].Media)
				}
				lines := strings.Split(string(must(os.ReadFile("../../testdata/ingest/file/posts.jsonl"))), "\n")
				for i, line := range []int{1, 2, 6, 8, 9, 10} {
					if p := posts[i]; string(p.Capture) != lines[line-1] || p.CaptureType != "application/json" {
						t.Errorf("%s: capture %q (%s), want line %d", p.ID, p.Capture, p.CaptureType, line)
					}
				}
				p := posts[0]
				if p.Author.Handle != "basra_voice" || p.Author.ID != "u1" || p.Engagement.Views != 120 || !p.Created.Equal(time.Date(2024, 5, 1, 8, 30, 0, 0, time.UTC)) {
					t.Errorf("p1 fields: %+v", p)
				}
				if posts[1].Permalink != "https://example.org/p2" || posts[2].ReplyTo != "file:p2" || len(posts[2].MediaCaptions) != 1 {
					t.Errorf("p2/p5 fields: %+v %+v", posts[1], posts[2])
				}
			},
		},
		{
			name: "csv with column mapping and a quoted multi-line field",
			settings: `path: ../../testdata/ingest/file/tweets.csv
columns: {id: tweet_id, text: tweet, author: user, created: date, shares: retweets}`,
			wantIDs:   []string{"file:1001", "file:1002", "file:1006"},
			wantSkips: []string{"tweets.csv:5", "tweets.csv:6", "tweets.csv:7"},
			check: func(t *testing.T, posts []ingest.Post) {
				if got := posts[1].Text; got != "خبر عاجل:\nانقطاع الماء عن مناطق من بغداد \"الكرخ\" لساعات" {
					t.Errorf("multi-line text = %q", got)
				}
				if posts[0].Engagement.Shares != 12 || posts[0].Author.Handle != "ali_iq" {
					t.Errorf("1001 fields: %+v", posts[0])
				}
				if !posts[2].Created.Equal(time.Unix(1710079800, 0)) {
					t.Errorf("unix time: %v", posts[2].Created)
				}
				if c := string(posts[1].Capture); c != "1002,noor_bg,2024-03-10 14:07:00,\"خبر عاجل:\nانقطاع الماء عن مناطق من بغداد \"\"الكرخ\"\" لساعات\",3" || posts[1].CaptureType != "text/csv" {
					t.Errorf("capture of a record over two lines: %q (%s)", c, posts[1].CaptureType)
				}
			},
		},
		{
			name: "jsonl with a media column",
			settings: `path: ../../testdata/ingest/file/mapped.jsonl
columns: {id: tweet_id, text: full_text, media: media_urls}`,
			wantIDs:   []string{"file:7001", "file:7002", "file:7003"},
			wantSkips: nil,
			check: func(t *testing.T, posts []ingest.Post) {
				want := []ingest.Media{{URL: "https://pbs.twimg.com/media/Fq7001.jpg", Kind: "image"}, {URL: "https://video.twimg.com/v/7001.mp4", Kind: "video", Type: "video/mp4"}}
				if !slices.Equal(posts[0].Media, want) || posts[1].Media != nil {
					t.Errorf("media %+v / %+v, want %+v", posts[0].Media, posts[1].Media, want)
				}
			},
		},
		{
			name: "jsonl with nested field mapping",
			settings: `path: ../../testdata/ingest/file/mapped.jsonl
columns: {id: tweet_id, text: full_text, author: user.screen_name, author_id: user.id_str, created: created_at, shares: retweet_count}`,
			wantIDs:   []string{"file:7001", "file:7003"},
			wantSkips: []string{"mapped.jsonl:2"},
			check: func(t *testing.T, posts []ingest.Post) {
				if posts[0].Author != (ingest.Author{ID: "55", Handle: "iraqi_teacher"}) || posts[0].Engagement.Shares != 4 {
					t.Errorf("7001 fields: %+v", posts[0])
				}
				if posts[0].Media != nil {
					t.Errorf("media taken from a column not mapped: %+v", posts[0].Media)
				}
				if !posts[0].Created.Equal(time.Date(2024, 3, 13, 10, 0, 0, 0, time.UTC)) {
					t.Errorf("twitter time: %v", posts[0].Created)
				}
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := mustConn(t, tt.settings, ingest.Limits{})
			posts, skips := fetchAll(t, c)
			got := ids(posts)
			if len(got) != len(tt.wantIDs) {
				t.Fatalf("ids = %q, want %q", got, tt.wantIDs)
			}
			for i := range got {
				if !strings.HasPrefix(got[i], tt.wantIDs[i]) {
					t.Fatalf("ids = %q, want %q", got, tt.wantIDs)
				}
			}
			if !slices.Equal(skips, tt.wantSkips) {
				t.Fatalf("skipped %q, want %q", skips, tt.wantSkips)
			}
			for _, p := range posts {
				if p.Platform != Name || p.Source != "partner" || !p.Fetched.Equal(testNow) || !hexSHA.MatchString(p.RawSHA256) || p.Text == "" && p.Media == nil ||
					p.RawSHA256 != fmt.Sprintf("%x", sha256.Sum256(p.Capture)) {
					t.Fatalf("shared fields not filled: %+v", p)
				}
			}
			tt.check(t, posts)
			// The same file read again gives the same ids (ids are stable).
			again, _ := fetchAll(t, c)
			if !slices.Equal(ids(again), got) {
				t.Fatalf("second read ids %q, first %q", ids(again), got)
			}
		})
	}
}

func TestResumeInSmallBatches(t *testing.T) {
	for _, settings := range []string{
		"path: ../../testdata/ingest/file/posts.jsonl",
		"path: ../../testdata/ingest/file/tweets.csv\ncolumns: {id: tweet_id, text: tweet, created: date}",
	} {
		t.Run(settings[:40], func(t *testing.T) {
			whole, wholeSkips := fetchAll(t, mustConn(t, settings, ingest.Limits{}))
			c := mustConn(t, settings, ingest.Limits{MaxPosts: 1})
			var cur ingest.Cursor
			var got []ingest.Post
			var skips []string
			for range 50 {
				// A fresh connector each time, as after a restart.
				c = mustConn(t, settings, ingest.Limits{MaxPosts: 1})
				batch, next, err := c.Fetch(context.Background(), cur)
				var se *ingest.SkipError
				if errors.As(err, &se) {
					for _, s := range se.Items {
						skips = append(skips, s.Where)
					}
				} else if err != nil {
					t.Fatal(err)
				}
				if len(batch) > 1 {
					t.Fatalf("batch of %d with max_posts 1", len(batch))
				}
				got = append(got, batch...)
				if next == cur && len(batch) == 0 {
					break
				}
				cur = next
			}
			if !slices.Equal(ids(got), ids(whole)) || !slices.Equal(skips, wholeSkips) {
				t.Fatalf("batched read %q %q, whole read %q %q", ids(got), skips, ids(whole), wholeSkips)
			}
		})
	}
}

func TestBadSettings(t *testing.T) {
	tests := []struct {
		name, settings, want string
	}{
		{"no path", "format: jsonl", "settings.path is required"},
		{"missing file", "path: nowhere.jsonl", "no such file"},
		{"unknown extension", "path: ../../testdata/ingest/file/README", "cannot tell the format"},
		{"unknown format", "path: ../../testdata/ingest/file/posts.jsonl\nformat: xml", `unknown format "xml"`},
		{"csv without text column", "path: ../../testdata/ingest/file/tweets.csv", "csv needs columns.text"},
		{"csv column not in header", "path: ../../testdata/ingest/file/tweets.csv\ncolumns: {text: body}", `columns.text: no column "body"`},
		{"unknown setting", "path: ../../testdata/ingest/file/posts.jsonl\ncolumn: {}", `unknown key "column" (allowed: columns,`},
		{"bad delimiter", "path: ../../testdata/ingest/file/tweets.csv\ncolumns: {text: tweet}\ndelimiter: ';;'", "bad delimiter"},
		{"bad timezone", "path: ../../testdata/ingest/file/posts.jsonl\ntimezone: Mars/Olympus", "bad timezone"},
		{"bad encoding", "path: ../../testdata/ingest/file/posts.jsonl\nencoding: ebcdic", "unknown encoding"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := newConn(t, tt.settings, ingest.Limits{})
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error %v, want it to contain %q", err, tt.want)
			}
			if !regexp.MustCompile(`sources.yaml:[12]: source "partner": `).MatchString(err.Error()) {
				t.Fatalf("error %q does not name the file, line and source", err)
			}
		})
	}
}

func writeTemp(t testing.TB, name string, data []byte) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestFaults(t *testing.T) {
	cp1256, err := charmap.Windows1256.NewEncoder().String(`{"id":"w1","text":"مرحبا بالعراق"}` + "\n")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name      string
		file      string
		data      string
		extra     string
		limits    ingest.Limits
		wantTexts []string
		wantSkips []string
	}{
		{"windows-1256 file", "a.jsonl", cp1256, "encoding: windows-1256", ingest.Limits{}, []string{"مرحبا بالعراق"}, nil},
		{"windows-1256 read as utf-8 is reported", "a.jsonl", cp1256, "", ingest.Limits{}, nil, []string{"a.jsonl:1"}},
		{"byte order mark and CRLF", "a.jsonl", "\ufeff{\"text\":\"اول\"}\r\n{\"text\":\"ثاني\"}\r\n", "", ingest.Limits{}, []string{"اول", "ثاني"}, nil},
		{"last line without newline", "a.jsonl", "{\"text\":\"اول\"}\n{\"text\":\"اخير\"}", "", ingest.Limits{}, []string{"اول", "اخير"}, nil},
		{"line over the size limit is skipped", "a.jsonl", "{\"text\":\"" + strings.Repeat("ب", 400) + "\"}\n{\"text\":\"قصير\"}\n", "", ingest.Limits{MaxBodyBytes: 100}, []string{"قصير"}, []string{"a.jsonl:1"}},
		{"csv quote never closed resumes on the next line", "a.csv", "text\n\"open quote\nسطر سليم\n", "columns: {text: text}", ingest.Limits{}, []string{"سطر سليم"}, []string{"a.csv:2"}},
		{"two values on one line", "a.jsonl", "{\"text\":\"a\"} {\"text\":\"b\"}\n{\"text\":\"c\"}\n", "", ingest.Limits{}, []string{"c"}, []string{"a.jsonl:1"}},
		{"tab separated", "a.tsv", "id\ttext\n1\tنص مفصول بتاب\n", "columns: {id: id, text: text}", ingest.Limits{}, []string{"نص مفصول بتاب"}, nil},
		{"empty file", "a.jsonl", "", "", ingest.Limits{}, nil, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := writeTemp(t, tt.file, []byte(tt.data))
			c := mustConn(t, fmt.Sprintf("path: %s\n%s", p, tt.extra), tt.limits)
			posts, skips := fetchAll(t, c)
			var texts []string
			for _, p := range posts {
				texts = append(texts, p.Text)
			}
			if !slices.Equal(texts, tt.wantTexts) || !slices.Equal(skips, tt.wantSkips) {
				t.Fatalf("texts %q skips %q, want %q %q", texts, skips, tt.wantTexts, tt.wantSkips)
			}
		})
	}
}

func TestReplacedFile(t *testing.T) {
	p := writeTemp(t, "a.jsonl", []byte("{\"text\":\"واحد\"}\n{\"text\":\"اثنين\"}\n"))
	c := mustConn(t, "path: "+p, ingest.Limits{})
	_, cur, err := c.Fetch(context.Background(), "")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte("{}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, _, err := c.Fetch(context.Background(), cur); err == nil || !strings.Contains(err.Error(), "shorter than the saved position") {
		t.Fatalf("fetch of a shrunk file: %v", err)
	}
	if _, _, err := c.Fetch(context.Background(), "garbage"); err == nil || !strings.Contains(err.Error(), "bad file cursor") {
		t.Fatalf("bad cursor: %v", err)
	}
}

// Appended lines are picked up by the next fetch from the saved cursor.
func TestAppend(t *testing.T) {
	p := writeTemp(t, "a.jsonl", []byte("{\"id\":\"1\",\"text\":\"واحد\"}\n"))
	c := mustConn(t, "path: "+p, ingest.Limits{})
	posts, cur, err := c.Fetch(context.Background(), "")
	if err != nil || len(posts) != 1 {
		t.Fatalf("first fetch: %d posts, %v", len(posts), err)
	}
	f, err := os.OpenFile(p, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	fmt.Fprintln(f, `{"id":"2","text":"اثنين"}`)
	f.Close()
	posts, _, err = c.Fetch(context.Background(), cur)
	if err != nil || len(posts) != 1 || posts[0].ID != "file:2" {
		t.Fatalf("after append: %+v, %v", posts, err)
	}
}

func TestPlatformOfOriginIsKept(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "export.jsonl")
	data := `{"platform":"telegram","native_id":"chan/77","text":"منشور من قناة"}` + "\n" + `{"native_id":"row-2","text":"بلا منصة"}` + "\n"
	if err := os.WriteFile(path, []byte(data), 0o644); err != nil {
		t.Fatal(err)
	}
	posts, skips := fetchAll(t, mustConn(t, "path: "+path, ingest.Limits{}))
	if len(skips) != 0 || len(posts) != 2 {
		t.Fatalf("posts %d, skips %v", len(posts), skips)
	}
	if posts[0].Platform != "telegram" || posts[0].ID != "telegram:chan/77" {
		t.Errorf("a partner's telegram post became %q / %q; want its platform and id kept", posts[0].Platform, posts[0].ID)
	}
	if posts[1].Platform != Name || posts[1].ID != "file:row-2" {
		t.Errorf("a row without platform became %q / %q", posts[1].Platform, posts[1].ID)
	}
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

func TestCSVMediaColumn(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "posts.csv")
	body := "id,text,media\n" +
		"1,\"نص مع صورتين\",https://cdn.example.org/a.jpg https://cdn.example.org/b.mp4\n" +
		"2,,https://cdn.example.org/only.png\n" +
		"3,,\n" +
		"4,\"بلا وسائط\",ftp://cdn.example.org/x.jpg\n"
	if err := os.WriteFile(path, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	c := mustConn(t, "path: "+path+"\ncolumns: {id: id, text: text, media: media}", ingest.Limits{})
	posts, skips := fetchAll(t, c)
	if !slices.Equal(ids(posts), []string{"file:1", "file:2", "file:4"}) || !slices.Equal(skips, []string{"posts.csv:4"}) {
		t.Fatalf("ids %q skips %q", ids(posts), skips)
	}
	want := [][]ingest.Media{
		{{URL: "https://cdn.example.org/a.jpg", Kind: "image"}, {URL: "https://cdn.example.org/b.mp4", Kind: "video"}},
		{{URL: "https://cdn.example.org/only.png", Kind: "image"}},
		nil,
	}
	for i, p := range posts {
		if !slices.Equal(p.Media, want[i]) {
			t.Errorf("%s: media %+v, want %+v", p.ID, p.Media, want[i])
		}
	}
}

func TestMediaOnDiskOnlyBesideTheImportedFile(t *testing.T) {
	dir := t.TempDir()
	data := filepath.Join(dir, "posts.jsonl")
	rec := `{"id":"p1","text":"صورة","media":[` +
		`{"url":"file:media/a.png","kind":"image"},` +
		`{"url":"file:../outside.png","kind":"image"},` +
		`{"url":"file:///etc/passwd"},` +
		`{"url":"file://` + filepath.Join(dir, "media", "b.png") + `","kind":"image"}]}` + "\n"
	if err := os.WriteFile(data, []byte(rec), 0o644); err != nil {
		t.Fatal(err)
	}
	c := mustConn(t, "path: "+data+"\ncolumns: {id: id, text: text, media: media}\n", ingest.Limits{})
	posts, _, err := c.Fetch(context.Background(), "")
	if err != nil {
		t.Fatal(err)
	}
	if len(posts) != 1 {
		t.Fatalf("%d posts", len(posts))
	}
	var got []string
	for _, m := range posts[0].Media {
		got = append(got, m.URL)
	}
	want := []string{"file://" + filepath.Join(dir, "media", "a.png"), "file://" + filepath.Join(dir, "media", "b.png")}
	if !slices.Equal(got, want) {
		t.Fatalf("media %q, want %q", got, want)
	}
}
