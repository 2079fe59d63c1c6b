package main

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"math/big"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// selfSigned writes a certificate and key for 127.0.0.1 into dir.
func selfSigned(t *testing.T, dir string) (cert, key string) {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "rasd test"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour), IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &k.PublicKey, k)
	if err != nil {
		t.Fatal(err)
	}
	kb, _ := x509.MarshalECPrivateKey(k)
	cert, key = filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	os.WriteFile(cert, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600)
	os.WriteFile(key, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kb}), 0o600)
	return cert, key
}

// TestRunServesTLS: with tls_cert and tls_key, rasd run serves HTTPS only,
// and the session cookie of a login is Secure.
func TestRunServesTLS(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the engine")
	}
	dir := t.TempDir()
	_, key := selfSigned(t, dir)
	addr := freeAddr(t)
	cfg := filepath.Join(dir, "rasd.yaml")
	os.WriteFile(cfg, []byte(fmt.Sprintf("data: %s\nlisten: %s\nmodel: %s\ntls_cert: cert.pem\ntls_key: key.pem\n", filepath.Join(dir, "data"), addr, requireDefaultModel(t))), 0o644)
	bin := buildRasd(t)
	add := exec.Command(bin, "user", "add", "ana", "--role", "analyst", "--password-stdin", "--config", cfg)
	add.Stdin = strings.NewReader(e2ePassword + "\n")
	if out, err := add.CombinedOutput(); err != nil {
		t.Fatalf("user add: %v %s", err, out)
	}
	cmd := exec.Command(bin, "run", "--config", cfg)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { cmd.Process.Kill(); cmd.Wait() }()
	if key == "" {
		t.Fatal("no key written")
	}
	client := &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	var resp *http.Response
	var err error
	for deadline := time.Now().Add(60 * time.Second); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		if resp, err = client.Get("https://" + addr + "/login"); err == nil {
			break
		}
	}
	if err != nil {
		t.Fatalf("HTTPS not served: %v", err)
	}
	resp.Body.Close()
	if plain, err := (&http.Client{Timeout: 5 * time.Second}).Get("http://" + addr + "/login"); err == nil && plain.StatusCode == http.StatusOK {
		t.Fatalf("plain HTTP answered 200 on the TLS port")
	}
	resp, err = client.PostForm("https://"+addr+"/login", url.Values{"name": {"ana"}, "password": {e2ePassword}})
	if err == nil {
		resp.Body.Close()
	}
	if err != nil || resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("login over HTTPS: %v %v", resp, err)
	}
	cookie := resp.Header.Get("Set-Cookie")
	if !strings.Contains(cookie, "Secure") || !strings.Contains(cookie, "HttpOnly") {
		t.Fatalf("session cookie %q is not Secure and HttpOnly", cookie)
	}
}

func TestTLSNeedsCertAndKey(t *testing.T) {
	cfg := filepath.Join(t.TempDir(), "rasd.yaml")
	os.WriteFile(cfg, []byte("tls_cert: cert.pem\n"), 0o644)
	if _, err := loadRunConfig(cfg); err == nil || !strings.Contains(err.Error(), "tls_cert and tls_key go together") {
		t.Fatalf("tls_cert alone: %v", err)
	}
}

func TestTrustedProxiesAreChecked(t *testing.T) {
	cfg := filepath.Join(t.TempDir(), "rasd.yaml")
	os.WriteFile(cfg, []byte("trusted_proxies: [127.0.0.1, 10.0.0.0/8, not-an-address]\n"), 0o644)
	if _, err := loadRunConfig(cfg); err == nil || !strings.Contains(err.Error(), "not-an-address") {
		t.Fatalf("a bad trusted proxy: %v", err)
	}
	os.WriteFile(cfg, []byte("trusted_proxies: [127.0.0.1, 10.0.0.0/8]\n"), 0o644)
	c, err := loadRunConfig(cfg)
	if err != nil {
		t.Fatal(err)
	}
	ps, err := proxyPrefixes(c.TrustedProxies)
	if err != nil || len(ps) != 2 || ps[0].Bits() != 32 {
		t.Fatalf("prefixes %v, %v", ps, err)
	}
}

func TestRunConfigComplaintLimits(t *testing.T) {
	cfg := filepath.Join(t.TempDir(), "rasd.yaml")
	os.WriteFile(cfg, []byte("complaints: {per_address: 3, global: 50, window: 2m}\n"), 0o644)
	c, err := loadRunConfig(cfg)
	if err != nil || c.Complaints.PerAddress != 3 || c.Complaints.Global != 50 || c.Complaints.Window != 2*time.Minute {
		t.Fatalf("complaint limits %+v, %v", c.Complaints, err)
	}
	os.WriteFile(cfg, []byte("complaints: {per_address: -1}\n"), 0o644)
	if _, err := loadRunConfig(cfg); err == nil || !strings.Contains(err.Error(), "complaints:") {
		t.Fatalf("a negative limit: %v", err)
	}
}
