package file

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/rasd-iq/rasd/ingest"
	"github.com/rasd-iq/rasd/ingest/dedup"
)

var benchWords = strings.Fields(`الحكومة البرلمان الشعب بغداد البصرة الموصل الانتخابات الفساد المظاهرات الشباب
الجيش الشرطة المحافظة الوزير الكهرباء الماء الرواتب النفط الدولار السوق العشيرة الجامعة الطلاب المستشفى
الطريق الجسر المدينة القرية الشارع اليوم امس باجر هسه شكو ماكو اكو زين هواية كلش چان يمعود والله`)

// BenchmarkFileWithDedup imports a JSONL file of 50,000 posts (one in five a
// copy of an earlier text) through the file connector and the dedup index.
func BenchmarkFileWithDedup(b *testing.B) {
	const n = 50_000
	path := filepath.Join(b.TempDir(), "posts.jsonl")
	f, err := os.Create(path)
	if err != nil {
		b.Fatal(err)
	}
	w := bufio.NewWriter(f)
	r := rand.New(rand.NewPCG(1, 1))
	var texts []string
	for i := range n {
		var text string
		if i%5 == 4 {
			text = texts[r.IntN(len(texts))]
		} else {
			ws := make([]string, 20+r.IntN(20))
			for j := range ws {
				ws[j] = benchWords[r.IntN(len(benchWords))]
			}
			text = strings.Join(ws, " ")
			texts = append(texts, text)
		}
		line, _ := json.Marshal(ingest.Post{ID: fmt.Sprint(i), Text: text, Author: ingest.Author{Handle: fmt.Sprint("user", i%700)},
			Created: time.Unix(1.7e9+int64(i), 0).UTC()})
		w.Write(line)
		w.WriteByte('\n')
	}
	if err := w.Flush(); err != nil {
		b.Fatal(err)
	}
	f.Close()
	b.ResetTimer()
	cpu0 := cpuTime()
	for range b.N {
		c := mustConn(b, "path: "+path, ingest.Limits{MaxPosts: 5000})
		idx := dedup.NewIndex(dedup.Options{})
		var cur ingest.Cursor
		total, fresh := 0, 0
		for {
			posts, next, err := c.Fetch(context.Background(), cur)
			if err != nil {
				b.Fatal(err)
			}
			ids, texts := make([]string, len(posts)), make([]string, len(posts))
			for i, p := range posts {
				ids[i], texts[i] = p.ID, p.Text
			}
			res, _ := idx.ObserveBatch(ids, texts)
			for _, r := range res {
				if r.Kind == dedup.New {
					fresh++
				}
			}
			total += len(posts)
			if len(posts) == 0 {
				break
			}
			cur = next
		}
		if total != n || fresh == n || fresh < n/2 {
			b.Fatalf("imported %d posts, %d new", total, fresh)
		}
	}
	// Wall-clock rate, and the rate per CPU-second actually used (steady
	// when the machine is shared).
	b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "posts/s")
	b.ReportMetric(float64(n)*float64(b.N)/(cpuTime()-cpu0).Seconds(), "posts/cpu-s")
}

// cpuTime is the user and system CPU time used by the process so far.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
