package mediastage

import (
	"context"
	"fmt"
	"os/exec"

	"github.com/rasd-iq/rasd/models/media/pdq"
	"github.com/rasd-iq/rasd/models/media/vpdq"
)

// maxFrames bounds the keyframes hashed per video (one a second).
const maxFrames = 120

// frames hashes video frames with ffmpeg (vpdq).
type frames struct{ x vpdq.Extractor }

// newVideo returns the keyframe hasher, or an error when ffmpeg is missing.
func newVideo() (VideoHasher, error) {
	if _, err := exec.LookPath("ffmpeg"); err != nil {
		return nil, fmt.Errorf("%w: %v", vpdq.ErrNoFFmpeg, err)
	}
	return frames{}, nil
}

// HashVideo implements VideoHasher.
func (f frames) HashVideo(ctx context.Context, path string) ([]pdq.Hash, []int, error) {
	fs, err := f.x.Hash(ctx, path, maxFrames)
	if err != nil {
		return nil, nil, err
	}
	hs, qs := make([]pdq.Hash, len(fs)), make([]int, len(fs))
	for i, fr := range fs {
		hs[i], qs[i] = fr.Hash, fr.Quality
	}
	return hs, qs, nil
}
