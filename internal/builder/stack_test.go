package builder

import (
	"bytes"
	"strings"
	"testing"
)

// Stack image names depend on what the images are made of, and nothing
// else: the same options name the same images.
func TestStackNames(t *testing.T) {
	a, b := NewStacks(nil, StackOptions{}), NewStacks(nil, StackOptions{})
	ga, err := a.Names(LangGo)
	if err != nil || !strings.HasPrefix(ga.Go, "paas-stack/go:bookworm-") || ga.Node != "" {
		t.Fatalf("Names(go) = %+v, %v", ga, err)
	}
	if gb, _ := b.Names(LangGo); gb != ga {
		t.Errorf("the same options named %+v and %+v", ga, gb)
	}
	other, _ := NewStacks(nil, StackOptions{BaseImage: "debian:bookworm-slim"}).Names(LangGo)
	if other.Go == ga.Go {
		t.Errorf("another base image gave the same name %s", other.Go)
	}
	if _, err := a.Names(LangDockerfile); err == nil {
		t.Error("Names(dockerfile) named a stack")
	}
}

func TestPrefixWriter(t *testing.T) {
	var out bytes.Buffer
	w := &prefixWriter{w: &out, prefix: "  "}
	for _, s := range []string{"one\ntw", "o\n", "\nthree"} {
		if _, err := w.Write([]byte(s)); err != nil {
			t.Fatal(err)
		}
	}
	if got := out.String(); got != "  one\n  two\n  \n  three" {
		t.Errorf("prefixed %q", got)
	}
}
