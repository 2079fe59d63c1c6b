package blob

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"

	"github.com/rasd-iq/rasd/ingest"
)

// S3Config says where an S3 store keeps its blobs.
type S3Config struct {
	// Endpoint is the server's host and port, without scheme (e.g.
	// "s3.eu-central-1.amazonaws.com" or "minio.internal:9000").
	Endpoint string
	// Bucket holds the blobs.
	Bucket string
	// Region is the bucket's region; empty lets the client ask the server.
	Region string
	// AccessKey and SecretKey sign the requests (AWS signature v4).
	AccessKey string
	SecretKey ingest.Secret
	// TLS speaks HTTPS to the endpoint.
	TLS bool
	// Prefix is put before every object name (e.g. "media/"); a slash is
	// added when it lacks one.
	Prefix string
	// CreateBucket creates the bucket when it is missing; otherwise a
	// missing bucket is an error.
	CreateBucket bool
	// PartSize is the size of each part of a multipart upload, used for
	// blobs larger than one part (default DefaultPartSize, at least
	// MinPartSize). Each Put holds up to two parts in memory.
	PartSize int64
}

// Sizes of the parts of multipart uploads.
const (
	DefaultPartSize = 16 << 20
	MinPartSize     = 5 << 20 // the smallest S3 allows
)

// MaxS3Blob is the largest blob an S3 store takes: its commit is a
// server-side copy, which S3 allows up to 5 GiB.
const MaxS3Blob = 5 << 30

// Environment variables read by S3ConfigFromEnv.
const (
	EnvS3Endpoint     = "RASD_S3_ENDPOINT"
	EnvS3Bucket       = "RASD_S3_BUCKET"
	EnvS3Region       = "RASD_S3_REGION"
	EnvS3AccessKey    = "RASD_S3_ACCESS_KEY"
	EnvS3SecretKey    = "RASD_S3_SECRET_KEY"
	EnvS3TLS          = "RASD_S3_TLS"           // true (default) or false
	EnvS3Prefix       = "RASD_S3_PREFIX"        // default "media/"
	EnvS3CreateBucket = "RASD_S3_CREATE_BUCKET" // false (default) or true
)

// S3ConfigFromEnv reads an S3Config from the RASD_S3_* variables through
// getenv (os.Getenv in the engine) and validates it.
func S3ConfigFromEnv(getenv func(string) string) (S3Config, error) {
	c := S3Config{
		Endpoint:  getenv(EnvS3Endpoint),
		Bucket:    getenv(EnvS3Bucket),
		Region:    getenv(EnvS3Region),
		AccessKey: getenv(EnvS3AccessKey),
		SecretKey: ingest.Secret(getenv(EnvS3SecretKey)),
		TLS:       true,
		Prefix:    "media/",
	}
	if v, ok := lookup(getenv, EnvS3Prefix); ok {
		c.Prefix = v
	}
	for _, b := range []struct {
		name string
		to   *bool
	}{{EnvS3TLS, &c.TLS}, {EnvS3CreateBucket, &c.CreateBucket}} {
		v, ok := lookup(getenv, b.name)
		if !ok {
			continue
		}
		x, err := strconv.ParseBool(v)
		if err != nil {
			return S3Config{}, fmt.Errorf("%s=%q: want true or false", b.name, v)
		}
		*b.to = x
	}
	return c, c.Validate()
}

func lookup(getenv func(string) string, name string) (string, bool) {
	v := getenv(name)
	return v, v != ""
}

// Validate reports the first thing wrong with c.
func (c S3Config) Validate() error {
	switch {
	case c.Endpoint == "":
		return fmt.Errorf("s3 store: no endpoint (set %s)", EnvS3Endpoint)
	case strings.Contains(c.Endpoint, "://") || strings.Contains(c.Endpoint, "/"):
		return fmt.Errorf("s3 store: endpoint %q: want host[:port] without scheme or path (%s chooses https)", c.Endpoint, EnvS3TLS)
	case c.Bucket == "":
		return fmt.Errorf("s3 store: no bucket (set %s)", EnvS3Bucket)
	case c.AccessKey == "" || c.SecretKey == "":
		return fmt.Errorf("s3 store: no credentials (set %s and %s)", EnvS3AccessKey, EnvS3SecretKey)
	case strings.HasPrefix(c.Prefix, "/"):
		return fmt.Errorf("s3 store: prefix %q must not start with a slash", c.Prefix)
	case c.PartSize != 0 && c.PartSize < MinPartSize:
		return fmt.Errorf("s3 store: part size %d is below the %d bytes S3 allows", c.PartSize, MinPartSize)
	}
	return nil
}

