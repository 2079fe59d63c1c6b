package vpdq

import (
	"bufio"
	"context"
	"errors"
	"image"
	"image/color"
	"image/png"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/rasd-iq/rasd/models/media/pdq"
)

// needFFmpeg skips the test when ffmpeg is missing, or fails it when
// RASD_TEST_REQUIRE_SERVERS is set (make test installs ffmpeg).
func needFFmpeg(t *testing.T) {
	t.Helper()
	if _, err := exec.LookPath("ffmpeg"); err != nil {
		if os.Getenv("RASD_TEST_REQUIRE_SERVERS") != "" {
			t.Fatalf("ffmpeg not found (install it with scripts/setup-debian.sh ffmpeg): %v", err)
		}
		t.Skipf("ffmpeg not found (install it with scripts/setup-debian.sh ffmpeg): %v", err)
	}
}

// ffmpeg runs ffmpeg with args in dir.
func ffmpeg(t *testing.T, dir string, args ...string) {
	t.Helper()
	cmd := exec.Command("ffmpeg", append([]string{"-nostdin", "-hide_banner", "-loglevel", "error", "-y"}, args...)...)
	cmd.Dir = dir
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("ffmpeg %s: %v\n%s", strings.Join(args, " "), err, out)
	}
}

// picture is a 640×360 image with structure at several scales.
func picture(seed int) *image.NRGBA {
	img := image.NewNRGBA(image.Rect(0, 0, 640, 360))
	for y := range 360 {
		for x := range 640 {
			v := uint8((x*7+y*3*seed)/5) ^ uint8((x/40+y/30*seed)*37)
			img.SetNRGBA(x, y, color.NRGBA{v, uint8(x / 3), 255 - v, 255})
		}
	}
	return img
}

