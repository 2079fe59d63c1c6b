package alerts

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/rasd-iq/rasd/index/store"
)

// BenchmarkRoutedToWebhook measures the time from a post routed to review
// (Routed) to its alert accepted by a local webhook receiver, with alerts
// flowing one after another; it reports the median and 99th percentile.
func BenchmarkRoutedToWebhook(b *testing.B) {
	var mu sync.Mutex
	sent := map[string]time.Time{}
	var lat []time.Duration
	got := make(chan struct{}, 1024)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		var a Alert
		json.Unmarshal(body, &a)
		mu.Lock()
		lat = append(lat, time.Since(sent[a.Item]))
		mu.Unlock()
		got <- struct{}{}
	}))
	defer srv.Close()
	n, err := Open(Config{BaseURL: "https://rasd.example.org", Queue: 1024, Rules: []Rule{{Name: "all", Channels: []string{"hook"}}},
		Channels: []ChannelConfig{hook(srv.URL)}}, Options{Data: b.TempDir(), Getenv: func(string) string { return secret }})
	if err != nil {
		b.Fatal(err)
	}
	defer n.Close(context.Background())
	recs := make([]store.Record, b.N)
	for i := range recs {
		recs[i] = urgentRecord("x:" + strconv.Itoa(i))
	}
	b.ResetTimer()
	for i := range recs {
		mu.Lock()
		sent[recs[i].Post.ID] = time.Now()
		mu.Unlock()
		n.Routed(context.Background(), recs[i:i+1])
		<-got
	}
	b.StopTimer()
	slices.Sort(lat)
	b.ReportMetric(float64(lat[len(lat)/2].Microseconds()), "p50-µs")
	b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds()), "p99-µs")
}
