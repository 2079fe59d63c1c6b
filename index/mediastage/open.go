package mediastage

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"time"

	"github.com/rasd-iq/rasd/index/blob"
	"github.com/rasd-iq/rasd/ingest/mediafetch"
	"github.com/rasd-iq/rasd/models/ocr"
)

// Config is the media section of rasd.yaml.
type Config struct {
	// Disabled turns the media stage off: media are listed, never fetched.
	Disabled bool `yaml:"disabled"`
	// Workers is how many posts' media are processed at once (default 2).
	Workers int `yaml:"workers"`
	// MaxImageBytes and MaxVideoBytes cap what is fetched (defaults 20 MiB
	// and 100 MiB).
	MaxImageBytes int64 `yaml:"max_image_bytes"`
	MaxVideoBytes int64 `yaml:"max_video_bytes"`
	// HostInterval spaces requests to one host (default 500ms).
	HostInterval time.Duration `yaml:"host_interval"`
	// AllowInternal fetches media from loopback and private addresses too
	// (tests, an intranet mirror); refused by default.
	AllowInternal bool `yaml:"allow_internal"`
	// Files are folders whose files posts may name as file:// media
	// (archives imported from disk, the bundled demo).
	Files []string `yaml:"files"`
	// S3 keeps media in an S3-compatible bucket instead of DATA/media;
	// its settings come from the environment (RASD_S3_*, docs/media.md).
	S3 bool `yaml:"s3"`
	// OCR reads the text in images with Tesseract.
	OCR struct {
		// Disabled turns text reading off.
		Disabled bool `yaml:"disabled"`
		// Languages are Tesseract's codes joined by "+" (default ara+eng).
		Languages string `yaml:"languages"`
	} `yaml:"ocr"`
	// Banks are the banks of known content matched against (docs/media.md).
	Banks struct {
		// Dir holds one CSV file per bank (default DATA/banks).
		Dir string `yaml:"dir"`
		// Disabled names banks not matched against.
		Disabled []string `yaml:"disabled"`
		// MaxDistance is the largest PDQ distance that matches (default 31).
		MaxDistance int `yaml:"max_distance"`
		// MinQuality is the lowest PDQ quality matched on (default 50).
		MinQuality int `yaml:"min_quality"`
	} `yaml:"banks"`
	// Video hashes video keyframes with ffmpeg.
	Video struct {
		// Disabled turns keyframe hashing off.
		Disabled bool `yaml:"disabled"`
	} `yaml:"video"`
}

// OpenStore opens the media store cfg names: DATA/media, or the S3 bucket
// of the RASD_S3_* environment when cfg.S3.
func OpenStore(ctx context.Context, cfg Config, dataDir string) (blob.Store, error) {
	if cfg.S3 {
		s3cfg, err := blob.S3ConfigFromEnv(os.Getenv)
		if err != nil {
			return nil, fmt.Errorf("media store: %w", err)
		}
		s3, err := blob.OpenS3(ctx, s3cfg)
		if err != nil {
			return nil, fmt.Errorf("media store: %w", err)
		}
		return s3, nil
	}
	d, err := blob.OpenDir(filepath.Join(dataDir, blob.DirName))
	if err != nil {
		return nil, fmt.Errorf("media store: %w", err)
	}
	return d, nil
}

// Resolve makes cfg's relative folders (files, banks) relative to base,
// the folder of the configuration file.
func (cfg *Config) Resolve(base string) {
	paths := []*string{&cfg.Banks.Dir}
	for i := range cfg.Files {
		paths = append(paths, &cfg.Files[i])
	}
	for _, p := range paths {
		if *p != "" && !filepath.IsAbs(*p) {
			*p = filepath.Join(base, *p)
		}
	}
}

// Opened is the media stage and the store it keeps media in.
type Opened struct {
	Stage *Stage
	Store blob.Store
}

// Open builds the media stage from cfg: the media store (DATA/media, or S3
// when cfg.S3), the fetcher, OCR and keyframe hashing where their tools are
// installed (a warning names what is missing). base resolves relative
// folders in cfg.Files.
func Open(ctx context.Context, cfg Config, dataDir, base string, log *slog.Logger) (*Opened, error) {
	st, err := OpenStore(ctx, cfg, dataDir)
	if err != nil {
		return nil, err
	}
	f, err := mediafetch.New(st, mediafetch.Config{MaxImageBytes: cfg.MaxImageBytes, MaxVideoBytes: cfg.MaxVideoBytes,
		HostInterval: cfg.HostInterval, AllowInternal: cfg.AllowInternal})
	if err != nil {
		return nil, fmt.Errorf("media fetcher: %w", err)
	}
	s := &Stage{Fetch: f, Blobs: st}
	if len(cfg.Files) > 0 {
		l := &Local{Store: st, Policy: f, Next: f}
		for _, d := range cfg.Files {
			if !filepath.IsAbs(d) {
				d = filepath.Join(base, d)
			}
			l.Roots = append(l.Roots, filepath.Clean(d))
		}
		s.Fetch = l
	}
	dir := cfg.Banks.Dir
	if dir == "" {
		dir = filepath.Join(dataDir, "banks")
	}
	set, err := loadBanks(dir, cfg.Banks.Disabled, cfg.Banks.MaxDistance, cfg.Banks.MinQuality)
	if err != nil {
		return nil, err
	}
	s.Banks = Banks{Set: set}
	for _, b := range set.Banks() {
		log.Info("media stage: bank of known content", "bank", b.Name, "enabled", b.Enabled, "hashes", b.Counts)
	}
	if !cfg.OCR.Disabled {
		r := &ocr.Reader{Languages: cfg.OCR.Languages}
		if err := r.Available(ctx); err != nil {
			log.Warn("media stage: the text in images will not be read", "err", err)
		} else {
			s.OCR = r
		}
	}
	if !cfg.Video.Disabled {
		if v, err := newVideo(); err != nil {
			log.Warn("media stage: video keyframes will not be hashed", "err", err)
		} else {
			s.Video = v
		}
	}
	return &Opened{Stage: s, Store: st}, nil
}
