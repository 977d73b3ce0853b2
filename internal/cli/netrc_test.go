package cli

import (
	"os"
	"path/filepath"
	"testing"
)

func TestNetrcEntries(t *testing.T) {
	for _, tc := range []struct {
		name, data, host, login, password string
	}{
		{"one line", "machine example.com login paas password tok", "example.com", "paas", "tok"},
		{"case of the host", "machine Example.COM login paas password tok", "example.com", "paas", "tok"},
		{"second of two", "machine a login x password 1\nmachine b login paas password 2\n", "b", "paas", "2"},
		{"quoted", `machine h login paas password "a \"b\" c"`, "h", "paas", `a "b" c`},
		{"comment", "# machine h login paas password no\nmachine h login paas password yes", "h", "paas", "yes"},
		{"macro body is not tokens", "macdef init\nmachine h login paas password no\n\nmachine h login paas password yes\n", "h", "paas", "yes"},
		{"default is not the host", "default login paas password no", "h", "", ""},
		{"ends after machine", "machine", "h", "", ""},
		{"ends after the host", "machine h", "h", "", ""},
		{"ends after a key", "machine h login paas password", "h", "paas", ""},
		{"unterminated quote", `machine h login paas password "abc`, "h", "paas", "abc"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var login, password string
			if es := netrcEntries(tc.data, tc.host); len(es) > 0 {
				login, password = es[0].login, es[0].password
			}
			if login != tc.login || password != tc.password {
				t.Errorf("got login %q password %q, want %q %q", login, password, tc.login, tc.password)
			}
		})
	}
}

func TestSetNetrcMachineKeepsTheRest(t *testing.T) {
	path := filepath.Join(t.TempDir(), "netrc")
	t.Setenv("NETRC", path)
	before := "# top\nmachine a login x password 1\n\nmachine h login paas password old\n  account z\nmacdef init\nmachine h password inmacro\n\nmachine b login y password 2"
	if err := os.WriteFile(path, []byte(before), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, shadowed, err := setNetrcMachine("h", "paas", "new"); err != nil || shadowed {
		t.Fatalf("set: shadowed %v, err %v", shadowed, err)
	}
	if _, shadowed, _ := setNetrcMachine("a", "paas", "mine"); !shadowed {
		t.Error("set beside another login's entry: not shadowed")
	}
	if _, _, err := setNetrcMachine("a", "paas", ""); err != nil {
		t.Fatal(err)
	}
	got, _ := os.ReadFile(path)
	want := "# top\nmachine a login x password 1\n\nmacdef init\nmachine h password inmacro\n\nmachine b login y password 2\nmachine h\n  login paas\n  password new\n"
	if string(got) != want {
		t.Errorf("after set:\n%q\nwant:\n%q", got, want)
	}
	if fi, _ := os.Stat(path); fi.Mode().Perm() != 0o600 {
		t.Errorf("mode %v, want 0600", fi.Mode().Perm())
	}
	if p, _ := netrcPassword("h", "paas"); p != "new" {
		t.Errorf("password = %q, want new", p)
	}
	if _, _, err := setNetrcMachine("h", "paas", ""); err != nil {
		t.Fatal(err)
	}
	got, _ = os.ReadFile(path)
	if want := "# top\nmachine a login x password 1\n\nmacdef init\nmachine h password inmacro\n\nmachine b login y password 2\n"; string(got) != want {
		t.Errorf("after remove:\n%q\nwant:\n%q", got, want)
	}
	if _, _, err := setNetrcMachine("h", "paas", "has space"); err == nil {
		t.Error("a token with a space was written")
	}
}

func FuzzNetrcEntries(f *testing.F) {
	f.Add("machine h login paas password tok\nmacdef x\nbody\n\n# c\ndefault login a", "h")
	f.Add(`machine "h" password "\`, "h")
	f.Fuzz(func(t *testing.T, data, host string) {
		for _, e := range netrcEntries(data, host) {
			if e.start < 0 || e.end > len(data) || e.start > e.end {
				t.Fatalf("entry span %d..%d outside %d bytes", e.start, e.end, len(data))
			}
		}
	})
}
