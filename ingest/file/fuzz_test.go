package file

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"testing"

	"github.com/rasd-iq/rasd/ingest"
)

// checkImport reads the file whole and in batches of two and checks what
// every import must satisfy, whatever the input.
func checkImport(t *testing.T, settings string) {
	whole, wholeSkips := fetchAll(t, mustConn(t, settings, ingest.Limits{MaxBodyBytes: 4096}))
	for _, p := range whole {
		if p.Text == "" || p.Platform != Name || len(p.ID) <= len(Name)+1 || p.ID[:len(Name)+1] != Name+":" || !hexSHA.MatchString(p.RawSHA256) {
			t.Fatalf("bad post %+v", p)
		}
	}
	c := mustConn(t, settings, ingest.Limits{MaxPosts: 2, MaxBodyBytes: 4096})
	var cur ingest.Cursor
	var got []ingest.Post
	var skips []string
	for range 10000 {
		batch, next, err := c.Fetch(context.Background(), cur)
		var se *ingest.SkipError
		if errors.As(err, &se) {
			for _, s := range se.Items {
				skips = append(skips, s.Where)
			}
		} else if err != nil {
			t.Fatal(err)
		}
		got = append(got, batch...)
		if next == cur {
			if len(batch) > 0 || se != nil {
				t.Fatalf("cursor %q did not move after a batch", cur)
			}
			break
		}
		cur = next
	}
	if !slices.Equal(ids(got), ids(whole)) || !slices.Equal(skips, wholeSkips) {
		t.Fatalf("batched read %q %q differs from whole read %q %q", ids(got), skips, ids(whole), wholeSkips)
	}
}

func FuzzJSONL(f *testing.F) {
	for _, s := range []string{
		"{\"id\":\"1\",\"text\":\"مرحبا\"}\n",
		"{\"text\":\"a\"}\n\n{\"text\":\"b\"",
		"{\"text\":\"\\ud800\"}\n[]\nnull\n{\"text\":1}\n",
		"\ufeff{\"text\":\"x\",\"created\":\"2024-01-01T00:00:00Z\"}\r\n",
		"{\"text\":\"x\"}{\"text\":\"y\"}\n\xff\xfe\n",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		p := writeTemp(t, "f.jsonl", data)
		checkImport(t, "path: "+p)
	})
}

func FuzzCSV(f *testing.F) {
	for _, s := range []string{
		"id,text,created\n1,مرحبا,2024-01-01\n",
		"id,text,created\n1,\"multi\nline\",\n2,\"unterminated\n3,ok,\n",
		"id,text,created\n\"\"\"\",x,1\n,,\n1,2,3,4\n",
		"id,text,created\r\n1,a\"b,2024\r\n",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		p := writeTemp(t, "f.csv", data)
		settings := fmt.Sprintf("path: %s\ncolumns: {id: id, text: text, created: created}", p)
		if _, err := newConn(t, settings, ingest.Limits{MaxBodyBytes: 4096}); err != nil {
			return // a header without the mapped columns is rejected at start
		}
		checkImport(t, settings)
	})
}
