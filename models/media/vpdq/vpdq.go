// Package vpdq hashes videos for known-content matching: frames taken at a
// steady rate (one a second by default, as Meta's vPDQ does) are decoded by
// the ffmpeg command, scaled to at most 512 pixels a side, and hashed with
// PDQ; a frame whose hash equals the previous frame's is left out.
//
// ffmpeg runs as a separate process under a time limit. It may only read
// the named local file, through the demuxers of common video containers: a
// playlist or concat file that names other files or URLs is refused.
package vpdq

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"image"
	"io"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/rasd-iq/rasd/models/media/pdq"
)

// Defaults of an Extractor's zero fields.
const (
	// DefaultFramesPerSecond is how many frames a second are hashed.
	DefaultFramesPerSecond = 1.0
	// DefaultMaxSide is the largest width or height a frame is scaled to.
	DefaultMaxSide = 512
	// DefaultMaxFrames bounds the frames taken from one video (15 minutes
	// at one a second).
	DefaultMaxFrames = 900
	// DefaultTimeout bounds one ffmpeg run when the context has no deadline.
	DefaultTimeout = 2 * time.Minute
)

// Demuxers is the list of ffmpeg demuxers a video may be read with: the
// common containers, and none that opens other files or URLs (no HLS, DASH,
// concat or image sequences).
const Demuxers = "mov,matroska,webm,avi,flv,mpegts,gif,mpeg,ogg,asf,h264,hevc,m4v"

// ErrNoFFmpeg is returned (wrapped) when the ffmpeg command is not found.
var ErrNoFFmpeg = errors.New("ffmpeg not found (install it with scripts/setup-debian.sh ffmpeg)")

// FrameHash is the PDQ hash of one frame.
type FrameHash struct {
	// Frame is the frame's number among those taken (0, 1, 2, …).
	Frame int `json:"frame"`
	// Second is the frame's time from the start of the video.
	Second float64 `json:"second"`
	// Hash is the frame's PDQ hash.
	Hash pdq.Hash `json:"hash"`
	// Quality is the hash's quality, 0 to 100 (see pdq.FromImage).
	Quality int `json:"quality"`
}

// Extractor runs ffmpeg to take and hash frames. The zero value uses the
// defaults above and the ffmpeg found on $PATH.
type Extractor struct {
	// FFmpeg is the ffmpeg command to run (default "ffmpeg" on $PATH).
	FFmpeg string
	// FramesPerSecond is how many frames a second are taken.
	FramesPerSecond float64
	// MaxSide is the largest width or height a frame is scaled down to.
	MaxSide int
	// Timeout bounds one run when the context has no deadline.
	Timeout time.Duration
}

// FromVideo hashes the video at path with the default Extractor: at most
// maxFrames frames (DefaultMaxFrames when maxFrames ≤ 0), one a second.
func FromVideo(ctx context.Context, path string, maxFrames int) ([]FrameHash, error) {
	return Extractor{}.Hash(ctx, path, maxFrames)
}

// Hash takes up to maxFrames frames (DefaultMaxFrames when maxFrames ≤ 0)
// from the video at path and returns their hashes in order, leaving out a
// frame whose hash equals the one before it. A video without frames gives
// an empty result and no error.
func (e Extractor) Hash(ctx context.Context, path string, maxFrames int) ([]FrameHash, error) {
	bin := e.FFmpeg
	if bin == "" {
		bin = "ffmpeg"
	}
	bin, err := exec.LookPath(bin)
	if err != nil {
		return nil, fmt.Errorf("hashing video %s: %w: %v", path, ErrNoFFmpeg, err)
	}
	fps := e.FramesPerSecond
	if fps <= 0 {
		fps = DefaultFramesPerSecond
	}
	side := e.MaxSide
	if side <= 0 {
		side = DefaultMaxSide
	}
	if maxFrames <= 0 {
		maxFrames = DefaultMaxFrames
	}
	if _, ok := ctx.Deadline(); !ok {
		timeout := e.Timeout
		if timeout <= 0 {
			timeout = DefaultTimeout
		}
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, timeout)
		defer cancel()
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, fmt.Errorf("hashing video %s: %w", path, err)
	}
	s := strconv.Itoa(side)
	cmd := exec.CommandContext(ctx, bin,
		"-nostdin", "-hide_banner", "-loglevel", "error",
		"-format_whitelist", Demuxers, "-protocol_whitelist", "file",
		"-i", "file:"+abs,
		"-an", "-sn", "-dn",
		"-vf", fmt.Sprintf("fps=%s,scale=w='min(%s,iw)':h='min(%s,ih)':force_original_aspect_ratio=decrease",
			strconv.FormatFloat(fps, 'f', -1, 64), s, s),
		"-frames:v", strconv.Itoa(maxFrames),
		"-pix_fmt", "rgb24", "-f", "image2pipe", "-c:v", "ppm", "-")
	var stderr tailBuffer
	cmd.Stderr = &stderr
	cmd.WaitDelay = 5 * time.Second
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, fmt.Errorf("hashing video %s: %w", path, err)
	}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("hashing video %s: starting ffmpeg: %w", path, err)
	}
	frames, readErr := readFrames(bufio.NewReaderSize(out, 1<<16), fps, side, maxFrames)
	if readErr != nil {
		_ = cmd.Process.Kill()
	}
	waitErr := cmd.Wait()
	switch {
	case ctx.Err() != nil:
		return nil, fmt.Errorf("hashing video %s: %w", path, ctx.Err())
	case readErr != nil:
		return nil, fmt.Errorf("hashing video %s: reading frames from ffmpeg: %w", path, readErr)
	case waitErr != nil:
		return nil, fmt.Errorf("hashing video %s: ffmpeg: %w: %s", path, waitErr, bytes.ReplaceAll(bytes.TrimSpace(stderr.Bytes()), []byte("\n"), []byte("; ")))
	}
	return frames, nil
}

