package router

import "testing"

func TestHostname(t *testing.T) {
	tests := []struct{ in, want string }{
		{"hello.localhost", "hello.localhost"},
		{"HeLLo.LocalHost", "hello.localhost"},
		{"hello.localhost:8080", "hello.localhost"},
		{"hello.localhost.", "hello.localhost"},
		{"hello.localhost.:8080", "hello.localhost"},
		{"[::1]:8080", "[::1]"},
		{"[::1]", "[::1]"},
		{"", ""},
	}
	for _, tt := range tests {
		if got := hostname(tt.in); got != tt.want {
			t.Errorf("hostname(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestLookup(t *testing.T) {
	r := New("localhost", nil)
	r.AddApp("hello")
	r.AddApp("my-app")
	tests := []struct {
		name, host, want string // want "" means unknown
	}{
		{"plain", "hello.localhost", "hello"},
		{"upper case", "HELLO.LOCALHOST", "hello"},
		{"port", "hello.localhost:8080", "hello"},
		{"trailing dot", "hello.localhost.", "hello"},
		{"dash", "my-app.localhost", "my-app"},
		{"unknown app", "foo.localhost", ""},
		{"domain only", "localhost", ""},
		{"domain only with port", "localhost:8080", ""},
		{"nested subdomain", "www.hello.localhost", ""},
		{"other domain", "hello.example.com", ""},
		{"domain as prefix", "hello.localhost.example.com", ""},
		{"no dot", "hellolocalhost", ""},
		{"bare app name", "hello", ""},
		{"empty", "", ""},
		{"ipv6", "[::1]:8080", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := ""
			if rt := r.table.Load().lookup(tt.host); rt != nil {
				got = rt.app
			}
			if got != tt.want {
				t.Errorf("lookup(%q) = %q, want %q", tt.host, got, tt.want)
			}
		})
	}
}

func TestLookupCustomDomain(t *testing.T) {
	r := New("Apps.Example.COM.", nil)
	r.AddApp("hello")
	if rt := r.table.Load().lookup("hello.apps.example.com:443"); rt == nil || rt.app != "hello" {
		t.Errorf("lookup under a normalised custom domain = %v, want app hello", rt)
	}
	if rt := r.table.Load().lookup("hello.localhost"); rt != nil {
		t.Errorf("lookup under the default domain = %v, want unknown", rt)
	}
}

func TestLookupDoesNotAllocate(t *testing.T) {
	r := New("localhost", nil)
	r.AddApp("hello")
	r.SetDomains("hello", []string{"www.example.com", "*.example.org"})
	tab := r.table.Load()
	for _, host := range []string{"hello.localhost:8080", "www.example.com:443", "shop.example.org", "unknown.example.net:80"} {
		found := host != "unknown.example.net:80"
		allocs := testing.AllocsPerRun(1000, func() {
			if (tab.lookup(host) != nil) != found {
				t.Fatalf("lookup(%q) found = %v, want %v", host, !found, found)
			}
		})
		if allocs != 0 {
			t.Errorf("lookup(%q) allocates %v times per request, want 0", host, allocs)
		}
	}
}

func TestPort(t *testing.T) {
	tests := []struct{ in, want string }{
		{"hello.localhost:8080", "8080"},
		{"hello.localhost", ""},
		{"hello.localhost:", ""},
		{"hello.localhost:80x", ""},
		{"[::1]:443", "443"},
		{"[::1]", ""},
	}
	for _, tt := range tests {
		if got := port(tt.in); got != tt.want {
			t.Errorf("port(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}
