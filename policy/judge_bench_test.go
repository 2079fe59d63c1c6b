package policy_test

import (
	"testing"
	"time"

	"github.com/rasd-iq/rasd/policy"
)

// BenchmarkJudge times judging one post that routes nowhere and one that
// is queued, as the pipeline judges every post.
func BenchmarkJudge(b *testing.B) {
	p := policy.Default()
	th := map[string]float64{"incitement": 0.026, "hate": 0.17, "terrorism": 0.028, "threat": 0.0137, "offensive": 0.37, "counter_speech": 0.02, "news_report": 0.007}
	quiet := map[string]float64{"incitement": 0.004, "hate": 0.02, "terrorism": 0.002, "threat": 0.003, "offensive": 0.13, "counter_speech": 0.002, "news_report": 0.001}
	loud := map[string]float64{"incitement": 0.12, "hate": 0.97, "terrorism": 0.002, "threat": 0.05, "offensive": 0.8, "counter_speech": 0.01, "news_report": 0.001}
	at := time.Now()
	for _, c := range []struct {
		name string
		raw  map[string]float64
	}{{"quiet", quiet}, {"queued", loud}} {
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := p.Judge(policy.Scored{Model: "m@1", Raw: c.raw}, th, at); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