// S3 keeps blobs in an S3-compatible bucket: PREFIX ab/cd/<sha256>, with the
// SHA-256 and MD5 in the object's metadata, and temporary objects under
// PREFIX tmp/. A Put uploads to a temporary object and commits it with a
// server-side copy.
type S3 struct {
	c        *minio.Client
	bucket   string
	prefix   string
	partSize int64
	now      func() time.Time
}

// OpenS3 connects to the bucket cfg names, creating it if it is missing and
// cfg.CreateBucket allows.
func OpenS3(ctx context.Context, cfg S3Config) (*S3, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	c, err := minio.New(cfg.Endpoint, &minio.Options{
		Creds:  credentials.NewStaticV4(cfg.AccessKey, cfg.SecretKey.Reveal(), ""),
		Secure: cfg.TLS,
		Region: cfg.Region,
	})
	if err != nil {
		return nil, fmt.Errorf("s3 store %s: %w", cfg.Endpoint, err)
	}
	ok, err := c.BucketExists(ctx, cfg.Bucket)
	if err != nil {
		return nil, fmt.Errorf("s3 store: checking bucket %q at %s: %w", cfg.Bucket, cfg.Endpoint, err)
	}
	if !ok {
		if !cfg.CreateBucket {
			return nil, fmt.Errorf("s3 store: bucket %q does not exist at %s (create it, or set %s=true)", cfg.Bucket, cfg.Endpoint, EnvS3CreateBucket)
		}
		if err := c.MakeBucket(ctx, cfg.Bucket, minio.MakeBucketOptions{Region: cfg.Region}); err != nil {
			return nil, fmt.Errorf("s3 store: creating bucket %q at %s: %w", cfg.Bucket, cfg.Endpoint, err)
		}
	}
	prefix := cfg.Prefix
	if prefix != "" && !strings.HasSuffix(prefix, "/") {
		prefix += "/"
	}
	part := cfg.PartSize
	if part == 0 {
		part = DefaultPartSize
	}
	return &S3{c: c, bucket: cfg.Bucket, prefix: prefix, partSize: part, now: time.Now}, nil
}

// WithClock makes s judge the age of temporary objects by now instead of the
// system clock and returns s. The server dates the blobs.
func (s *S3) WithClock(now func() time.Time) *S3 {
	s.now = now
	return s
}

// Key returns the object name of the blob named key (key must be valid).
func (s *S3) Key(key string) string {
	return s.prefix + key[0:2] + "/" + key[2:4] + "/" + key
}

// Metadata names on the committed objects.
const (
	metaSHA256 = "Rasd-Sha256"
	metaMD5    = "Rasd-Md5"
	metaStored = "Rasd-Stored"
)

// Put implements Store. Blobs up to one part go up in a single request;
// larger ones as a multipart upload, aborted if the stream fails or runs
// past maxBytes.
func (s *S3) Put(ctx context.Context, r io.Reader, maxBytes int64) (Info, error) {
	if err := checkMax(maxBytes); err != nil {
		return Info{}, err
	}
	if maxBytes > MaxS3Blob {
		return Info{}, fmt.Errorf("storing blob: maxBytes %d is above the %d an S3 copy allows", maxBytes, int64(MaxS3Blob))
	}
	var rnd [16]byte
	rand.Read(rnd[:])
	tmp := s.prefix + "tmp/" + hex.EncodeToString(rnd[:])
	defer s.removeQuietly(ctx, tmp)

	h := newHasher(ctx, r, maxBytes)
	var head bytes.Buffer
	_, err := io.CopyN(&head, h, s.partSize)
	// Content-MD5 on every request lets the server check each part; the
	// streaming (chunk-signed) payload minio-go uses by default over plain
	// HTTP is not spoken by every S3-compatible server, and over HTTPS it
	// does not use it either.
	opts := minio.PutObjectOptions{
		ContentType: "application/octet-stream", PartSize: uint64(s.partSize),
		SendContentMd5: true, DisableContentSha256: true,
	}
	switch {
	case errors.Is(err, io.EOF): // the whole blob is in head
		_, err = s.c.PutObject(ctx, s.bucket, tmp, &head, int64(head.Len()), opts)
	case err == nil: // more than one part
		_, err = s.c.PutObject(ctx, s.bucket, tmp, io.MultiReader(&head, h), -1, opts)
	}
	if h.tooLarge {
		return Info{}, fmt.Errorf("storing blob: %w", h.errTooLarge())
	}
	if err != nil {
		return Info{}, fmt.Errorf("storing blob: %w", err)
	}
	info := h.info()
	final := s.Key(info.SHA256)
	src := minio.CopySrcOptions{Bucket: s.bucket, Object: tmp}
	if _, err := s.c.StatObject(ctx, s.bucket, final, minio.StatObjectOptions{}); err == nil {
		// Already stored: copy it onto itself with a new date, which keeps
		// its bytes and dates it anew for retention.
		info.Existed = true
		src.Object = final
	} else if !notFound(err) {
		return Info{}, fmt.Errorf("storing blob %s: %w", info.SHA256, err)
	}
	dst := minio.CopyDestOptions{
		Bucket: s.bucket, Object: final, ReplaceMetadata: true, ContentType: "application/octet-stream",
		UserMetadata: map[string]string{metaSHA256: info.SHA256, metaMD5: info.MD5, metaStored: s.now().UTC().Format(time.RFC3339Nano)},
	}
	if _, err := s.c.CopyObject(ctx, dst, src); err != nil {
		return Info{}, fmt.Errorf("storing blob %s: %w", info.SHA256, err)
	}
	st, err := s.Stat(ctx, info.SHA256)
	if err != nil {
		return Info{}, fmt.Errorf("storing blob %s: %w", info.SHA256, err)
	}
	if st.Size != info.Size || st.MD5 != info.MD5 {
		return Info{}, fmt.Errorf("storing blob %s: the server holds %d bytes with MD5 %s, want %d with %s", info.SHA256, st.Size, st.MD5, info.Size, info.MD5)
	}
	info.Modified = st.Modified
	return info, nil
}

