package audit

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The planted secrets are made up and assembled at run time, so that no
// token-shaped literal sits in the repository.
func alnum(seed uint64, n int, set string) string {
	r := rand.New(rand.NewPCG(seed, 9))
	b := make([]byte, n)
	for i := range b {
		b[i] = set[r.IntN(len(set))]
	}
	return string(b)
}

const (
	upperDigits = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
	letters     = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
	base62      = letters + "0123456789"
)

// withLuhn appends the Luhn check digit to digits.
func withLuhn(digits string) string {
	for c := '0'; c <= '9'; c++ {
		if luhn([]byte(digits + string(c))) {
			return digits + string(c)
		}
	}
	panic("unreachable")
}

// withIBANCheck fills in the check digits of an IBAN written with "00".
func withIBANCheck(cc, bban string) string {
	for k := 2; k < 99; k++ {
		s := fmt.Sprintf("%s%02d%s", cc, k, bban)
		if mod97([]byte(s)) {
			return s
		}
	}
	panic("unreachable")
}

type planted struct {
	kind, line, secret string
}

func plantedSecrets() []planted {
	dot := "."
	jwtTok := "ey" + "J" + alnum(1, 30, base62) + dot + "ey" + "J" + alnum(2, 40, base62) + dot + alnum(3, 43, base62+"_-")
	pemBody := alnum(4, 64, base62+"+/")
	awsSecret := alnum(5, 40, base62+"+/")
	gh := "gh" + "p_" + alnum(6, 36, base62)
	ghPAT := "github" + "_pat_" + alnum(7, 22, base62) + "_" + alnum(8, 59, base62)
	card := withLuhn("4" + alnum(9, 14, "0123456789"))
	iban := withIBANCheck("DE", "89370400440532013000"[:18])
	return []planted{
		{"private_key", "key: -----BEGIN RSA PRIVATE KEY-----\n" + pemBody + "\n-----END RSA PRIVATE KEY-----", pemBody},
		{"aws_access_key_id", "aws_access_key_id = AK" + "IA" + alnum(10, 16, upperDigits) + " here", "AK" + "IA"},
		{"aws_secret_access_key", "aws_secret_access_key: " + awsSecret, awsSecret},
		{"gcp_api_key", "key=AI" + "za" + alnum(11, 35, base62+"_-") + ";", "AI" + "za"},
		{"azure_client_secret", "secret " + alnum(12, 3, base62) + "8Q" + "~" + alnum(13, 34, base62) + " end", "8Q~"},
		{"azure_storage_key", "DefaultEndpointsProtocol=https;AccountName=x;AccountKey=" + alnum(14, 86, base62+"+/") + "==;EndpointSuffix=core", ""},
		{"github_token", "token " + gh + " ok", gh},
		{"github_token", "pat " + ghPAT, ghPAT},
		{"gitlab_token", "GITLAB=gl" + "pat-" + alnum(15, 20, base62), "gl" + "pat-"},
		{"slack_token", "slack xo" + "xb-" + alnum(16, 12, "0123456789") + "-" + alnum(17, 24, base62), "xo" + "xb-"},
		{"stripe_key", "stripe sk" + "_live_" + alnum(18, 24, base62), "sk" + "_live_"},
		{"openai_key", "OPENAI_API_KEY=sk" + "-proj-" + alnum(19, 48, base62), "sk" + "-proj-"},
		{"huggingface_token", "HF_TOKEN=hf" + "_" + alnum(20, 34, letters), "hf" + "_"},
		{"jwt", "Authorization: Bearer " + jwtTok, jwtTok},
		{"url_password", "postgres://admin:" + "Hunter2secret" + "@db.internal:5432/app", "Hunter2secret"},
		{"email", "write to jane.doe+ml@example-mail.co.uk today", "jane.doe+ml@example-mail.co.uk"},
		{"phone", "call +44 20 7946 0958 now", "+44 20 7946 0958"},
		{"phone", "or (415) 555-2671 after 5", "(415) 555-2671"},
		{"iban", "IBAN " + iban + ".", iban},
		{"iban", "IBAN " + iban[:4] + " " + iban[4:8] + " " + iban[8:12] + " " + iban[12:16] + " " + iban[16:20] + " " + iban[20:] + " paid", iban[4:8]},
		{"card_number", "card " + card[:4] + " " + card[4:8] + " " + card[8:12] + " " + card[12:] + " exp", card[4:8] + " " + card[8:12]},
	}
}

