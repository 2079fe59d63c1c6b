package dataset

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

func mustMap(t *testing.T, specs ...string) *Map {
	t.Helper()
	m, err := ParseMap(specs...)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

type want struct {
	id, text string
	labels   []string
	targets  []string
	fn       string
}

func TestLoadFormats(t *testing.T) {
	osactMap := "OFF=offensive,NOT_OFF=,HS=hate,NOT_HS="
	cases := []struct {
		name string
		file string
		opts func(t *testing.T) Options
		want []want
	}{
		{"osact tsv without header, two label columns, <LF>", "osact-like.tsv", func(t *testing.T) Options {
			return Options{TextCol: "1", LabelCols: []string{"2", "3"}, Map: mustMap(t, osactMap), NewlineToken: "<LF>"}
		}, []want{
			{"line-1", "يا حقير\nاسكت", []string{"offensive"}, nil, ""},
			{"line-2", `الله يحفظكم "جميعا"`, []string{}, nil, ""},
			{"line-3", "هؤلاء كلاب يجب طردهم", []string{"hate", "offensive"}, nil, ""},
		}},
		{"osact tsv with per-column maps", "osact-like.tsv", func(t *testing.T) Options {
			return Options{TextCol: "1", LabelCols: []string{"2", "3"}, Map: mustMap(t, "2:OFF=offensive,NOT_OFF=;3:HS=hate,NOT_HS=")}
		}, []want{
			{"line-1", "يا حقير<LF>اسكت", []string{"offensive"}, nil, ""},
			{"line-2", `الله يحفظكم "جميعا"`, []string{}, nil, ""},
			{"line-3", "هؤلاء كلاب يجب طردهم", []string{"hate", "offensive"}, nil, ""},
		}},
		{"l-hsab tsv with header and hate=hate+offensive", "lhsab-like.tsv", func(t *testing.T) Options {
			return Options{TextCol: "Tweet", LabelCols: []string{"Class"}, Map: mustMap(t, "normal=,abusive=offensive,hate=hate+offensive")}
		}, []want{
			{"line-2", "صباح الخير يا لبنان", []string{}, nil, ""},
			{"line-3", "يا قذر", []string{"offensive"}, nil, ""},
			{"line-4", "السوريين حشرات", []string{"hate", "offensive"}, nil, ""},
		}},
		{"mlma csv with token mapping", "mlma-like.csv", func(t *testing.T) Options {
			return Options{TextCol: "tweet", LabelCols: []string{"sentiment"}, IDCol: "HITId", LabelSep: "_",
				Map: mustMap(t, "normal=,hateful=hate+offensive,offensive=offensive,abusive=offensive,disrespectful=offensive,fearful=")}
		}, []want{
			{"1", "نص عادي, مع فاصلة", []string{}, []string{"origin"}, ""},
			{"2", "سطر \"مقتبس\"\nثاني", []string{"hate", "offensive"}, []string{"gender"}, ""},
			{"3", "كلام مهين", []string{"offensive"}, []string{"other"}, ""},
		}},
		{"gold jsonl", "gold-like.jsonl", func(t *testing.T) Options { return Options{} }, []want{
			{"ig-incite_sect_explicit-001", "لازم نطلعهم من المنطقة كلهم", []string{"hate", "incitement"}, []string{"sunni"}, "incite_sect_explicit"},
			{"ig-political_criticism_harsh-001", "الحكومة حرامية ارحلوا", []string{}, []string{"government"}, "political_criticism_harsh"},
			{"ig-counter_speech_unity-001", "لا سنية لا شيعية", []string{"counter_speech"}, []string{"shia", "sunni"}, "counter_speech_unity"},
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			d, err := LoadFile(filepath.Join("..", "..", "testdata", "eval", c.file), c.opts(t))
			if err != nil {
				t.Fatal(err)
			}
			if len(d.Items) != len(c.want) {
				t.Fatalf("%d items, want %d", len(d.Items), len(c.want))
			}
			if len(d.SHA256) != 64 {
				t.Errorf("SHA256 %q", d.SHA256)
			}
			for i, w := range c.want {
				it := d.Items[i]
				if it.ID != w.id || it.Text != w.text || !reflect.DeepEqual(it.Labels, w.labels) ||
					!reflect.DeepEqual(it.Targets, w.targets) || it.Functionality != w.fn {
					t.Errorf("item %d = %+v\nwant %+v\ntext bytes % x", i, it, w, it.Text)
				}
			}
		})
	}
}

func TestLoadErrors(t *testing.T) {
	cases := []struct {
		name    string
		format  Format
		data    string
		opts    Options
		want    string
		isEmpty bool
	}{
		{"empty file", JSONL, "", Options{}, "no items", true},
		{"blank lines only", JSONL, "\n\n  \n", Options{}, "no items", true},
		{"header only", CSV, "text,labels\n", Options{}, "no items", true},
		{"label missing from map", TSV, "a\tOFF\tHS\nb\tOFF\tXX\n", Options{TextCol: "1", LabelCols: []string{"2", "3"}},
			`line 2: label "XX" (column 3) is not in the label map`, false},
		{"token missing from map", CSV, "tweet,sentiment\nx,hateful_angry\n", Options{TextCol: "tweet", LabelCols: []string{"sentiment"}, LabelSep: "_"},
			`line 2: label "angry" (token of "hateful_angry", column sentiment)`, false},
		{"bad json", JSONL, `{"text":"a","labels":[]}` + "\n{oops\n", Options{}, "line 2: not a JSON object", false},
		{"missing text", JSONL, `{"labels":[]}`, Options{}, `line 1: missing field "text"`, false},
		{"missing labels", JSONL, `{"text":"a"}`, Options{}, `line 1: missing label field "labels"`, false},
		{"labels of the wrong type", JSONL, `{"text":"a","labels":{"x":1}}`, Options{}, `line 1: field "labels" is not a string or an array`, false},
		{"empty text", TSV, "a\tOFF\tHS\n \tOFF\tHS\n", Options{TextCol: "1", LabelCols: []string{"2", "3"}}, "line 2: empty text", false},
		{"short row", TSV, "a\tOFF\tHS\nb\tOFF\n", Options{TextCol: "1", LabelCols: []string{"2", "3"}}, "line 2: label column 3 missing", false},
		{"unknown column", CSV, "tweet,sentiment\nx,normal\n", Options{TextCol: "text"}, `no column "text" in the header (columns: tweet, sentiment)`, false},
		{"bad csv quoting", CSV, "text,labels\n\"a,b\n", Options{}, "parsing CSV", false},
		{"column zero", TSV, "a\tb\n", Options{TextCol: "0", LabelCols: []string{"2"}}, "numbered from 1", false},
	}
	mp := mustMap(t, "OFF=offensive,HS=hate,hateful=hate,normal=")
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			c.opts.Format = c.format
			if c.opts.Map == nil && (c.format != JSONL) {
				c.opts.Map = mp
			}
			_, err := Parse([]byte(c.data), c.opts)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("error %v, want one containing %q", err, c.want)
			}
			if errors.Is(err, ErrEmpty) != c.isEmpty {
				t.Errorf("errors.Is(err, ErrEmpty) = %v", !c.isEmpty)
			}
		})
	}
}

