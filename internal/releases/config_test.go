package releases

import (
	"errors"
	"strings"
	"testing"
)

func TestValidateConfigKey(t *testing.T) {
	tests := []struct {
		key     string
		wantErr string // "" = valid
	}{
		{"FOO", ""},
		{"foo", ""},
		{"_", ""},
		{"_PRIVATE", ""},
		{"DATABASE_URL", ""},
		{"A1_b2", ""},
		{strings.Repeat("K", 256), ""},
		{"1FOO", `invalid config key "1FOO": use letters, digits and _, not starting with a digit`},
		{"", `invalid config key "": use letters, digits and _, not starting with a digit`},
		{"FOO-BAR", "use letters, digits and _"},
		{"FOO BAR", "use letters, digits and _"},
		{"FOO=BAR", "use letters, digits and _"},
		{"FOO.BAR", "use letters, digits and _"},
		{"FOO\n", "use letters, digits and _"},
		{"CAFÉ", "use letters, digits and _"},
		{strings.Repeat("K", 257), `invalid config key "` + strings.Repeat("K", 32) + `..." (257 characters): use at most 256`},
	}
	for _, tt := range tests {
		t.Run(tt.key, func(t *testing.T) {
			err := ValidateConfigKey(tt.key)
			if tt.wantErr == "" {
				if err != nil {
					t.Fatalf("ValidateConfigKey = %v, want nil", err)
				}
				return
			}
			if !errors.Is(err, ErrInvalid) {
				t.Fatalf("ValidateConfigKey = %v, want ErrInvalid", err)
			}
			if !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("error %q does not contain %q", err, tt.wantErr)
			}
		})
	}
}

func TestValidateConfigValue(t *testing.T) {
	tests := []struct {
		name    string
		value   string
		wantErr string // "" = valid
	}{
		{"empty", "", ""},
		{"text", "postgres://user:pw@db/app?sslmode=disable", ""},
		{"multi-line", "-----BEGIN KEY-----\nabc\n-----END KEY-----\n", ""},
		{"unicode", "héllo wörld ✓ 日本", ""},
		{"exactly 32 KiB", strings.Repeat("v", MaxConfigValue), ""},
		{"32 KiB of multi-byte", strings.Repeat("é", MaxConfigValue/2), ""},
		{"32 KiB + 1", strings.Repeat("v", MaxConfigValue+1), `invalid value of config var "KEY": use at most 32768 bytes (32 KiB)`},
		{"invalid UTF-8", "pass\xffword", `invalid value of config var "KEY": use UTF-8 text`},
		{"truncated UTF-8", "caf\xc3", "use UTF-8 text"},
		{"NUL", "pass\x00word", `invalid value of config var "KEY": remove the NUL byte`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := ValidateConfigValue("KEY", tt.value)
			if tt.wantErr == "" {
				if err != nil {
					t.Fatalf("ValidateConfigValue = %v, want nil", err)
				}
				return
			}
			if !errors.Is(err, ErrInvalid) {
				t.Fatalf("ValidateConfigValue = %v, want ErrInvalid", err)
			}
			if !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("error %q does not contain %q", err, tt.wantErr)
			}
			for _, part := range []string{"pass", "word", "vvvv", "caf"} {
				if strings.Contains(tt.value, part) && strings.Contains(err.Error(), part) {
					t.Errorf("error %q shows part of the value (%q)", err, part)
				}
			}
		})
	}
}

// No caller can store a bad var: AppendRelease checks the whole config and
// stores nothing when any var is bad.
func TestAppendReleaseRejectsBadConfig(t *testing.T) {
	tests := []struct {
		name   string
		config map[string]string
	}{
		{"bad key", map[string]string{"GOOD": "1", "1BAD": "2"}},
		{"value too long", map[string]string{"BIG": strings.Repeat("x", MaxConfigValue+1)}},
		{"value not UTF-8", map[string]string{"TOKEN": "s3cret\xff"}},
		{"value with NUL", map[string]string{"TOKEN": "s3cret\x00"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newStore(t)
			newApp(t, s, "hello")
			v1 := appendN(t, s, "hello", 1)[0]
			_, err := s.AppendRelease("hello", func(*Release) (Release, error) {
				return Release{Config: tt.config}, nil
			})
			if !errors.Is(err, ErrInvalid) {
				t.Fatalf("AppendRelease = %v, want ErrInvalid", err)
			}
			if strings.Contains(err.Error(), "s3cret") || strings.Contains(err.Error(), "xxxx") {
				t.Errorf("error %q shows a value", err)
			}
			rels, err := s.Releases("hello")
			if err != nil {
				t.Fatal(err)
			}
			if len(rels) != 1 {
				t.Errorf("%d releases after a rejected append, want 1", len(rels))
			}
			// The chain and the numbering carry on from v1 as if nothing happened.
			v2 := appendN(t, s, "hello", 1)[0]
			if v2.Version != 2 || v2.PrevDigest != v1.Digest {
				t.Errorf("next append = v%d after %s, want v2 after v1's digest", v2.Version, v2.PrevDigest)
			}
		})
	}
}
