package builder

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"regexp"
	"strings"
)

// SourceFiles is what detection reads of a pushed tree; Push is one.
type SourceFiles interface {
	HasFile(name string) (bool, error)
	ReadFile(name string, max int64) ([]byte, error)
	ListDir(dir string) ([]string, error)
}

// Language is how an app is built: from its own Dockerfile, or as one of
// the languages paas generates a Dockerfile for.
type Language string

// The languages, and the values of the app setting builder.
const (
	LangDockerfile Language = "dockerfile"
	LangGo         Language = "go"
	LangNode       Language = "node"
	LangPython     Language = "python"
	LangStatic     Language = "static"
)

// Languages are the builders in detection order.
var Languages = []Language{LangDockerfile, LangGo, LangNode, LangPython, LangStatic}

// ErrNotDetected is wrapped by Detect's answer for a tree paas cannot build
// as it is, or as the builder setting says.
var ErrNotDetected = errors.New("cannot tell how to build the app")

// lookedFor is what Detect looks for, in order, as the errors list it.
const lookedFor = "a Dockerfile at the root; go.mod (Go); package.json (Node.js); requirements.txt, pyproject.toml or Pipfile (Python); index.html, public/index.html or a Staticfile (a static site)"

// maxManifest bounds the files detection reads (go.mod, package.json, ...).
const maxManifest = 1 << 20

// Detection is how a tree is built.
type Detection struct {
	Language Language
	Name     string // as the push shows it: "Go", "Node.js", "Python", "Static site", "Dockerfile"
	Version  string // the toolchain's version; "" for a Dockerfile or a static site
	// Processes are the default process types without a Procfile.
	Processes map[string]string

	// What the generated Dockerfile copies and runs, as found in the tree.
	depFiles  []string // copied before the source: go.sum, package-lock.json, ...
	vendored  bool     // Go: a vendor directory
	pyInstall string   // Python: "requirements", "project" or "" (Pipfile only)
	root      string   // static site: the directory served, "" for the app root
}

// Detect says how src is built: by the first of its Dockerfile, go.mod,
// package.json, Python's files or a static site's, or as override (the
// builder setting) says when it is not "". Its errors wrap ErrNotDetected
// and say what paas looks for.
func Detect(src SourceFiles, override Language) (Detection, error) {
	if override != "" {
		if !validLanguage(override) {
			return Detection{}, fmt.Errorf("%w: builder %q: use one of %s", ErrNotDetected, override, languageList())
		}
		ok, err := present(src, override)
		if err != nil {
			return Detection{}, err
		}
		if !ok {
			return Detection{}, fmt.Errorf("%w: the app's builder setting is %s, but the tree has none of %s: add one, or set builder=auto", ErrNotDetected, override, markersOf(override))
		}
		return detectAs(src, override)
	}
	for _, l := range Languages {
		ok, err := present(src, l)
		if err != nil {
			return Detection{}, err
		}
		if ok {
			return detectAs(src, l)
		}
	}
	return Detection{}, fmt.Errorf("%w: paas looks for %s; add one of them, or set the builder with paasctl apps:settings builder=LANGUAGE", ErrNotDetected, lookedFor)
}

func validLanguage(l Language) bool {
	for _, x := range Languages {
		if x == l {
			return true
		}
	}
	return false
}

func languageList() string {
	names := make([]string, len(Languages))
	for i, l := range Languages {
		names[i] = string(l)
	}
	return strings.Join(names, ", ")
}

var markers = map[Language][]string{
	LangDockerfile: {"Dockerfile"},
	LangGo:         {"go.mod"},
	LangNode:       {"package.json"},
	LangPython:     {"requirements.txt", "pyproject.toml", "Pipfile"},
	LangStatic:     {"index.html", "public/index.html", "Staticfile"},
}

func markersOf(l Language) string { return strings.Join(markers[l], ", ") }

// present reports whether the tree has one of l's marker files.
func present(src SourceFiles, l Language) (bool, error) {
	for _, m := range markers[l] {
		ok, err := src.HasFile(m)
		if err != nil {
			return false, fmt.Errorf("detect the language: %w", err)
		}
		if ok {
			return true, nil
		}
	}
	return false, nil
}

func detectAs(src SourceFiles, l Language) (Detection, error) {
	switch l {
	case LangGo:
		return detectGo(src)
	case LangNode:
		return detectNode(src)
	case LangPython:
		return detectPython(src)
	case LangStatic:
		return detectStatic(src)
	default:
		return Detection{Language: LangDockerfile, Name: "Dockerfile", Processes: map[string]string{}}, nil
	}
}

// existing returns those of names the tree has.
func existing(src SourceFiles, names ...string) ([]string, error) {
	var out []string
	for _, n := range names {
		ok, err := src.HasFile(n)
		if err != nil {
			return nil, fmt.Errorf("detect the language: %w", err)
		}
		if ok {
			out = append(out, n)
		}
	}
	return out, nil
}

