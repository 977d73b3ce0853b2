package builder

import (
	"errors"
	"flag"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden Dockerfiles in testdata/dockerfiles")

// tree is a SourceFiles of files by path.
type tree map[string]string

func (t tree) HasFile(name string) (bool, error) { _, ok := t[name]; return ok, nil }

func (t tree) ReadFile(name string, _ int64) ([]byte, error) {
	s, ok := t[name]
	if !ok {
		return nil, fs.ErrNotExist
	}
	return []byte(s), nil
}

func (t tree) ListDir(dir string) ([]string, error) {
	prefix := ""
	if dir != "" {
		prefix = dir + "/"
	}
	seen := map[string]bool{}
	for name := range t {
		rest, ok := strings.CutPrefix(name, prefix)
		if !ok {
			continue
		}
		if d, _, isDir := strings.Cut(rest, "/"); isDir {
			seen[d+"/"] = true
		} else {
			seen[rest] = true
		}
	}
	if len(seen) == 0 && dir != "" {
		return nil, fs.ErrNotExist
	}
	return slices.Sorted(maps.Keys(seen)), nil
}

var testStack = StackImages{Go: "paas-stack/go:test", Node: "paas-stack/node:test", Python: "paas-stack/python:test", Static: "paas-stack/static:test"}

const goMain = "package main\n\nfunc main() {}\n"

// Each fixture is detected as want and generates its golden Dockerfile.
func TestDetectAndGenerate(t *testing.T) {
	for _, tt := range []struct {
		name    string
		files   tree
		lang    Language
		version string
		web     string
	}{
		{"go-root-main", tree{"go.mod": "module example.com/hello\n\ngo 1.22\n", "main.go": goMain}, LangGo, "1.22.0", "/app/bin/hello"},
		{"go-sum-toolchain", tree{"go.mod": "module github.com/a/svc // the service\n\ngo 1.22.1\ntoolchain go1.23.4\n", "go.sum": "", "main.go": goMain, "main_test.go": "package main_test\n"}, LangGo, "1.23.4", "/app/bin/svc"},
		{"go-vendor-cmd", tree{"go.mod": "module example.com/lib\n\ngo 1.19\n", "go.sum": "", "vendor/modules.txt": "", "lib.go": "package lib\n", "cmd/server/main.go": goMain}, LangGo, "1.21.0", "/app/bin/server"},
		{"go-no-main", tree{"go.mod": "module example.com/lib\ngo 1.23\n", "lib.go": "package lib\n", "cmd/a/main.go": goMain, "cmd/b/main.go": goMain}, LangGo, "1.23.0", ""},
		{"node-lock-start", tree{"package.json": `{"scripts": {"start": "node index.js"}, "engines": {"node": ">=16 <20"}}`, "package-lock.json": "{}"}, LangNode, "18", "npm start"},
		{"node-server-js", tree{"package.json": `{"name": "x"}`, "server.js": ""}, LangNode, "18", "node server.js"},
		{"python-requirements", tree{"requirements.txt": "", "app.py": "", ".python-version": "3.11.4\n"}, LangPython, "3.11", ""},
		{"python-project", tree{"pyproject.toml": "", "runtime.txt": "python-3.11.9"}, LangPython, "3.11", ""},
		{"python-pipfile", tree{"Pipfile": ""}, LangPython, "3.11", ""},
		{"static-root", tree{"index.html": ""}, LangStatic, "", "exec busybox httpd -f -p $PORT -h /app"},
		{"static-public", tree{"public/index.html": "", "README.md": ""}, LangStatic, "", "exec busybox httpd -f -p $PORT -h /app/public"},
		{"static-staticfile", tree{"Staticfile": "root: site/\n", "site/index.html": ""}, LangStatic, "", "exec busybox httpd -f -p $PORT -h /app/site"},
		// First match wins.
		{"dockerfile-wins", tree{"Dockerfile": "FROM scratch\n", "go.mod": "module x\n", "index.html": ""}, LangDockerfile, "", ""},
		{"go-wins", tree{"go.mod": "module example.com/both\ngo 1.22\n", "main.go": goMain, "package.json": "{}", "index.html": ""}, LangGo, "1.22.0", "/app/bin/both"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			d, err := Detect(tt.files, "")
			if err != nil {
				t.Fatal(err)
			}
			if d.Language != tt.lang || d.Version != tt.version || d.Processes["web"] != tt.web {
				t.Fatalf("Detect = %s %q web %q, want %s %q web %q", d.Language, d.Version, d.Processes["web"], tt.lang, tt.version, tt.web)
			}
			got, err := GenerateDockerfile(d, testStack)
			if d.Language == LangDockerfile {
				if err == nil {
					t.Error("GenerateDockerfile of a Dockerfile app succeeded")
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			golden := filepath.Join("testdata", "dockerfiles", tt.name+".Dockerfile")
			if *update {
				if err := os.WriteFile(golden, got, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run go test -update to write it)", err)
			}
			if string(got) != string(want) {
				t.Errorf("generated Dockerfile differs from %s:\n%s", golden, got)
			}
		})
	}
}

func TestDetectRefusals(t *testing.T) {
	for _, tt := range []struct {
		name     string
		files    tree
		override Language
		want     []string
	}{
		{"nothing", tree{"README.md": ""}, "", []string{"Dockerfile", "go.mod", "package.json", "requirements.txt", "index.html", "builder="}},
		{"unknown builder", tree{"go.mod": "module x\n"}, "ruby", []string{`"ruby"`, "dockerfile, go, node, python, static"}},
		{"builder without its files", tree{"index.html": ""}, LangPython, []string{"builder setting is python", "requirements.txt"}},
		{"node too new", tree{"package.json": `{"engines": {"node": "20.x"}}`}, "", []string{"20.x", "18.19.0", "Dockerfile"}},
		{"bad package.json", tree{"package.json": `{`}, "", []string{"not valid JSON"}},
		{"python too new", tree{"requirements.txt": "", ".python-version": "3.12\n"}, "", []string{".python-version asks for Python 3.12", "3.11"}},
		{"bad go version", tree{"go.mod": "module x\ngo 1.22; rm -rf /\n"}, "", []string{"go.mod"}},
		{"go version injection", tree{"go.mod": "module x\ngo 1.22$(id)\n"}, "", []string{"not a Go version"}},
		{"no module", tree{"go.mod": "go 1.22\n"}, "", []string{"module line"}},
		{"static root escapes", tree{"Staticfile": "root: ../etc\n"}, "", []string{"Staticfile root"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Detect(tt.files, tt.override)
			if !errors.Is(err, ErrNotDetected) {
				t.Fatalf("Detect = %v, want ErrNotDetected", err)
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q lacks %q", err, w)
				}
			}
		})
	}
	// An override picks a language the tree also has, over the first match.
	d, err := Detect(tree{"Dockerfile": "FROM x\n", "index.html": ""}, LangStatic)
	if err != nil || d.Language != LangStatic {
		t.Errorf("Detect with builder=static = %+v, %v", d, err)
	}
}

func TestNodeRanges(t *testing.T) {
	for r, want := range map[string]bool{
		"": true, "*": true, "18": true, "18.x": true, "18.19": true, "18.19.0": true, "=18.19.0": true, "v18": true,
		">=16": true, ">=16 <20": true, "^18.0.0": true, "~18.19": true, "~18.19.0": true, "16 - 20": true, "16 || 18": true, "lts/*": true,
		"20.x": false, ">=20": false, "<18": false, "^16.0.0": false, "~18.18": false, "18.20": false, ">18": false, "<=17": false, "16 || 20": false,
	} {
		got, err := nodeRangeAllows(r, StackNodeVersion)
		if err != nil || got != want {
			t.Errorf("nodeRangeAllows(%q) = %v, %v; want %v", r, got, err, want)
		}
	}
	if _, err := nodeRangeAllows(">=banana", StackNodeVersion); err == nil {
		t.Error("a range of no version was accepted")
	}
}

func TestGoVersion(t *testing.T) {
	for mod, want := range map[string]string{
		"module m\ngo 1.22\n":                         "1.22.0",
		"module m\ngo 1.22.3\n":                       "1.22.3",
		"module m\ngo 1.23rc1\n":                      "1.23rc1",
		"module m\ngo 1.16\n":                         minGoVersion,
		"module m\n":                                  minGoVersion,
		"module m\ngo 1.21\ntoolchain go1.24.1\n":     "1.24.1",
		"module m\ngo 1.22\ntoolchain default\n":      "1.22.0",
		"module \"m\" // quoted\n\ngo 1.22 // note\n": "1.22.0",
	} {
		if got, module, err := goVersion([]byte(mod)); err != nil || got != want || module != "m" {
			t.Errorf("goVersion(%q) = %q %q %v; want %q", mod, got, module, err, want)
		}
	}
}