func TestParseMap(t *testing.T) {
	cases := []struct {
		name, spec, want, err string
	}{
		{"simple", "OFF=offensive,NOT_OFF=", "NOT_OFF=,OFF=offensive", ""},
		{"several labels", "hate=hate+offensive", "hate=hate+offensive", ""},
		{"per column", "2:OFF=offensive;3:HS=hate", "2:OFF=offensive;3:HS=hate", ""},
		{"no equals", "OFF", "", "want VALUE=LABEL"},
		{"duplicate", "a=x,a=y", "", "mapped twice"},
		{"empty", " ; ", "", "empty label map"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			m, err := ParseMap(c.spec)
			if c.err != "" {
				if err == nil || !strings.Contains(err.Error(), c.err) {
					t.Fatalf("error %v, want %q", err, c.err)
				}
				return
			}
			if err != nil || m.String() != c.want {
				t.Fatalf("ParseMap = %v, %v; want %s", m, err, c.want)
			}
		})
	}
}

func TestDetectFormat(t *testing.T) {
	for p, want := range map[string]Format{"a.jsonl": JSONL, "b.TSV": TSV, "c.csv": CSV, "d.ndjson": JSONL} {
		if f, err := DetectFormat(p); err != nil || f != want {
			t.Errorf("DetectFormat(%s) = %v, %v", p, f, err)
		}
	}
	if _, err := DetectFormat("x.txt"); err == nil || !strings.Contains(err.Error(), "x.txt") {
		t.Errorf("DetectFormat(x.txt) error %v", err)
	}
}

// The shared corpora in their original formats load to the same items as
// their JSONL twins, with the flags documented in docs/eval.md.
func TestSharedCorporaMatchJSONL(t *testing.T) {
	dir, err := SharedDir()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(dir); err != nil {
		t.Skipf("shared datasets not found at %s (set RASD_DATASETS): %v", dir, err)
	}
	mlmaMap := "normal=,fearful=,hateful=hate+offensive,offensive=offensive,abusive=offensive,disrespectful=offensive"
	cases := []struct {
		orig, twin string
		opts       func(t *testing.T) Options
	}{
		{"osact2020/dev.tsv", "osact2020/dev.jsonl", func(t *testing.T) Options {
			return Options{TextCol: "1", LabelCols: []string{"2", "3"}, Map: mustMap(t, "OFF=offensive,NOT_OFF=,HS=hate,NOT_HS="), NewlineToken: "<LF>"}
		}},
		{"lhsab/test.tsv", "lhsab/test.jsonl", func(t *testing.T) Options {
			return Options{TextCol: "Tweet", LabelCols: []string{"Class"}, Map: mustMap(t, "normal=,abusive=offensive,hate=hate+offensive")}
		}},
		{"mlma/test.csv", "mlma/test.jsonl", func(t *testing.T) Options {
			return Options{TextCol: "tweet", LabelCols: []string{"sentiment"}, LabelSep: "_", Map: mustMap(t, mlmaMap)}
		}},
	}
	for _, c := range cases {
		t.Run(c.orig, func(t *testing.T) {
			a, err := LoadFile(filepath.Join(dir, c.orig), c.opts(t))
			if err != nil {
				t.Fatal(err)
			}
			b, err := LoadFile(filepath.Join(dir, c.twin), Options{})
			if err != nil {
				t.Fatal(err)
			}
			if len(a.Items) != len(b.Items) {
				t.Fatalf("%d items vs %d in the JSONL twin", len(a.Items), len(b.Items))
			}
			for i := range a.Items {
				x, y := a.Items[i], b.Items[i]
				if x.Text != y.Text || !reflect.DeepEqual(x.Labels, y.Labels) {
					t.Fatalf("item %d (line %d) differs:\n%q %v\n%q %v", i, x.Line, x.Text, x.Labels, y.Text, y.Labels)
				}
			}
		})
	}
}
