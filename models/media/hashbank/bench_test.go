package hashbank

import (
	"math/rand/v2"
	"testing"
	"time"

	"github.com/rasd-iq/rasd/models/media/pdq"
)

// benchBank is a million random hashes and 1024 queries, one in ten a near
// copy of a banked hash.
func benchBank() (hashes, queries []pdq.Hash) {
	const n = 1_000_000
	r := rand.New(rand.NewPCG(1, 1))
	hashes = make([]pdq.Hash, n)
	for i := range hashes {
		hashes[i] = randomHash(r)
	}
	queries = make([]pdq.Hash, 1024)
	for i := range queries {
		if i%10 == 0 {
			queries[i] = flip(r, hashes[r.IntN(n)], r.IntN(21))
		} else {
			queries[i] = randomHash(r)
		}
	}
	return hashes, queries
}

// BenchmarkMatch1M: one PDQ query against a bank of a million random
// hashes at the default distance (31) and quality; one query in ten is a
// near copy (within 20 bits) of a banked hash. Random hashes spread evenly
// over the chunks' buckets, as real banks' hashes do.
func BenchmarkMatch1M(b *testing.B) {
	hashes, queries := benchBank()
	entries := make([]Entry, len(hashes))
	for i, h := range hashes {
		entries[i] = Entry{Kind: KindPDQ, Value: h.String()}
	}
	start := time.Now()
	s, err := NewSet(&Bank{Name: "big", Entries: entries})
	if err != nil {
		b.Fatal(err)
	}
	b.Logf("indexed %d hashes in %v", len(hashes), time.Since(start).Round(time.Millisecond))
	b.ReportAllocs()
	b.ResetTimer()
	found, i := 0, 0
	for b.Loop() {
		found += len(s.Match(queries[i%len(queries)], 100))
		i++
	}
	b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(b.N), "µs/query")
	if i >= len(queries) && found < i/10 {
		b.Fatalf("%d matches in %d queries", found, i)
	}
}

// BenchmarkFullScan1M: the same queries checked against every hash, the
// cost the index saves.
func BenchmarkFullScan1M(b *testing.B) {
	hashes, queries := benchBank()
	ix := NewIndex(hashes)
	b.ResetTimer()
	i, found := 0, 0
	for b.Loop() {
		qw := words(queries[i%len(queries)])
		for j := range ix.hashes {
			if distance(&qw, &ix.hashes[j]) <= DefaultMaxDistance {
				found++
			}
		}
		i++
	}
	b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(b.N), "µs/query")
	if i >= len(queries) && found < i/10 {
		b.Fatalf("%d matches in %d queries", found, i)
	}
}
