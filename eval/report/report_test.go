package report

import (
	"bytes"
	"context"
	"encoding/json"
	"regexp"
	"strings"
	"testing"

	"github.com/rasd-iq/rasd/eval"
	"github.com/rasd-iq/rasd/eval/dataset"
	"github.com/rasd-iq/rasd/eval/evaltest"
)

const hostile = `<script>alert("x")</script> يا خنازير & "quotes"`

func data() *dataset.Dataset {
	d := &dataset.Dataset{Path: "mem.jsonl", Format: dataset.JSONL, SHA256: strings.Repeat("ab", 32)}
	texts := []struct {
		t, fn, target string
		l             []string
	}{
		{hostile, "counter_speech_quote", "shia", []string{"counter_speech"}},
		{"الحكومة حرامية", "political_criticism_harsh", "government", nil},
		{"يا حمار", "profanity_insult_personal", "none", []string{"offensive"}},
		{"الروافض كلاب", "hate_slur_sect", "shia", []string{"hate"}},
		{"صباح الخير", "identity_neutral", "sunni", nil},
		{"السنة اخوتنا", "identity_neutral", "sunni", nil},
	}
	for k := range 10 {
		for i, x := range texts {
			d.Items = append(d.Items, dataset.Item{ID: x.fn + "-" + string(rune('a'+k)), Line: k*len(texts) + i + 1,
				Text: x.t, Labels: x.l, Functionality: x.fn, Targets: []string{x.target}})
		}
	}
	return d
}

func TestHTMLReport(t *testing.T) {
	res, err := eval.Evaluate(context.Background(), evaltest.Arabic("a"), data(), eval.Options{Bootstrap: eval.BootstrapOptions{Resamples: 50, Seed: 42}})
	if err != nil {
		t.Fatal(err)
	}
	res.Run.Command = "rasd eval --data mem.jsonl --seed 42"
	var b bytes.Buffer
	if err := WriteHTML(&b, res); err != nil {
		t.Fatal(err)
	}
	html := b.String()
	for _, want := range []string{
		"<!DOCTYPE html>", `<meta charset="utf-8">`,
		res.Model.CardSHA256, res.Data.SHA256, "rasd eval --data mem.jsonl --seed 42", "<dd>42</dd>",
		"<polyline", "<circle", "<rect", // curves, reliability dots, bars
		`dir="auto"`, "Accuracy per functionality", "Error-rate gaps per target", "BPSN",
		"&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; يا خنازير &amp; &#34;quotes&#34;",
		"Threshold sweep", "Functional tests",
	} {
		if !strings.Contains(html, want) {
			t.Errorf("HTML report lacks %q", want)
		}
	}
	if strings.Contains(html, `<script>alert`) {
		t.Error("item text reached the page unescaped")
	}
	// Self-contained: nothing loaded from elsewhere.
	if m := regexp.MustCompile(`(?i)(<script|<link|<img|@import|url\(|src=)`).FindString(html); m != "" {
		t.Errorf("report loads external resources: %q", m)
	}
	for _, u := range regexp.MustCompile(`https?://[^"\s]+`).FindAllString(html, -1) {
		if u != "http://www.w3.org/2000/svg" {
			t.Errorf("report references %s", u)
		}
	}
	if n := strings.Count(html, "<svg"); n != strings.Count(html, "</svg>") || n < 2*3+2 {
		t.Errorf("%d <svg> elements, want at least 8 and balanced", n)
	}
}

func TestJSONRoundTrip(t *testing.T) {
	res, err := eval.Evaluate(context.Background(), evaltest.Arabic("a"), data(), eval.Options{Bootstrap: eval.BootstrapOptions{Resamples: 20, Seed: 1}})
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	if err := WriteJSON(&b, res); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(b.String(), "<script>alert(") {
		t.Error("JSON escapes the text; it should read as written")
	}
	var back eval.Result
	if err := json.Unmarshal(b.Bytes(), &back); err != nil {
		t.Fatal(err)
	}
	if back.Model.ID != res.Model.ID || back.Labels[1].F1 != res.Labels[1].F1 || back.Run.Seed != 1 ||
		back.Functional.Correct != res.Functional.Correct || len(back.Fairness) != len(res.Fairness) {
		t.Errorf("round trip lost data")
	}
}

func TestCompareHTML(t *testing.T) {
	b := evaltest.Arabic("b")
	b.Keywords["hate"] = []string{"خنازير"}
	c, err := eval.Compare(context.Background(), evaltest.Arabic("a"), b, data(), eval.Options{Bootstrap: eval.BootstrapOptions{Resamples: 50, Seed: 2}})
	if err != nil {
		t.Fatal(err)
	}
	var w bytes.Buffer
	if err := WriteCompareHTML(&w, c); err != nil {
		t.Fatal(err)
	}
	html := w.String()
	for _, want := range []string{"fake-a@1", "fake-b@1", "B − A", "Disagreements", "الروافض كلاب", `dir="auto"`, c.B.CardSHA256} {
		if !strings.Contains(html, want) {
			t.Errorf("comparison report lacks %q", want)
		}
	}
}
