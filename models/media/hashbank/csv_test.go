package hashbank

import (
	"bytes"
	"reflect"
	"strings"
	"testing"
)

const (
	pdqA = "f8f8f0cce0f4e84d0e370a22028f67f0b36e2ed596623e1d33e6339c4e9c9b22"
	pdqB = "b0a10efd71cc3f429413d48d0ffffe12e34e0e17ada952a9d29684210aa9e5af"
	md5A = "d41d8cd98f00b204e9800998ecf8427e"
	shaA = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
)

func TestReadCSVShapes(t *testing.T) {
	tests := []struct {
		name, data string
		want       []Entry
		skipped    Skipped
	}{
		{"own shape", Header + "\npdq," + pdqA + ",te-1,terrorism propaganda,100\nmd5," + md5A + ",,,\nsha256," + shaA + ",x,,\n",
			[]Entry{{KindPDQ, pdqA, "te-1", []string{"terrorism", "propaganda"}, 100}, {KindMD5, md5A, "", nil, 0}, {KindSHA256, shaA, "x", nil, 0}}, nil},
		{"columns in another order, upper case, extra columns",
			"ID,Added_On,Signal_Value,Signal_Type,Labels\n42,2024-01-01," + strings.ToUpper(pdqA) + ",HASH_PDQ,a;b\n43,2024-01-02," + md5A + ",video_md5,\n",
			[]Entry{{KindPDQ, pdqA, "42", []string{"a", "b"}, 0}, {KindMD5, md5A, "43", nil, 0}}, nil},
		{"header without a type column", "hash,quality,file\n" + pdqA + ",100,bridge.jpg\n" + md5A + ",,x.mp4\n",
			[]Entry{{KindPDQ, pdqA, "bridge.jpg", nil, 100}, {KindMD5, md5A, "x.mp4", nil, 0}}, nil},
		{"other signal types counted", "signal_type,signal_value\ntmk,abc\nvpdq,xyz\npdq," + pdqA + "\ntmk,def\n",
			[]Entry{{Kind: KindPDQ, Value: pdqA}}, Skipped{"tmk": 2, "vpdq": 1}},
		{"bare hashes", "# a comment\n" + pdqA + "\n\n" + md5A + "\n",
			[]Entry{{Kind: KindPDQ, Value: pdqA}, {Kind: KindMD5, Value: md5A}}, nil},
		{"type and hash", "pdq " + pdqA + "\nsha256 " + shaA + "\nurl http://example.com\n",
			[]Entry{{Kind: KindPDQ, Value: pdqA}, {Kind: KindSHA256, Value: shaA}}, Skipped{"url": 1}},
		{"reference hasher output", pdqA + ",100,bridge-1-original.jpg\n" + pdqB + ",87,dir/b.png\n",
			[]Entry{{KindPDQ, pdqA, "bridge-1-original.jpg", nil, 100}, {KindPDQ, pdqB, "dir/b.png", nil, 87}}, nil},
		{"hash and quality", pdqA + ",64\n", []Entry{{Kind: KindPDQ, Value: pdqA, Quality: 64}}, nil},
		{"hasher-matcher-actioner 1.0 data file", pdqA + ",1234567,2021-03-01T00:00:00Z,tag1 tag2\n" + md5A + ",99,0,\n",
			[]Entry{{KindPDQ, pdqA, "1234567", []string{"tag1", "tag2"}, 0}, {KindMD5, md5A, "99", nil, 0}}, nil},
		{"empty file", "", nil, nil},
		{"header only", Header + "\n", nil, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, skipped, err := ReadCSV(strings.NewReader(tt.data), "bank.csv")
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("entries\n got %+v\nwant %+v", got, tt.want)
			}
			if tt.skipped == nil {
				tt.skipped = Skipped{}
			}
			if !reflect.DeepEqual(skipped, tt.skipped) {
				t.Errorf("skipped %v, want %v", skipped, tt.skipped)
			}
		})
	}
}

// TestReadCSVErrors: a bad row is reported as file:line: reason, with the
// line of the file (comments, blank lines and quoted line breaks counted).
func TestReadCSVErrors(t *testing.T) {
	tests := []struct {
		name, data, want string
	}{
		{"short pdq hash", Header + "\npdq," + pdqA[:60] + ",1,,\n", "in.csv:2: pdq hash"},
		{"not hex", "# c\n\n" + strings.Replace(pdqA, "f", "g", 1) + "\n", "in.csv:3: pdq hash"},
		{"md5 given as pdq", "signal_type,signal_value\npdq," + md5A + "\n", "in.csv:2: pdq hash"},
		{"length of no kind", pdqA + "\n" + pdqA[:40] + "\n", "in.csv:2: hash"},
		{"quality out of range", pdqA + ",101,a.jpg\n", "in.csv:1: quality \"101\""},
		{"quality not a number", "hash,quality\n" + pdqA + ",high\n", "in.csv:2: quality"},
		{"fields differ from the header", Header + "\n\"pdq\",\"" + pdqA + "\",\"multi\nline id\",,\npdq," + pdqA + "\n", "in.csv:4: 2 fields, the header has 5"},
		{"too many fields", pdqA + ",1,2,3,4\n", "in.csv:1: 5 fields without a header"},
		{"header without a hash column", "id,signal_type\n1,pdq\n", "in.csv:1: header"},
		{"three words", "pdq " + pdqA + " extra\n", "in.csv:1: want a hash"},
		{"bad quoting", Header + "\npdq,\"" + pdqA + "\"x,,,\n", "in.csv:2:"},
		{"sha256 given without a type", "signal_value\n" + shaA + "0\n", "in.csv:2: hash"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, _, err := ReadCSV(strings.NewReader(tt.data), "in.csv")
			if err == nil || !strings.HasPrefix(err.Error(), tt.want) {
				t.Fatalf("error %v, want it to start %q", err, tt.want)
			}
		})
	}
}

func TestCSVRoundTrip(t *testing.T) {
	in := []Entry{
		{KindPDQ, pdqA, "te:1,2", []string{"violent", "extremism"}, 100},
		{KindPDQ, pdqB, "", nil, 0},
		{KindMD5, md5A, "قناة \"x\"", []string{"a"}, 0},
		{KindSHA256, shaA, "s", nil, 0},
	}
	var buf bytes.Buffer
	if err := WriteCSV(&buf, in); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(buf.String(), Header+"\n") {
		t.Errorf("output starts %q", buf.String()[:40])
	}
	out, skipped, err := ReadCSV(&buf, "round.csv")
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(in, out) || len(skipped) != 0 {
		t.Errorf("round trip\n got %+v\nwant %+v", out, in)
	}
}

func TestParseKindAndNames(t *testing.T) {
	for s, want := range map[string]Kind{"PDQ": KindPDQ, "HASH_PDQ": KindPDQ, "video_md5": KindMD5, "HASH_PHOTO_MD5": KindMD5, "SHA-256": KindSHA256} {
		if k, ok := ParseKind(s); !ok || k != want {
			t.Errorf("ParseKind(%q) = %q, %v", s, k, ok)
		}
	}
	if _, ok := ParseKind("tmk"); ok {
		t.Error("tmk parsed")
	}
	for _, n := range []string{"gifct", "GIFCT-2024.01", "a", "team_bank"} {
		if err := ValidName(n); err != nil {
			t.Errorf("ValidName(%q): %v", n, err)
		}
	}
	for _, n := range []string{"", "../x", "a/b", ".hidden", "-x", "with space", strings.Repeat("a", 65), "ب"} {
		if ValidName(n) == nil {
			t.Errorf("ValidName(%q) accepted", n)
		}
	}
}
