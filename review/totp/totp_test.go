package totp

import (
	"fmt"
	"net/url"
	"strings"
	"testing"
	"time"
)

// The SHA-1 test vectors of RFC 6238, appendix B (8 digits, secret
// "12345678901234567890").
func TestRFC6238Vectors(t *testing.T) {
	secret := []byte("12345678901234567890")
	cases := []struct {
		unix int64
		want string
	}{
		{59, "94287082"},
		{1111111109, "07081804"},
		{1111111111, "14050471"},
		{1234567890, "89005924"},
		{2000000000, "69279037"},
		{20000000000, "65353130"},
	}
	for _, c := range cases {
		t.Run(fmt.Sprint(c.unix), func(t *testing.T) {
			if got := HOTP(secret, Counter(time.Unix(c.unix, 0)), 8); got != c.want {
				t.Fatalf("TOTP at %d = %s, want %s", c.unix, got, c.want)
			}
			// Six digits are the last six of the eight.
			if got := Code(secret, time.Unix(c.unix, 0)); got != c.want[2:] {
				t.Fatalf("6-digit code at %d = %s, want %s", c.unix, got, c.want[2:])
			}
		})
	}
}

// The HOTP test vectors of RFC 4226, appendix D.
func TestRFC4226Vectors(t *testing.T) {
	want := []string{"755224", "287082", "359152", "969429", "338314", "254676", "287922", "162583", "399871", "520489"}
	for i, w := range want {
		if got := HOTP([]byte("12345678901234567890"), int64(i), 6); got != w {
			t.Errorf("HOTP(%d) = %s, want %s", i, got, w)
		}
	}
}

func TestVerify(t *testing.T) {
	secret := NewSecret()
	now := time.Date(2026, 12, 5, 1, 0, 10, 0, time.UTC)
	c := Counter(now)
	cases := []struct {
		name string
		code string
		last int64
		ok   bool
		step int64
	}{
		{"current step", Code(secret, now), 0, true, c},
		{"previous step", Code(secret, now.Add(-Step)), 0, true, c - 1},
		{"next step", Code(secret, now.Add(Step)), 0, true, c + 1},
		{"two steps ago", Code(secret, now.Add(-2*Step)), 0, false, 0},
		{"two steps ahead", Code(secret, now.Add(2*Step)), 0, false, 0},
		{"already used", Code(secret, now), c, false, 0},
		{"earlier than the last used", Code(secret, now.Add(-Step)), c, false, 0},
		{"later than the last used", Code(secret, now.Add(Step)), c, true, c + 1},
		{"spaces around", " " + Code(secret, now) + " ", 0, true, c},
		{"empty", "", 0, false, 0},
		{"letters", "12345a", 0, false, 0},
		{"too long", Code(secret, now) + "0", 0, false, 0},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			step, ok := Verify(secret, tc.code, now, tc.last)
			if ok != tc.ok || step != tc.step {
				t.Fatalf("Verify(%q, last %d) = %d, %v; want %d, %v", tc.code, tc.last, step, ok, tc.step, tc.ok)
			}
		})
	}
	if _, ok := Verify(NewSecret(), Code(secret, now), now, 0); ok {
		t.Fatal("a code of another secret was accepted")
	}
}

func TestSecretAndURI(t *testing.T) {
	secret := NewSecret()
	if len(secret) != SecretSize {
		t.Fatalf("secret has %d bytes", len(secret))
	}
	enc := Encode(secret)
	for _, in := range []string{enc, strings.ToLower(enc), " " + enc[:4] + " " + enc[4:] + " "} {
		got, err := Decode(in)
		if err != nil || string(got) != string(secret) {
			t.Fatalf("Decode(%q) = %x, %v; want %x", in, got, err, secret)
		}
	}
	for _, bad := range []string{"", "ABC", "not base32!", strings.Repeat("A", 200)} {
		if _, err := Decode(bad); err == nil {
			t.Errorf("Decode(%q) accepted", bad)
		}
	}
	u, err := url.Parse(URI("Rasd", "sen", secret))
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	if u.Scheme != "otpauth" || u.Host != "totp" || u.Path != "/Rasd:sen" || q.Get("secret") != enc || q.Get("issuer") != "Rasd" ||
		q.Get("digits") != "6" || q.Get("period") != "30" || q.Get("algorithm") != "SHA1" {
		t.Fatalf("URI = %s", u)
	}
}

func ExampleCode() {
	secret := []byte("12345678901234567890")
	fmt.Println(Code(secret, time.Unix(1111111109, 0)))
	// Output: 081804
}
