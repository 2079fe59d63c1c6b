package nlp

import (
	"bufio"
	"encoding/json"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"
	"unicode/utf8"
)

func ctexts(b *testing.B) []string {
	files, _ := filepath.Glob("/work/shared/datasets/*/*.jsonl")
	var out []string
	for _, p := range files {
		f, _ := os.Open(p)
		sc := bufio.NewScanner(f)
		sc.Buffer(make([]byte, 1<<20), 1<<24)
		for sc.Scan() {
			var r struct{ Text string }
			json.Unmarshal(sc.Bytes(), &r)
			out = append(out, r.Text)
		}
		f.Close()
	}
	return out
}
func ccpu() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(0, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func BenchmarkCalibLoop(b *testing.B) {
	texts := ctexts(b)
	var tot int64
	for _, t := range texts {
		tot += int64(len(t))
	}
	b.SetBytes(tot)
	u := make([]unit, 0, 100000)
	tab := defaultNormalizer.tab
	st := ccpu()
	for range b.N {
		for _, s := range texts {
			u = u[:0]
			for i := 0; i < len(s); {
				c := s[i]
				var e entry
				size := 1
				if c < utf8.RuneSelf {
					e = tab.low[c]
				} else if c >= 0xC2 && c < 0xE0 && i+1 < len(s) {
					e = tab.low[rune(c&0x1F)<<6|rune(s[i+1]&0x3F)]
					size = 2
				} else {
					_, size = utf8.DecodeRuneInString(s[i:])
				}
				u = append(u, unit{e.r(), int32(i)})
				i += size
			}
		}
	}
	b.ReportMetric(float64(tot)*float64(b.N)/(ccpu()-st).Seconds()/1e6, "cpu-MB/s")
}

func benchStage(b *testing.B, f func(st *state, s string)) {
	texts := ctexts(b)
	var tot int64
	for _, t := range texts {
		tot += int64(len(t))
	}
	b.SetBytes(tot)
	st := ccpu()
	for range b.N {
		for _, s := range texts {
			x := getState()
			f(x, s)
			putState(x)
		}
	}
	b.ReportMetric(float64(tot)*float64(b.N)/(ccpu()-st).Seconds()/1e6, "cpu-MB/s")
}
func BenchmarkStageDecode(b *testing.B) {
	n := defaultNormalizer
	benchStage(b, func(st *state, s string) { n.decodeAll(st, s, n.tab, false) })
}
func BenchmarkStageRun(b *testing.B) {
	n := defaultNormalizer
	benchStage(b, func(st *state, s string) { n.run(st, s) })
}
func BenchmarkStageAll(b *testing.B) {
	n := defaultNormalizer
	benchStage(b, func(st *state, s string) { n.run(st, s); n.encode(st, s, false) })
}
