package releases

import (
	"errors"
	"strings"
	"testing"
)

func TestValidateAppName(t *testing.T) {
	tests := []struct {
		name string
		ok   bool
	}{
		{"ab", true},
		{"hello", true},
		{"my-app-2", true},
		{"a1", true},
		{"a" + strings.Repeat("b", 29), true}, // 30 characters
		{"", false},
		{"a", false},
		{"A1", false},
		{"Foo", false},
		{"1abc", false},
		{"-ab", false},
		{"ab_", false},
		{"../x", false},
		{"..", false},
		{"a/b", false},
		{"a.b", false},
		{"a b", false},
		{"ab\n", false},
		{"a" + strings.Repeat("b", 30), false}, // 31 characters
		{"café", false},
		{"аpp", false}, // Cyrillic а
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := ValidateAppName(tt.name)
			if tt.ok {
				if err != nil {
					t.Fatalf("ValidateAppName(%q) = %v, want nil", tt.name, err)
				}
				return
			}
			if !errors.Is(err, ErrInvalid) {
				t.Fatalf("ValidateAppName(%q) = %v, want ErrInvalid", tt.name, err)
			}
		})
	}
}

func TestValidateAppNameMessage(t *testing.T) {
	err := ValidateAppName("Foo")
	want := `invalid app name "Foo": use 2 to 30 characters: lowercase letters, digits and dashes, starting with a letter`
	if err == nil || err.Error() != want {
		t.Fatalf("got %v, want %q", err, want)
	}
}