// readFrames hashes the PPM frames on r.
func readFrames(r *bufio.Reader, fps float64, side, maxFrames int) ([]FrameHash, error) {
	var out []FrameHash
	for n := 0; ; n++ {
		img, err := readPPM(r, side)
		if errors.Is(err, io.EOF) {
			return out, nil
		}
		if err != nil {
			return out, fmt.Errorf("frame %d: %w", n, err)
		}
		if n >= maxFrames {
			return out, fmt.Errorf("more than the %d frames asked for", maxFrames)
		}
		h, q := pdq.FromImage(img)
		if len(out) > 0 && out[len(out)-1].Hash == h {
			continue
		}
		out = append(out, FrameHash{Frame: n, Second: float64(n) / fps, Hash: h, Quality: q})
	}
}

// readPPM reads one binary PPM (P6, 8 bits) no larger than side×side. It
// returns io.EOF at the clean end of the stream.
func readPPM(r *bufio.Reader, side int) (*image.NRGBA, error) {
	magic, err := token(r)
	if err != nil {
		return nil, err
	}
	if magic != "P6" {
		return nil, fmt.Errorf("not a binary PPM frame (starts %q)", magic)
	}
	var v [3]int
	for i := range v {
		t, err := token(r)
		if err != nil {
			return nil, fmt.Errorf("PPM header: %w", noEOF(err))
		}
		if v[i], err = strconv.Atoi(t); err != nil || v[i] <= 0 {
			return nil, fmt.Errorf("PPM header: bad number %q", t)
		}
	}
	w, h, maxval := v[0], v[1], v[2]
	if w > side || h > side || maxval > 255 {
		return nil, fmt.Errorf("PPM frame %d×%d, maxval %d: want at most %d×%d and 8 bits", w, h, maxval, side, side)
	}
	// One whitespace byte ends the header (token stopped before it).
	if _, err := r.ReadByte(); err != nil {
		return nil, fmt.Errorf("PPM header: %w", noEOF(err))
	}
	img := image.NewNRGBA(image.Rect(0, 0, w, h))
	row := make([]byte, 3*w)
	for y := range h {
		if _, err := io.ReadFull(r, row); err != nil {
			return nil, fmt.Errorf("PPM pixels: %w", noEOF(err))
		}
		px := img.Pix[y*img.Stride : y*img.Stride+4*w]
		for x := range w {
			px[4*x], px[4*x+1], px[4*x+2], px[4*x+3] = row[3*x], row[3*x+1], row[3*x+2], 0xff
		}
	}
	return img, nil
}

// token skips whitespace and # comments and returns the next word, leaving
// the byte after it unread. It returns io.EOF only when nothing is left.
func token(r *bufio.Reader) (string, error) {
	var b []byte
	for {
		c, err := r.ReadByte()
		if err != nil {
			if len(b) > 0 && errors.Is(err, io.EOF) {
				return string(b), nil
			}
			return "", err
		}
		switch {
		case c == '#' && len(b) == 0:
			if _, err := r.ReadString('\n'); err != nil {
				return "", noEOF(err)
			}
		case c == ' ' || c == '\t' || c == '\n' || c == '\r':
			if len(b) > 0 {
				return string(b), r.UnreadByte()
			}
		default:
			if len(b) >= 16 {
				return "", fmt.Errorf("PPM header: token too long")
			}
			b = append(b, c)
		}
	}
}

// noEOF turns an end of stream inside a frame into io.ErrUnexpectedEOF.
func noEOF(err error) error {
	if errors.Is(err, io.EOF) {
		return io.ErrUnexpectedEOF
	}
	return err
}

// tailBuffer keeps the last 2 KB written to it (ffmpeg's error messages).
type tailBuffer struct{ b []byte }

func (t *tailBuffer) Write(p []byte) (int, error) {
	t.b = append(t.b, p...)
	if len(t.b) > 2048 {
		t.b = t.b[len(t.b)-2048:]
	}
	return len(p), nil
}

// Bytes returns what was kept.
func (t *tailBuffer) Bytes() []byte { return t.b }

// videoExts are the file name extensions of the containers in Demuxers.
var videoExts = map[string]bool{
	".mp4": true, ".m4v": true, ".mov": true, ".3gp": true, ".mkv": true, ".webm": true, ".avi": true,
	".flv": true, ".ts": true, ".mts": true, ".mpg": true, ".mpeg": true, ".ogv": true, ".wmv": true,
}

// IsVideoName reports whether path's extension names a video container
// (.mp4, .mkv, .webm, .mov, …; not .gif, which is hashed as an image).
func IsVideoName(path string) bool { return videoExts[strings.ToLower(filepath.Ext(path))] }
