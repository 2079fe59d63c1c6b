package pipeline

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rasd-iq/rasd/ingest"
	"github.com/rasd-iq/rasd/models"
	"github.com/rasd-iq/rasd/policy"
	"github.com/rasd-iq/rasd/review/alerts"
)

// rateConnector emits total posts at rate posts per second in pages of
// page, stamping each post's Fetched when it is handed over; one post in
// every urgentEvery is an urgent threat, whose fetch time it keeps.
type rateConnector struct {
	rate, total, page, urgentEvery int
	start                          time.Time
	mu                             sync.Mutex
	fetched                        map[string]time.Time
}

func (c *rateConnector) Fetch(ctx context.Context, cur ingest.Cursor) ([]ingest.Post, ingest.Cursor, error) {
	from, _ := strconv.Atoi(string(cur))
	if from >= c.total {
		return nil, cur, nil
	}
	due := c.start.Add(time.Duration(from) * time.Second / time.Duration(c.rate))
	select {
	case <-ctx.Done():
		return nil, cur, ctx.Err()
	case <-time.After(time.Until(due)):
	}
	now := time.Now()
	var ps []ingest.Post
	for i := from; i < min(from+c.page, c.total); i++ {
		id := ingest.MakeID("bench", strconv.Itoa(i))
		text := fmt.Sprintf("الكهرباء مقطوعة من الصبح بمنطقة %s والناس تعبانة", word(i))
		if i%c.urgentEvery == c.urgentEvery/2 {
			text = fmt.Sprintf("لازم نقتل الصحفي %s قبل الجمعة", word(i))
			c.mu.Lock()
			c.fetched[id] = now
			c.mu.Unlock()
		}
		ps = append(ps, ingest.Post{ID: id, Platform: "bench", Source: "paced", Text: text, Fetched: now})
	}
	return ps, ingest.Cursor(strconv.Itoa(from + len(ps))), nil
}

// urgentRouter queues the planted threats as urgent, by their words, so
// that what is measured does not hang on one model's judgement of them
// (every post is still scored).
type urgentRouter struct{}

func (urgentRouter) Judge(post *ingest.Post, s *Scored) (policy.Judgement, error) {
	urgent := strings.Contains(post.Text, "نقتل الصحفي")
	return policy.Judgement{Raw: s.Scores, Scores: s.Scores,
		Decision: policy.Decision{Queue: urgent, Urgent: urgent, RuleID: "bench-urgent", Labels: s.Flags}}, nil
}

// BenchmarkFetchToWebhook measures how long an urgent post takes from the
// moment its connector hands it over to its signed alert accepted by a local
// webhook, while posts flow in at 10,000 a second through the embedded store,
// the scorer, routing, the index and the alerts notifier. It reports the
// median and 99th percentile, and the rate the pipeline kept up with.
// "keyword" scores with a keyword scorer (the pipeline's own cost);
// "model" with the default model through ONNX Runtime (skipped without it).
func BenchmarkFetchToWebhook(b *testing.B) {
	for _, scorer := range []string{"keyword", "model"} {
		b.Run(scorer, func(b *testing.B) {
			var sc Scorer = &keywordScorer{}
			if scorer == "model" {
				lib, err := models.FindORTLib("")
				if err != nil {
					b.Skip("no ONNX Runtime: ", err)
				}
				m, err := models.Load("", models.Options{ORTLib: lib})
				if err != nil {
					b.Skip("no default model: ", err)
				}
				defer m.Close()
				sc = ModelScorer{Model: m}
			}
			for range b.N {
				benchFetchToWebhook(b, sc, 10_000, 50_000)
			}
		})
	}
}

func benchFetchToWebhook(b *testing.B, sc Scorer, rate, total int) {
	b.StopTimer()
	var mu sync.Mutex
	arrived := map[string]time.Time{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		var a alerts.Alert
		json.Unmarshal(body, &a)
		mu.Lock()
		arrived[a.Item] = time.Now()
		mu.Unlock()
	}))
	defer srv.Close()
	n, err := alerts.Open(alerts.Config{BaseURL: "https://rasd.example.org", Rules: []alerts.Rule{{Name: "urgent", Match: alerts.Match{Urgent: true}, Channels: []string{"hook"}}},
		Channels: []alerts.ChannelConfig{{Name: "hook", Type: alerts.TypeWebhook, URL: srv.URL, SecretEnv: "S", AllowInternal: true}}},
		alerts.Options{Data: b.TempDir(), Getenv: func(string) string { return "bench-secret" }})
	if err != nil {
		b.Fatal(err)
	}
	dir := b.TempDir()
	st, _ := openQueued(b, dir)
	c := &rateConnector{rate: rate, total: total, page: rate / 50, urgentEvery: 1000, fetched: map[string]time.Time{}}
	p, err := New(Config{Store: st, Index: openIndex(b), Scorer: sc, Router: urgentRouter{}, Notify: n, Drain: true,
		Sources: []Source{{Name: "paced", Connector: c, Once: true}}})
	if err != nil {
		b.Fatal(err)
	}
	b.StartTimer()
	c.start = time.Now()
	if err := p.Run(context.Background()); err != nil {
		b.Fatal(err)
	}
	elapsed := time.Since(c.start)
	if err := n.Close(context.Background()); err != nil {
		b.Fatal(err)
	}
	b.StopTimer()
	var lat []time.Duration
	mu.Lock()
	for id, at := range c.fetched {
		if got, ok := arrived[id]; ok {
			lat = append(lat, got.Sub(at))
		}
	}
	mu.Unlock()
	if len(lat) < len(c.fetched)*9/10 {
		b.Fatalf("%d of %d urgent posts reached the webhook", len(lat), len(c.fetched))
	}
	slices.Sort(lat)
	b.ReportMetric(float64(lat[len(lat)/2].Milliseconds()), "p50-ms")
	b.ReportMetric(float64(lat[len(lat)*99/100].Milliseconds()), "p99-ms")
	b.ReportMetric(float64(total)/elapsed.Seconds(), "posts/s")
}