// removeQuietly removes a temporary object, also after ctx is done; what
// it cannot remove Sweep removes later.
func (s *S3) removeQuietly(ctx context.Context, name string) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
	defer cancel()
	s.c.RemoveObject(ctx, s.bucket, name, minio.RemoveObjectOptions{})
}

func notFound(err error) bool {
	e := minio.ToErrorResponse(err)
	return e.Code == "NoSuchKey" || e.StatusCode == http.StatusNotFound
}

// Open implements Store.
func (s *S3) Open(ctx context.Context, key string) (io.ReadCloser, error) {
	if err := checkKey(key); err != nil {
		return nil, fmt.Errorf("opening blob: %w", err)
	}
	o, err := s.c.GetObject(ctx, s.bucket, s.Key(key), minio.GetObjectOptions{})
	if err == nil {
		_, err = o.Stat()
	}
	if err != nil {
		if o != nil {
			o.Close()
		}
		if notFound(err) {
			return nil, fmt.Errorf("opening blob %s: %w", key, ErrNotFound)
		}
		return nil, fmt.Errorf("opening blob %s: %w", key, err)
	}
	return o, nil
}

// Stat implements Store.
func (s *S3) Stat(ctx context.Context, key string) (Info, error) {
	if err := checkKey(key); err != nil {
		return Info{}, fmt.Errorf("describing blob: %w", err)
	}
	o, err := s.c.StatObject(ctx, s.bucket, s.Key(key), minio.StatObjectOptions{})
	if notFound(err) {
		return Info{}, fmt.Errorf("describing blob %s: %w", key, ErrNotFound)
	}
	if err != nil {
		return Info{}, fmt.Errorf("describing blob %s: %w", key, err)
	}
	info := Info{SHA256: key, Size: o.Size, Modified: o.LastModified}
	for k, v := range o.UserMetadata {
		if strings.EqualFold(k, metaMD5) {
			info.MD5 = v
		}
	}
	return info, nil
}

// Delete implements Store.
func (s *S3) Delete(ctx context.Context, key string) error {
	if err := checkKey(key); err != nil {
		return fmt.Errorf("deleting blob: %w", err)
	}
	err := s.c.RemoveObject(ctx, s.bucket, s.Key(key), minio.RemoveObjectOptions{})
	if err != nil && !notFound(err) {
		return fmt.Errorf("deleting blob %s: %w", key, err)
	}
	return nil
}

// Sweep implements Store. Objects under the prefix that are neither blobs
// nor temporary objects are left alone.
func (s *S3) Sweep(ctx context.Context, keep func(Info) bool) (int, error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel() // stops the listing if the walk ends early
	removed := 0
	staleBefore := s.now().Add(-StaleTemp)
	for o := range s.c.ListObjects(ctx, s.bucket, minio.ListObjectsOptions{Prefix: s.prefix, Recursive: true}) {
		if o.Err != nil {
			return removed, fmt.Errorf("sweeping blobs: listing %q: %w", s.prefix, o.Err)
		}
		name := strings.TrimPrefix(o.Key, s.prefix)
		if strings.HasPrefix(name, "tmp/") {
			if o.LastModified.Before(staleBefore) {
				s.c.RemoveObject(ctx, s.bucket, o.Key, minio.RemoveObjectOptions{})
			}
			continue
		}
		key := name[strings.LastIndexByte(name, '/')+1:]
		if !ValidKey(key) || o.Key != s.Key(key) {
			continue
		}
		if keep(Info{SHA256: key, Size: o.Size, Modified: o.LastModified}) {
			continue
		}
		if err := s.Delete(ctx, key); err != nil {
			return removed, fmt.Errorf("sweeping blobs: %w", err)
		}
		removed++
	}
	return removed, ctx.Err()
}
