package blob_test

import (
	"bytes"
	"context"
	"fmt"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/johannesboyne/gofakes3"
	"github.com/johannesboyne/gofakes3/backend/s3mem"
	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"

	"github.com/rasd-iq/rasd/index/blob"
	"github.com/rasd-iq/rasd/index/blob/blobtest"
)

// startS3 serves the S3 HTTP API on a loopback port, dated by clock, and
// returns a config for it (bucket "media", not yet created).
func startS3(t *testing.T, clock *blobtest.Clock) blob.S3Config {
	t.Helper()
	backend := s3mem.New(s3mem.WithTimeSource(clock))
	// The server's clock is the test's, so the skew check against the
	// client's real clock is off.
	faker := gofakes3.New(backend, gofakes3.WithTimeSource(clock), gofakes3.WithTimeSkewLimit(0))
	srv := httptest.NewServer(faker.Server())
	t.Cleanup(srv.Close)
	return blob.S3Config{
		Endpoint: strings.TrimPrefix(srv.URL, "http://"), Bucket: "media", Region: "us-east-1",
		AccessKey: "rasd", SecretKey: "rasd-secret", Prefix: "rasd/media", CreateBucket: true,
		PartSize: blob.MinPartSize,
	}
}

func openS3(t *testing.T, clock *blobtest.Clock) *blob.S3 {
	t.Helper()
	s, err := blob.OpenS3(context.Background(), startS3(t, clock))
	if err != nil {
		t.Fatal(err)
	}
	return s.WithClock(clock.Now)
}

func TestS3Conformance(t *testing.T) {
	blobtest.Run(t, func(t *testing.T, clock *blobtest.Clock) blob.Store { return openS3(t, clock) })
}

// client speaks to the server behind cfg directly, to see what the store wrote.
func client(t *testing.T, cfg blob.S3Config) *minio.Client {
	t.Helper()
	c, err := minio.New(cfg.Endpoint, &minio.Options{Creds: credentials.NewStaticV4(cfg.AccessKey, cfg.SecretKey.Reveal(), ""), Region: cfg.Region})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func objects(t *testing.T, c *minio.Client, bucket string) []string {
	t.Helper()
	var names []string
	for o := range c.ListObjects(context.Background(), bucket, minio.ListObjectsOptions{Recursive: true}) {
		if o.Err != nil {
			t.Fatal(o.Err)
		}
		names = append(names, o.Key)
	}
	return names
}

func TestS3LayoutAndTemporaryObjects(t *testing.T) {
	ctx := context.Background()
	clock := blobtest.NewClock()
	cfg := startS3(t, clock)
	s, err := blob.OpenS3(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	s.WithClock(clock.Now)
	c := client(t, cfg)
	info, err := s.Put(ctx, strings.NewReader("jpeg bytes"), 100)
	if err != nil {
		t.Fatal(err)
	}
	k := info.SHA256
	want := "rasd/media/" + k[:2] + "/" + k[2:4] + "/" + k
	if got := objects(t, c, cfg.Bucket); len(got) != 1 || got[0] != want || s.Key(k) != want {
		t.Fatalf("objects %v, want just %s", got, want)
	}
	// Objects outside the layout are left alone; a stale temporary object
	// from an interrupted put goes, a fresh one stays.
	for _, name := range []string{"rasd/media/tmp/stale", "other/" + k, "rasd/media/notes.txt"} {
		if _, err := c.PutObject(ctx, cfg.Bucket, name, strings.NewReader("x"), 1, minio.PutObjectOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	clock.Advance(blob.StaleTemp + time.Minute)
	if _, err := c.PutObject(ctx, cfg.Bucket, "rasd/media/tmp/fresh", strings.NewReader("x"), 1, minio.PutObjectOptions{}); err != nil {
		t.Fatal(err)
	}
	if n, err := s.Sweep(ctx, func(blob.Info) bool { return false }); err != nil || n != 1 {
		t.Fatalf("sweep: %d, %v; want the one blob deleted", n, err)
	}
	got := fmt.Sprint(objects(t, c, cfg.Bucket))
	if want := "[other/" + k + " rasd/media/notes.txt rasd/media/tmp/fresh]"; got != want {
		t.Fatalf("objects after sweep %s, want %s", got, want)
	}
}

func TestS3MissingBucket(t *testing.T) {
	cfg := startS3(t, blobtest.NewClock())
	cfg.CreateBucket = false
	if _, err := blob.OpenS3(context.Background(), cfg); err == nil || !strings.Contains(err.Error(), blob.EnvS3CreateBucket) {
		t.Fatalf("open without the bucket: %v, want an error naming %s", err, blob.EnvS3CreateBucket)
	}
	cfg.CreateBucket = true
	s, err := blob.OpenS3(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Put(context.Background(), bytes.NewReader([]byte("x")), 1); err != nil {
		t.Fatal(err)
	}
	cfg.CreateBucket = false
	if _, err := blob.OpenS3(context.Background(), cfg); err != nil {
		t.Fatalf("open of the bucket now there: %v", err)
	}
}

func TestS3ConfigFromEnv(t *testing.T) {
	env := func(kv ...string) func(string) string {
		m := map[string]string{}
		for i := 0; i < len(kv); i += 2 {
			m[kv[i]] = kv[i+1]
		}
		return func(k string) string { return m[k] }
	}
	full := []string{blob.EnvS3Endpoint, "minio.internal:9000", blob.EnvS3Bucket, "rasd", blob.EnvS3AccessKey, "AKIA", blob.EnvS3SecretKey, "very-secret-key"}
	c, err := blob.S3ConfigFromEnv(env(full...))
	if err != nil {
		t.Fatal(err)
	}
	if c.Endpoint != "minio.internal:9000" || c.Bucket != "rasd" || !c.TLS || c.CreateBucket || c.Prefix != "media/" || c.SecretKey.Reveal() != "very-secret-key" {
		t.Fatalf("config %+v", c)
	}
	for _, f := range []string{"%v", "%+v", "%#v", "%s"} {
		if s := fmt.Sprintf(f, c); strings.Contains(s, "very-secret-key") {
			t.Fatalf("%s of the config shows the secret: %s", f, s)
		}
	}
	c, err = blob.S3ConfigFromEnv(env(append(full, blob.EnvS3TLS, "false", blob.EnvS3CreateBucket, "true", blob.EnvS3Prefix, "x/")...))
	if err != nil || c.TLS || !c.CreateBucket || c.Prefix != "x/" {
		t.Fatalf("config %+v, %v", c, err)
	}
	for _, tc := range []struct {
		name string
		kv   []string
		want string
	}{
		{"no endpoint", full[2:], blob.EnvS3Endpoint},
		{"scheme in endpoint", append(full, blob.EnvS3Endpoint, "https://s3.example"), "without scheme"},
		{"no bucket", append(full, blob.EnvS3Bucket, ""), blob.EnvS3Bucket},
		{"no secret", append(full, blob.EnvS3SecretKey, ""), blob.EnvS3SecretKey},
		{"bad tls", append(full, blob.EnvS3TLS, "maybe"), blob.EnvS3TLS},
		{"absolute prefix", append(full, blob.EnvS3Prefix, "/media"), "slash"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := blob.S3ConfigFromEnv(env(tc.kv...))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %v, want one naming %q", err, tc.want)
			}
		})
	}
}
