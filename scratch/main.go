package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"strings"

	"github.com/rasd-iq/rasd/models"
	"github.com/rasd-iq/rasd/nlp"
)

type item struct {
	ID, Text, Functionality string
	Labels                  []string
}

var serious = []string{"incitement", "hate", "terrorism", "threat"}

func flagged(p models.Prediction) bool {
	for _, f := range p.Flags {
		for _, s := range serious {
			if f == s {
				return true
			}
		}
	}
	return false
}

// render writes Arabic text in Arabizi, with short vowels guessed.
var tr = map[rune]string{'ا': "a", 'أ': "2", 'إ': "e", 'آ': "a", 'ب': "b", 'ت': "t", 'ث': "th", 'ج': "j", 'ح': "7", 'خ': "5", 'د': "d", 'ذ': "th", 'ر': "r", 'ز': "z", 'س': "s", 'ش': "sh", 'ص': "9", 'ض': "d", 'ط': "6", 'ظ': "z", 'ع': "3", 'غ': "gh", 'ف': "f", 'ق': "q", 'ك': "k", 'ل': "l", 'م': "m", 'ن': "n", 'ه': "h", 'ة': "a", 'و': "o", 'ي': "i", 'ى': "a", 'ء': "2", 'ئ': "2", 'ؤ': "2", 'گ': "g", 'چ': "ch", 'پ': "p", 'ڤ': "v", '،': ",", '؟': "?"}

func render(s string) string {
	var b strings.Builder
	prevCons := false
	for _, r := range s {
		t, ok := tr[r]
		if !ok {
			b.WriteRune(r)
			prevCons = false
			continue
		}
		isVowel := t == "a" || t == "o" || t == "i" || t == "e"
		if prevCons && !isVowel {
			b.WriteString("a")
		}
		b.WriteString(t)
		prevCons = !isVowel && t != "," && t != "?"
	}
	return b.String()
}

func main() {
	m, err := models.Load(os.Args[1], models.Options{})
	if err != nil {
		panic(err)
	}
	var items []item
	for _, f := range os.Args[2:] {
		fh, _ := os.Open(f)
		sc := bufio.NewScanner(fh)
		sc.Buffer(make([]byte, 1<<20), 1<<20)
		for sc.Scan() {
			var it item
			json.Unmarshal(sc.Bytes(), &it)
			items = append(items, it)
		}
	}
	n := nlp.New(nlp.DefaultOptions())
	var texts, plain, read, rtexts, rplain, rread []string
	var viol, rviol []bool
	for _, it := range items {
		if nlp.ReadArabizi(it.Text) == nil {
			// not Arabizi: render it
			r := render(it.Text)
			rtexts = append(rtexts, r)
			rplain = append(rplain, n.Normalize(r))
			rd := nlp.ReadArabizi(r)
			if rd == nil {
				rread = append(rread, n.Normalize(r))
			} else {
				rread = append(rread, rd.Text)
			}
			rviol = append(rviol, len(it.Labels) > 0)
			continue
		}
		texts = append(texts, it.Text)
		plain = append(plain, n.Normalize(it.Text))
		read = append(read, nlp.ReadArabizi(it.Text).Text)
		viol = append(viol, len(it.Labels) > 0)
	}
	report := func(name string, t, norms []string, v []bool) {
		p, err := m.ScoreNormalized(context.Background(), t, norms)
		if err != nil {
			panic(err)
		}
		var tp, pos, fp, neg int
		for i := range p {
			if v[i] {
				pos++
				if flagged(p[i]) {
					tp++
				}
			} else {
				neg++
				if flagged(p[i]) {
					fp++
				}
			}
		}
		fmt.Printf("%-28s violating flagged %d/%d, others flagged %d/%d\n", name, tp, pos, fp, neg)
	}
	fmt.Println("gold Arabizi items:", len(texts))
	report("written arabizi, plain", texts, plain, viol)
	report("written arabizi, read", texts, read, viol)
	var ar []string
	for _, t := range rtexts {
		_ = t
	}
	_ = ar
	fmt.Println("rendered items:", len(rtexts), "e.g.", rtexts[0], "=>", rread[0])
	report("rendered, plain", rtexts, rplain, rviol)
	report("rendered, read", rtexts, rread, rviol)
}
