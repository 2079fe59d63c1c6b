package main

import (
	"bufio"
	"encoding/csv"
	"image"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rasd-iq/rasd/models/media/mediatest"
	"github.com/rasd-iq/rasd/models/media/pdq"
)

// TestMediaHashReferenceImages: rasd media hash prints the reference
// hasher's hash,quality,file line for each of the eight reference images,
// each hash within 10 bits of the published one (decoders move a few bits;
// see models/media/pdq) and of quality 100.
func TestMediaHashReferenceImages(t *testing.T) {
	dir := mediatest.Dir(t, "pdq")
	f, err := os.Open(filepath.Join(dir, "expected.csv"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	args := []string{"media", "hash"}
	want := map[string]pdq.Hash{}
	for _, r := range rows {
		p := filepath.Join(dir, "images", r[1])
		args = append(args, p)
		if want[p], err = pdq.ParseHash(r[0]); err != nil {
			t.Fatal(err)
		}
	}
	code, out, errs := runCmd(t, "", args...)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != len(rows) {
		t.Fatalf("%d lines for %d files:\n%s", len(lines), len(rows), out)
	}
	for i, line := range lines {
		parts := strings.Split(line, ",")
		if len(parts) != 3 || parts[2] != args[2+i] {
			t.Fatalf("line %d %q: want hash,quality,%s", i+1, line, args[2+i])
		}
		h, err := pdq.ParseHash(parts[0])
		if err != nil {
			t.Fatal(err)
		}
		if d := pdq.Distance(h, want[parts[2]]); d > 10 || parts[1] != "100" {
			t.Errorf("%s: %d bits from the published hash, quality %s", filepath.Base(parts[2]), d, parts[1])
		}
	}
}

// TestMediaHashKeepsGoing: a file that cannot be hashed is reported on
// stderr, the others are still hashed, and the exit status is 1.
func TestMediaHashKeepsGoing(t *testing.T) {
	tmp := t.TempDir()
	good := filepath.Join(tmp, "a,b.png")
	writeTestPNG(t, good)
	text := filepath.Join(tmp, "notes.jpg")
	os.WriteFile(text, []byte("not an image"), 0o600)
	code, out, errs := runCmd(t, "", "media", "hash", text, filepath.Join(tmp, "missing.png"), good)
	if code != 1 {
		t.Fatalf("exit %d, want 1", code)
	}
	if !strings.HasSuffix(strings.TrimSpace(out), `,"`+good+`"`) || strings.Count(out, "\n") != 1 {
		t.Errorf("stdout %q: want one line for %s, its name quoted", out, good)
	}
	for _, w := range []string{"notes.jpg", "missing.png", "2 of 3 files could not be hashed"} {
		if !strings.Contains(errs, w) {
			t.Errorf("stderr lacks %q:\n%s", w, errs)
		}
	}
	if code, _, errs := runCmd(t, "", "media", "hash"); code != 2 || !strings.Contains(errs, "missing FILE") {
		t.Errorf("no files: exit %d, %s", code, errs)
	}
}

func writeTestPNG(t *testing.T, path string) {
	t.Helper()
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	w := bufio.NewWriter(f)
	if err := encodeTestPNG(w); err != nil {
		t.Fatal(err)
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
}

func TestMediaHashVideo(t *testing.T) {
	if _, err := exec.LookPath("ffmpeg"); err != nil {
		if os.Getenv("RASD_TEST_REQUIRE_SERVERS") != "" {
			t.Fatalf("ffmpeg not found (install it with scripts/setup-debian.sh ffmpeg): %v", err)
		}
		t.Skipf("ffmpeg not found (install it with scripts/setup-debian.sh ffmpeg): %v", err)
	}
	tmp := t.TempDir()
	video := filepath.Join(tmp, "clip.mp4")
	cmd := exec.Command("ffmpeg", "-nostdin", "-loglevel", "error", "-f", "lavfi", "-i", "testsrc=duration=3:size=320x240:rate=10", "-c:v", "mpeg4", video)
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("making the video: %v\n%s", err, b)
	}
	code, out, errs := runCmd(t, "", "media", "hash", "--max-frames", "2", video)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 2 || !strings.HasSuffix(lines[0], ","+video+"#t=0") || !strings.HasSuffix(lines[1], ","+video+"#t=1") {
		t.Errorf("output:\n%s", out)
	}
}

// TestMediaBanks: hashes printed by rasd media hash are imported into a
// bank, listed, switched off and on, and exported in the bank shape; a bad
// file names its line.
func TestMediaBanks(t *testing.T) {
	tmp := t.TempDir()
	data := filepath.Join(tmp, "data")
	hashes := filepath.Join(tmp, "hashes.csv")
	os.WriteFile(hashes, []byte("f8f8f0cce0f4e84d0e370a22028f67f0b36e2ed596623e1d33e6339c4e9c9b22,100,bridge.jpg\n"), 0o600)
	export := filepath.Join(tmp, "gifct.csv")
	os.WriteFile(export, []byte("signal_type,signal_value,id,tags\nHASH_PDQ,b0a10efd71cc3f429413d48d0ffffe12e34e0e17ada952a9d29684210aa9e5af,te-7,terrorism\nHASH_TMK,abc,te-8,\nHASH_MD5,d41d8cd98f00b204e9800998ecf8427e,te-9,\n"), 0o600)
	bad := filepath.Join(tmp, "bad.csv")
	os.WriteFile(bad, []byte("signal_value\nnot-hex\n"), 0o600)
	for _, tc := range []struct {
		name   string
		args   []string
		code   int
		stdout string
		stderr string
	}{
		{"list without banks", []string{"media", "bank", "list", "--data", data}, 0, "BANK", ""},
		{"import hasher output", []string{"media", "bank", "import", "--data", data, "local", hashes}, 0, "bank local: read 1 entries, added 1, now 1", ""},
		{"import again adds nothing", []string{"media", "bank", "import", "--data", data, "local", hashes}, 0, "added 0, now 1", ""},
		{"import an export", []string{"media", "bank", "import", "--data", data, "gifct", export}, 0, "read 2 entries, added 2", `skipped 1 rows of signal type "hash_tmk"`},
		{"disable", []string{"media", "bank", "disable", "--data", data, "gifct"}, 0, "", ""},
		{"list", []string{"media", "bank", "list", "--data", data}, 0, "gifct  disabled  1    1    0\nlocal  enabled   1    0    0", ""},
		{"enable", []string{"media", "bank", "enable", "--data", data, "gifct"}, 0, "", ""},
		{"list again", []string{"media", "bank", "list", "--data", data}, 0, "gifct  enabled  1    1    0", ""},
		{"export", []string{"media", "bank", "export", "--data", data, "gifct"}, 0, "signal_type,signal_value,id,tags,quality\npdq,b0a10efd71cc3f429413d48d0ffffe12e34e0e17ada952a9d29684210aa9e5af,te-7,terrorism,\nmd5,d41d8cd98f00b204e9800998ecf8427e,te-9,,\n", ""},
		{"bad file names its line", []string{"media", "bank", "import", "--data", data, "local", bad}, 1, "", bad + ":2: hash"},
		{"export a missing bank", []string{"media", "bank", "export", "--data", data, "nope"}, 1, "", "loading bank nope"},
		{"bad bank name", []string{"media", "bank", "import", "--data", data, "../x", hashes}, 1, "", "bank name"},
		{"missing argument", []string{"media", "bank", "import", "--data", data, "local"}, 2, "", "want 2 argument(s)"},
		{"flag of another subcommand", []string{"media", "bank", "list", "--replace", "--data", data}, 2, "", "--replace goes with import"},
		{"unknown bank subcommand", []string{"media", "bank", "drop"}, 2, "", `unknown subcommand "drop"`},
		{"no subcommand", []string{"media"}, 2, "", "missing subcommand"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, out, errs := runCmd(t, "", tc.args...)
			if code != tc.code || !strings.Contains(out, tc.stdout) || !strings.Contains(errs, tc.stderr) {
				t.Fatalf("exit %d\nstdout: %s\nstderr: %s\nwant exit %d, stdout ∋ %q, stderr ∋ %q", code, out, errs, tc.code, tc.stdout, tc.stderr)
			}
		})
	}
	out := filepath.Join(tmp, "out.csv")
	if code, _, errs := runCmd(t, "", "media", "bank", "export", "--data", data, "--out", out, "local"); code != 0 {
		t.Fatalf("export --out: %s", errs)
	}
	if b, _ := os.ReadFile(out); !strings.Contains(string(b), "pdq,f8f8f0cce0f4e84d0e370a22028f67f0b36e2ed596623e1d33e6339c4e9c9b22,bridge.jpg,,100\n") {
		t.Errorf("exported file:\n%s", b)
	}
}

func encodeTestPNG(w *bufio.Writer) error {
	img := image.NewGray(image.Rect(0, 0, 64, 48))
	for i := range img.Pix {
		img.Pix[i] = uint8(i * 7 % 251)
	}
	return png.Encode(w, img)
}