func TestScannerPlanted(t *testing.T) {
	sc, err := NewScanner(nil)
	require.NoError(t, err)
	seen := map[string]bool{}
	for _, p := range plantedSecrets() {
		t.Run(p.kind, func(t *testing.T) {
			fs := sc.Scan(p.line)
			require.Len(t, fs, 1, "%q", p.line)
			f := fs[0]
			assert.Equal(t, p.kind, f.Code)
			assert.Contains(t, f.Excerpt, "[REDACTED "+p.kind+"]")
			if p.secret != "" {
				assert.NotContains(t, f.Excerpt, p.secret)
			}
			if personal[p.kind] {
				assert.ErrorIs(t, &f, ErrPersonalData)
				assert.Equal(t, Warning, f.Severity)
			} else {
				assert.ErrorIs(t, &f, ErrSecret)
				assert.Equal(t, Error, f.Severity)
			}
			seen[p.kind] = true
		})
	}
	for _, k := range Kinds {
		assert.True(t, seen[k], "kind %s has no planted test", k)
	}
}

// TestScanSourceRedacts plants every secret in a generated corpus and checks the
// findings' places, and that no output field holds a secret.
func TestScanSourceRedacts(t *testing.T) {
	lines := genCorpus(31, 1<<18)
	ps := plantedSecrets()
	where := map[int64]string{}
	for i, p := range ps {
		at := 40 + 11*i
		lines[at] = lines[at][:20] + " " + p.line + " " + lines[at][20:]
		where[int64(at+1)] = p.kind
	}
	sc, _ := NewScanner(nil)
	for _, workers := range []int{1, 2} {
		fs, err := ScanSource(context.Background(), sc, Docs(docsOf("train.txt", lines...)...), workers)
		require.NoError(t, err)
		require.Len(t, fs, len(ps))
		for _, f := range fs {
			assert.Equal(t, where[f.Line], f.Code)
			assert.Equal(t, "train.txt", f.File)
			out := fmt.Sprintf("%+v %s", f, f.Error())
			for _, p := range ps {
				if p.secret != "" && len(p.secret) >= 8 {
					assert.NotContains(t, out, p.secret)
				}
			}
		}
	}
}

func TestScannerAllowList(t *testing.T) {
	sc, err := NewScanner(strings.NewReader("# known\nnoreply@example.com\nre:.*@corp\\.example\n"))
	require.NoError(t, err)
	assert.Empty(t, sc.Scan("from noreply@example.com and bob@corp.example"))
	fs := sc.Scan("from alice@other.example")
	require.Len(t, fs, 1)
	assert.Equal(t, "from [REDACTED email]", fs[0].Excerpt)
	_, err = NewScanner(strings.NewReader("re:("))
	assert.Error(t, err)
}

func TestScannerNegatives(t *testing.T) {
	sc, _ := NewScanner(nil)
	for _, s := range []string{
		"the year 2024 and 1,234,567 items", "version 1.2.3.4", "call 555-1234",
		"card 4111 1111 1111 1112", // fails Luhn
		"IBAN DE00 1234 5678 9012 3456 78",
		"ISBN 978-3-16-148410-0", "sk-learn is a library", "AKIA short",
		"user@localhost", "a@b", "git@github", "see https://example.com/path@v2",
		"eyJhbGciOi alone", "-----BEGIN PUBLIC KEY-----", "state-of-the-art_model_name",
		"12345678901234567890123", "+1", "x_y-z~w=v",
	} {
		assert.Empty(t, sc.Scan(s), "%q", s)
	}
	lines := genCorpus(41, 1<<18)
	fs, err := ScanSource(context.Background(), sc, Docs(docsOf("clean", lines...)...), 1)
	require.NoError(t, err)
	assert.Empty(t, fs)
}

func FuzzScan(f *testing.F) {
	for _, p := range plantedSecrets() {
		f.Add(p.line)
	}
	f.Add("a@b.cd +12345678 4111111111111111 AKIA")
	sc, _ := NewScanner(nil)
	f.Fuzz(func(t *testing.T, s string) {
		hits := scan(s, nil)
		last := 0
		for _, h := range hits {
			if h.a < last || h.b <= h.a || h.b > len(s) {
				t.Fatalf("bad hit %+v in %q", h, s)
			}
			last = h.b
		}
		// The text outside every hit, as an excerpt shows it: a hit's value
		// may appear in an excerpt only where the same characters stand
		// outside the hits too (a number glued to a phone number is not one).
		masked := []byte(s)
		for _, h := range hits {
			for k := h.a; k < h.b; k++ {
				masked[k] = 0
			}
		}
		outside := strings.Map(func(r rune) rune {
			if r == '\n' || r == '\r' || r == '\t' {
				return ' '
			}
			return r
		}, string(masked))
		for _, f := range sc.Scan(s) {
			for _, h := range hits {
				v := s[h.a:h.b]
				if len(v) >= 12 && strings.Contains(f.Excerpt, v) && !strings.Contains(outside, v) {
					t.Fatalf("excerpt %q holds secret %q", f.Excerpt, v)
				}
			}
		}
	})
}
