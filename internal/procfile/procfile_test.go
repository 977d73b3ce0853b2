package procfile

import (
	"errors"
	"reflect"
	"strings"
	"testing"
)

func TestParse(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		want    map[string]string
		wantErr string
	}{
		{"empty", "", map[string]string{}, ""},
		{"two types", "web: httpd -f -p $PORT\nworker: ./work --fast\n",
			map[string]string{"web": "httpd -f -p $PORT", "worker": "./work --fast"}, ""},
		{"comments, blanks, CRLF", "# a comment\r\n\r\nweb: serve\r\n",
			map[string]string{"web": "serve"}, ""},
		{"colon in command", "web: env A=b:c serve", map[string]string{"web": "env A=b:c serve"}, ""},
		{"no colon", "web: a\nworker\n", nil, "line 2"},
		{"bad type", "we b: a", nil, `line 1: process type "we b"`},
		{"type starts with digit", "1web: a", nil, "line 1"},
		{"empty command", "web:   ", nil, "has no command"},
		{"duplicate", "web: a\nweb: b", nil, "line 2: process type \"web\" is defined twice"},
		{"not utf8", "web: \xff", nil, "not UTF-8"},
		{"too big", "web: " + strings.Repeat("a", MaxSize), nil, "keep it under"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Parse([]byte(tt.in))
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) || !errors.Is(err, ErrInvalid) {
					t.Fatalf("err = %v, want one containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("got %v, want %v", got, tt.want)
			}
		})
	}
}
