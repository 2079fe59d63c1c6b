package pipeline

import (
	"context"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/rasd-iq/rasd/index"
	"github.com/rasd-iq/rasd/index/blob"
	"github.com/rasd-iq/rasd/index/mediastage"
	"github.com/rasd-iq/rasd/index/store"
	"github.com/rasd-iq/rasd/ingest"
	"github.com/rasd-iq/rasd/ingest/mediafetch"
	"github.com/rasd-iq/rasd/models/media/pdq"
	"github.com/rasd-iq/rasd/models/ocr"
	"github.com/rasd-iq/rasd/models/ocr/ocrtest"
	"github.com/rasd-iq/rasd/policy"
	reviewredis "github.com/rasd-iq/rasd/review/redisstore"
)

// oneBank matches PDQ hashes within 31 bits of the hashes it holds.
type oneBank struct {
	name string
	hs   []pdq.Hash
}

func (b oneBank) Match(h pdq.Hash, quality int, ok bool, _, _ string) []store.KnownMatch {
	var out []store.KnownMatch
	for i, x := range b.hs {
		if d := pdq.Distance(h, x); ok && quality >= 50 && d <= 31 {
			out = append(out, store.KnownMatch{Bank: b.name, Entry: "e" + string(rune('0'+i)), Kind: "pdq", Distance: d})
		}
	}
	return out
}

// mediaPosts serves three posts once: ordinary words with an image that
// calls to kill, ordinary words with an image of a bank, and ordinary
// words alone.
type mediaPosts struct{ base string }

func (c mediaPosts) Fetch(_ context.Context, cur ingest.Cursor) ([]ingest.Post, ingest.Cursor, error) {
	if cur != "" {
		return nil, cur, nil
	}
	now := time.Now()
	mk := func(id, text string, media ...string) ingest.Post {
		p := ingest.Post{ID: ingest.MakeID("x", id), Platform: "x", Source: "s", Text: text, Fetched: now}
		for _, m := range media {
			p.AddMedia(ingest.Media{URL: c.base + m, Kind: ingest.MediaImage})
		}
		return p
	}
	return []ingest.Post{
		mk("1", "شوفوا هاي الصورة من الكراج", "/slogan.png"),
		mk("2", "صورة من اليوم", "/banner.png"),
		mk("3", "صباح الخير بغداد"),
	}, "done", nil
}

func TestMediaStageRoutesPostsByWhatTheirImagesHold(t *testing.T) {
	ocrtest.RequireTesseract(t)
	slogan := ocrtest.RenderStyled(t, "لازم نقتل الخونة", "#111111", "white")
	banner := ocrtest.Render(t, "■ ● ▲ ◆ ■ ● ▲")
	bannerHash, _, err := pdq.FromReader(strings.NewReader(string(banner)))
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/slogan.png":
			w.Write(slogan)
		case "/banner.png":
			w.Write(banner)
		default:
			http.NotFound(w, r)
		}
	}))
	defer srv.Close()

	for _, mode := range []string{"embedded", "redis"} {
		t.Run(mode, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
			defer cancel()
			var st store.Backend
			if mode == "embedded" {
				s, _ := openQueued(t, t.TempDir())
				st = s
			} else {
				s := redisOpener(ctx, t)("w0")
				s.EnqueueWith(reviewredis.New(s.Client(), s.Prefix()))
				st = s
			}
			blobs, err := blob.OpenDir(t.TempDir())
			if err != nil {
				t.Fatal(err)
			}
			f, err := mediafetch.New(blobs, mediafetch.Config{AllowInternal: true})
			if err != nil {
				t.Fatal(err)
			}
			stage := &mediastage.Stage{Fetch: f, Blobs: blobs, OCR: &ocr.Reader{}, Banks: oneBank{name: "demo", hs: []pdq.Hash{bannerHash}}}
			ix := openIndex(t)
			n := &recordingNotifier{}
			p, err := New(Config{Store: st, Index: ix, Scorer: &keywordScorer{}, Media: stage, Notify: n,
				Router:  PolicyRouter{Policy: policy.Default(), Model: "keyword@1", Thresholds: map[string]float64{"hate": 0.5}},
				Sources: []Source{{Name: "s", Connector: mediaPosts{base: srv.URL}, Once: true}}})
			if err != nil {
				t.Fatal(err)
			}
			if err := p.Run(ctx); err != nil {
				t.Fatal(err)
			}
			if n, _ := st.(MediaQueue).MediaDepth(ctx); n != 0 {
				t.Fatalf("media left waiting after the run: %d", n)
			}
			ocrPost, err := st.Get(ctx, "x:1")
			if err != nil {
				t.Fatal(err)
			}
			if len(ocrPost.Media) != 1 || !strings.Contains(ocrPost.Media[0].OCR, "قتل") || ocrPost.Post.Media[0].SHA256 == "" {
				t.Fatalf("post with a slogan image: media %+v", ocrPost.Media)
			}
			if !ocrPost.Queued || ocrPost.Judgement.Decision.RuleID != "hate-speech" {
				t.Fatalf("the words in its image did not route it: queued %v, %+v", ocrPost.Queued, ocrPost.Judgement.Decision)
			}
			if len(ocrPost.Media[0].OCRSpans) == 0 {
				t.Errorf("no evidence spans in the image's text")
			}
			known, err := st.Get(ctx, "x:2")
			if err != nil {
				t.Fatal(err)
			}
			if !known.Queued || !known.Urgent || known.Judgement.Decision.RuleID != "known-content" ||
				!slices.Contains(policy.SignalNames(known.Judgement.Signals), "known_content:demo") {
				t.Fatalf("post with a banked image: queued %v urgent %v, %+v", known.Queued, known.Urgent, known.Judgement)
			}
			if plain, err := st.Get(ctx, "x:3"); err != nil || plain.Queued || len(plain.Media) != 0 {
				t.Fatalf("post without media: %+v %v", plain, err)
			}
			// The image's words are searchable with the post.
			res, err := ix.Search(ctx, index.Query{Text: "الخونة"})
			if err != nil {
				t.Fatal(err)
			}
			if res.Total != 1 || res.Hits[0].ID != "x:1" {
				t.Fatalf("search for a word in the image: %+v", res)
			}
			// Both entered the review queue.
			q, err := st.Queue(ctx)
			if err != nil || len(q) != 2 {
				t.Fatalf("review queue: %+v %v", q, err)
			}
			// The media stage told the notifier of each, once.
			heard := n.heard()
			slices.Sort(heard)
			if !slices.Equal(heard, []string{"x:1", "x:2"}) || n.notQueued != 0 {
				t.Fatalf("notifier heard of %v (%d not queued), want x:1 and x:2 once each", heard, n.notQueued)
			}

		})
	}
}