// binaryName is what a Go binary may be called in a command line.
var binaryName = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$`)

func detectGo(src SourceFiles) (Detection, error) {
	mod, err := src.ReadFile("go.mod", maxManifest)
	if err != nil {
		return Detection{}, fmt.Errorf("read go.mod: %w", err)
	}
	version, module, err := goVersion(mod)
	if err != nil {
		return Detection{}, err
	}
	d := Detection{Language: LangGo, Name: "Go", Version: version, Processes: map[string]string{}}
	if d.depFiles, err = existing(src, "go.sum"); err != nil {
		return Detection{}, err
	}
	if _, err := src.ListDir("vendor"); err == nil {
		d.vendored = true
	}
	// web runs the binary of the root package, else of the one command.
	bin := ""
	if main, err := rootIsMain(src); err != nil {
		return Detection{}, err
	} else if main {
		bin = path.Base(module)
	} else if cmds, err := src.ListDir("cmd"); err == nil {
		var dirs []string
		for _, c := range cmds {
			if strings.HasSuffix(c, "/") {
				dirs = append(dirs, strings.TrimSuffix(c, "/"))
			}
		}
		if len(dirs) == 1 {
			bin = dirs[0]
		}
	}
	if bin != "" && binaryName.MatchString(bin) {
		d.Processes["web"] = "/app/bin/" + bin
	}
	return d, nil
}

var packageClause = regexp.MustCompile(`(?m)^package\s+(\w+)`)

// rootIsMain reports whether the root's Go files are package main.
func rootIsMain(src SourceFiles) (bool, error) {
	names, err := src.ListDir("")
	if err != nil {
		return false, fmt.Errorf("detect the Go package: %w", err)
	}
	for _, n := range names {
		if !strings.HasSuffix(n, ".go") || strings.HasSuffix(n, "_test.go") {
			continue
		}
		data, err := src.ReadFile(n, maxManifest)
		if err != nil {
			continue // a huge or odd file: not the one to decide by
		}
		if m := packageClause.FindSubmatch(data); m != nil {
			return string(m[1]) == "main", nil
		}
	}
	return false, nil
}

func detectNode(src SourceFiles) (Detection, error) {
	data, err := src.ReadFile("package.json", maxManifest)
	if err != nil {
		return Detection{}, fmt.Errorf("read package.json: %w", err)
	}
	var pkg struct {
		Scripts map[string]any `json:"scripts"`
		Engines map[string]any `json:"engines"`
	}
	if err := json.Unmarshal(data, &pkg); err != nil {
		return Detection{}, fmt.Errorf("%w: package.json is not valid JSON (%v): fix it", ErrNotDetected, err)
	}
	engine, _ := pkg.Engines["node"].(string)
	if err := checkNodeRange(engine); err != nil {
		return Detection{}, err
	}
	d := Detection{Language: LangNode, Name: "Node.js", Version: nodeMajor, Processes: map[string]string{}}
	if d.depFiles, err = existing(src, "package-lock.json", "npm-shrinkwrap.json"); err != nil {
		return Detection{}, err
	}
	if start, _ := pkg.Scripts["start"].(string); start != "" {
		d.Processes["web"] = "npm start"
	} else if ok, err := src.HasFile("server.js"); err != nil {
		return Detection{}, err
	} else if ok {
		d.Processes["web"] = "node server.js"
	}
	return d, nil
}

func detectPython(src SourceFiles) (Detection, error) {
	version, err := pythonVersion(src)
	if err != nil {
		return Detection{}, err
	}
	d := Detection{Language: LangPython, Name: "Python", Version: version, Processes: map[string]string{}}
	switch ok, err := src.HasFile("requirements.txt"); {
	case err != nil:
		return Detection{}, err
	case ok:
		d.pyInstall, d.depFiles = "requirements", []string{"requirements.txt"}
	default:
		if ok, err := src.HasFile("pyproject.toml"); err != nil {
			return Detection{}, err
		} else if ok {
			d.pyInstall = "project"
		}
	}
	return d, nil
}

// staticRoot is a safe directory path inside the app.
var staticRoot = regexp.MustCompile(`^[A-Za-z0-9_][A-Za-z0-9._-]*(/[A-Za-z0-9_][A-Za-z0-9._-]*)*$`)

func detectStatic(src SourceFiles) (Detection, error) {
	d := Detection{Language: LangStatic, Name: "Static site", Processes: map[string]string{}}
	data, err := src.ReadFile("Staticfile", maxManifest)
	switch {
	case err == nil:
		for _, line := range strings.Split(string(data), "\n") {
			k, v, ok := strings.Cut(line, ":")
			if ok && strings.TrimSpace(k) == "root" {
				d.root = strings.Trim(strings.TrimSpace(v), "/")
			}
		}
	case !errors.Is(err, fs.ErrNotExist):
		return Detection{}, fmt.Errorf("read Staticfile: %w", err)
	default:
		atRoot, err := src.HasFile("index.html")
		if err != nil {
			return Detection{}, err
		}
		if inPublic, err := src.HasFile("public/index.html"); err != nil {
			return Detection{}, err
		} else if inPublic && !atRoot {
			d.root = "public"
		}
	}
	if d.root == "." {
		d.root = ""
	}
	if d.root != "" && (!staticRoot.MatchString(d.root) || strings.Contains(d.root, "..")) {
		return Detection{}, fmt.Errorf("%w: Staticfile root %q: use a directory of the app, such as public", ErrNotDetected, d.root)
	}
	d.Processes["web"] = "exec busybox httpd -f -p $PORT -h " + path.Join("/app", d.root)
	return d, nil
}