func writePNG(t *testing.T, path string, img image.Image) {
	t.Helper()
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	w := bufio.NewWriter(f)
	if err := png.Encode(w, img); err != nil {
		t.Fatal(err)
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	f.Close()
}

func TestMovingVideo(t *testing.T) {
	needFFmpeg(t)
	dir := t.TempDir()
	ffmpeg(t, dir, "-f", "lavfi", "-i", "testsrc=duration=5:size=320x240:rate=10", "-c:v", "mpeg4", "-q:v", "3", "moving.mp4")
	frames, err := FromVideo(context.Background(), filepath.Join(dir, "moving.mp4"), 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(frames) != 5 {
		t.Fatalf("%d frames from 5 seconds, want 5: %+v", len(frames), frames)
	}
	for i, f := range frames {
		if f.Frame != i || f.Second != float64(i) {
			t.Errorf("frame %d: number %d at %gs", i, f.Frame, f.Second)
		}
		if f.Quality < 50 {
			t.Errorf("frame %d: quality %d", i, f.Quality)
		}
		if i > 0 && f.Hash == frames[i-1].Hash {
			t.Errorf("frame %d repeats the one before it", i)
		}
	}

	few, err := FromVideo(context.Background(), filepath.Join(dir, "moving.mp4"), 2)
	if err != nil {
		t.Fatal(err)
	}
	if len(few) != 2 || few[0].Hash != frames[0].Hash || few[1].Hash != frames[1].Hash {
		t.Errorf("maxFrames 2: %+v", few)
	}
}

// TestStillVideo: a still picture shown for four seconds gives one frame
// (the repeats are left out), whose hash matches the picture's.
func TestStillVideo(t *testing.T) {
	needFFmpeg(t)
	dir := t.TempDir()
	pic := picture(3)
	writePNG(t, filepath.Join(dir, "still.png"), pic)
	ffmpeg(t, dir, "-loop", "1", "-i", "still.png", "-t", "4", "-r", "5", "-c:v", "ffv1", "still.mkv")
	ffmpeg(t, dir, "-loop", "1", "-i", "still.png", "-t", "3", "-r", "5", "-c:v", "libx264", "-pix_fmt", "yuv420p", "still.mp4")
	want, _ := pdq.FromImage(pic)
	other, _ := pdq.FromImage(picture(7))
	for _, name := range []string{"still.mkv", "still.mp4"} {
		frames, err := Extractor{Timeout: time.Minute}.Hash(context.Background(), filepath.Join(dir, name), 0)
		if err != nil {
			t.Fatal(err)
		}
		if len(frames) == 0 || (name == "still.mkv" && len(frames) != 1) {
			t.Fatalf("%s: %d frames, want one: %+v", name, len(frames), frames)
		}
		for _, f := range frames {
			if d := pdq.Distance(f.Hash, want); d > 31 {
				t.Errorf("%s: frame %d is %d bits from the picture", name, f.Frame, d)
			} else {
				t.Logf("%s: frame %d is %d bits from the picture", name, f.Frame, d)
			}
			if d := pdq.Distance(f.Hash, other); d <= 31 {
				t.Errorf("%s: frame %d only %d bits from another picture", name, f.Frame, d)
			}
		}
	}
}

func TestRefusals(t *testing.T) {
	needFFmpeg(t)
	dir := t.TempDir()
	// A playlist naming a local file: ffmpeg would read it if allowed to.
	secret := filepath.Join(dir, "secret.txt")
	if err := os.WriteFile(secret, []byte("not for ffmpeg\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	ffmpeg(t, dir, "-f", "lavfi", "-i", "testsrc=duration=2:size=160x120:rate=5", "-c:v", "mpeg4", "-f", "mpegts", "seg.ts")
	files := map[string]string{
		"list.m3u8":  "#EXTM3U\n#EXT-X-TARGETDURATION:2\n#EXTINF:2,\nseg.ts\n#EXT-X-ENDLIST\n",
		"concat.txt": "ffconcat version 1.0\nfile seg.ts\n",
		"text.mp4":   "this is not a video\n",
		"empty.mp4":  "",
	}
	for name, body := range files {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
		frames, err := FromVideo(context.Background(), p, 0)
		if err == nil {
			t.Errorf("%s: accepted, %d frames", name, len(frames))
		} else {
			t.Logf("%s: %v", name, err)
		}
	}
	if _, err := FromVideo(context.Background(), filepath.Join(dir, "missing.mp4"), 0); err == nil {
		t.Error("missing file accepted")
	}
	// The segment itself is a video.
	if frames, err := FromVideo(context.Background(), filepath.Join(dir, "seg.ts"), 0); err != nil || len(frames) != 2 {
		t.Errorf("seg.ts: %d frames, %v", len(frames), err)
	}
}

func TestTimeoutAndMissingFFmpeg(t *testing.T) {
	needFFmpeg(t)
	dir := t.TempDir()
	ffmpeg(t, dir, "-f", "lavfi", "-i", "testsrc=duration=20:size=640x360:rate=25", "-c:v", "mpeg4", "long.mp4")
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err := FromVideo(ctx, filepath.Join(dir, "long.mp4"), 0)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("error %v, want the deadline", err)
	}
	if el := time.Since(start); el > 10*time.Second {
		t.Errorf("took %v to stop", el)
	}
	_, err = Extractor{FFmpeg: filepath.Join(dir, "no-such-ffmpeg")}.Hash(context.Background(), filepath.Join(dir, "long.mp4"), 1)
	if !errors.Is(err, ErrNoFFmpeg) {
		t.Errorf("error %v, want ErrNoFFmpeg", err)
	}
}

func TestReadPPM(t *testing.T) {
	tests := []struct {
		name, data string
		ok         bool
	}{
		{"one pixel", "P6\n1 1\n255\n\x01\x02\x03", true},
		{"comment", "P6 # made by hand\n2 1 255\n\x01\x02\x03\x04\x05\x06", true},
		{"truncated pixels", "P6\n2 2\n255\n\x01\x02", false},
		{"too wide", "P6\n9999 1\n255\n", false},
		{"sixteen bits", "P6\n1 1\n65535\n\x00\x00\x00\x00\x00\x00", false},
		{"grey map", "P5\n1 1\n255\n\x00", false},
		{"bad number", "P6\n1 x\n255\n", false},
		{"header cut", "P6\n1", false},
		{"long token", "P6\n" + strings.Repeat("9", 40) + " 1\n255\n", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			img, err := readPPM(bufio.NewReader(strings.NewReader(tt.data)), 512)
			if tt.ok != (err == nil) {
				t.Fatalf("error %v, want ok=%v", err, tt.ok)
			}
			if err == nil && img.Pix[0] != 1 {
				t.Errorf("first pixel %v", img.Pix[:4])
			}
			if err != nil && errors.Is(err, io.EOF) {
				t.Errorf("plain EOF inside a frame: %v", err)
			}
		})
	}
	if _, err := readPPM(bufio.NewReader(strings.NewReader(" \n")), 512); err != io.EOF {
		t.Errorf("end of stream: %v", err)
	}
}

func TestIsVideoName(t *testing.T) {
	for name, want := range map[string]bool{"a.mp4": true, "dir/B.MKV": true, "x.webm": true, "p.jpg": false, "anim.gif": false, "noext": false, "a.mp4.png": false} {
		if IsVideoName(name) != want {
			t.Errorf("IsVideoName(%q) = %v", name, !want)
		}
	}
}
