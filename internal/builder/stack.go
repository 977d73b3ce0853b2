package builder

import (
	"archive/tar"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"maps"
	"os"
	"os/exec"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/containerd/errdefs"
	"github.com/docker/docker/api/types/image"
	"github.com/docker/docker/client"
)

// The stack: the Debian release every generated Dockerfile builds on. No
// registry can be counted on, so paas makes its images itself from Debian's
// packages, once per machine: a base image by debootstrap (or
// StackOptions.BaseImage), and on it one image per language with that
// language's toolchain from Debian's packages. Nothing of the host goes in.
const (
	StackRelease = "bookworm"
	// DefaultMirror is the Debian mirror debootstrap and apt use.
	DefaultMirror = "http://deb.debian.org/debian"
	// DefaultStackRepository names the stack images: paas-stack/go:...
	DefaultStackRepository = "paas-stack"
	// stackGoDir is where Debian's backported Go lives in the Go image;
	// paas-go-toolchain uses it, or fetches a newer Go with it.
	stackGoDir = "/usr/lib/go-1.23"
)

// StackOptions say where the stack comes from.
type StackOptions struct {
	// BaseImage (PAAS_STACK_IMAGE) is a Debian bookworm image the engine
	// has, or can pull, to build the stack on instead of making one with
	// debootstrap.
	BaseImage string
	// Mirror is the Debian mirror; "" is DefaultMirror.
	Mirror string
	// Repository names the stack's images; "" is DefaultStackRepository.
	Repository string
}

// StackEngine is what making the stack needs of the Docker Engine
// (*client.Client).
type StackEngine interface {
	ImageBuildClient
	ImageInspect(ctx context.Context, imageID string, opts ...client.ImageInspectOption) (image.InspectResponse, error)
	ImageImport(ctx context.Context, source image.ImportSource, ref string, options image.ImportOptions) (io.ReadCloser, error)
}

// Stacks makes and names the stack images.
type Stacks struct {
	engine StackEngine
	opts   StackOptions
	mu     sync.Mutex // one maker at a time: a second push waits for the first's images
}

// NewStacks returns the stacks made on engine as opts say.
func NewStacks(engine StackEngine, opts StackOptions) *Stacks {
	if opts.Mirror == "" {
		opts.Mirror = DefaultMirror
	}
	if opts.Repository == "" {
		opts.Repository = DefaultStackRepository
	}
	return &Stacks{engine: engine, opts: opts}
}

// stackImage is one image of the stack, built FROM the base.
type stackImage struct {
	name  string // "go": the image is <repository>/go:<release>-<hash>
	title string // shown while it is made
	// dockerfile is the image's Dockerfile, with {{BASE}} and {{MIRROR}}.
	dockerfile string
	files      map[string]string // put into the build context beside it
}

// apt installs Debian packages in one layer and leaves no lists behind.
func apt(packages string) string {
	return "RUN apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends " + packages +
		" && rm -rf /var/lib/apt/lists/*\n"
}

const stackPath = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

// Each image sets what the generated Dockerfiles would otherwise set in
// steps of their own (WORKDIR, ENV, the virtualenv): on a slow storage
// driver every step of a build costs seconds.
var stackImages = map[string]stackImage{
	"go": {name: "go", title: "the Go image", dockerfile: "FROM {{BASE}}\n" +
		"RUN echo 'deb {{MIRROR}} " + StackRelease + "-backports main' > /etc/apt/sources.list.d/backports.list && " +
		"apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends -t " + StackRelease + "-backports golang-1.23-go && " +
		"DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends ca-certificates git && rm -rf /var/lib/apt/lists/*\n" +
		"COPY paas-go-toolchain /usr/local/bin/paas-go-toolchain\n" +
		"ENV PATH=/app/bin:/usr/local/go/bin:" + stackPath + " GOTOOLCHAIN=local CGO_ENABLED=0\nWORKDIR /src\n",
		files: map[string]string{"paas-go-toolchain": goToolchainScript}},
	"node": {name: "node", title: "the Node.js image", dockerfile: "FROM {{BASE}}\n" + apt("ca-certificates nodejs npm") +
		"ENV NODE_ENV=production\nWORKDIR /app\n"},
	"python": {name: "python", title: "the Python image", dockerfile: "FROM {{BASE}}\n" +
		"RUN apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends ca-certificates python3 python3-venv && " +
		"rm -rf /var/lib/apt/lists/* && python3 -m venv /app/.venv\n" +
		"ENV PATH=/app/.venv/bin:" + stackPath + " PYTHONUNBUFFERED=1 PIP_DISABLE_PIP_VERSION_CHECK=1\nWORKDIR /app\n"},
	"static": {name: "static", title: "the static site image", dockerfile: "FROM {{BASE}}\n" + apt("busybox") + "WORKDIR /app\n"},
	// The add-ons' services, from Debian's packages too: their data goes on
	// a volume at /var/lib/paas-<name>, made the service user's here so
	// that a new volume takes that owner.
	"postgres": {name: "postgres", title: "the Postgres service image", dockerfile: "FROM {{BASE}}\n" +
		"RUN apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends postgresql-15 && " +
		"rm -rf /var/lib/apt/lists/* && mkdir -p /var/lib/paas-postgres && chown postgres:postgres /var/lib/paas-postgres\n" +
		"COPY paas-postgres /usr/local/bin/paas-postgres\n" +
		"ENV PATH=/usr/lib/postgresql/15/bin:" + stackPath + " PGDATA=/var/lib/paas-postgres/data\n" +
		"USER postgres\nCMD [\"paas-postgres\"]\n",
		files: map[string]string{"paas-postgres": postgresScript}},
	"redis": {name: "redis", title: "the Redis service image", dockerfile: "FROM {{BASE}}\n" +
		"RUN apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends redis-server && " +
		"rm -rf /var/lib/apt/lists/* && mkdir -p /var/lib/paas-redis && chown redis:redis /var/lib/paas-redis\n" +
		"COPY paas-redis /usr/local/bin/paas-redis\n" +
		"USER redis\nCMD [\"paas-redis\"]\n",
		files: map[string]string{"paas-redis": redisScript}},
}

// postgresScript starts Postgres on its volume; the first start makes the
// cluster, with POSTGRES_USER as its superuser (password from the
// environment, never in argv) and the database POSTGRES_DB.
const postgresScript = `#!/bin/sh
set -eu
: "${PGDATA:?}" "${POSTGRES_USER:?}" "${POSTGRES_PASSWORD:?}" "${POSTGRES_DB:?}"
if [ ! -s "$PGDATA/PG_VERSION" ]; then
  pw=$(mktemp)
  printf '%s' "$POSTGRES_PASSWORD" > "$pw"
  initdb -D "$PGDATA" -U "$POSTGRES_USER" --pwfile="$pw" --auth-local=trust --auth-host=scram-sha-256 -E UTF8 --locale=C.UTF-8 > /dev/null
  rm -f "$pw"
  echo "listen_addresses = '*'" >> "$PGDATA/postgresql.conf"
  echo 'host all all all scram-sha-256' >> "$PGDATA/pg_hba.conf"
  pg_ctl -D "$PGDATA" -o "-c listen_addresses=''" -w start > /dev/null
  psql -q -v ON_ERROR_STOP=1 -U "$POSTGRES_USER" -d postgres -c "CREATE DATABASE \"$POSTGRES_DB\""
  pg_ctl -D "$PGDATA" -m fast -w stop > /dev/null
fi
unset POSTGRES_PASSWORD
exec postgres -D "$PGDATA"
`

// redisScript starts Redis with its data on its volume, kept with an
// append-only file, and the password from the environment in a config
// file rather than argv.
const redisScript = `#!/bin/sh
set -eu
: "${REDIS_PASSWORD:?}"
conf=$(mktemp)
printf 'bind 0.0.0.0\nport 6379\nprotected-mode no\ndir /var/lib/paas-redis\nappendonly yes\nrequirepass "%s"\n' "$REDIS_PASSWORD" > "$conf"
unset REDIS_PASSWORD
exec redis-server "$conf"
`

// ServiceImage returns the image of an add-on's service ("postgres",
// "redis"), making it (and the base) first if the engine lacks it.
func (s *Stacks) ServiceImage(ctx context.Context, service string, out io.Writer) (string, error) {
	img, ok := stackImages[service]
	if !ok || service != "postgres" && service != "redis" {
		return "", fmt.Errorf("service image: no service %q", service)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.ensureBase(ctx, out); err != nil {
		return "", err
	}
	if err := s.ensure(ctx, img, out); err != nil {
		return "", err
	}
	ref, _ := s.ref(img)
	return ref, nil
}

// goToolchainScript is paas-go-toolchain VERSION: it makes /usr/local/go the
// stack's Go when that is VERSION or newer (go.mod's go and toolchain lines
// are minimums), else Go VERSION, which the go command fetches through
// GOPROXY and checks against GOSUMDB, as it does any toolchain switch.
const goToolchainScript = `#!/bin/sh
set -eu
v=${1:-}
case $v in ''|*[!0-9a-z.]*) echo "paas-go-toolchain: invalid Go version '$v'" >&2; exit 2 ;; esac
stack=` + stackGoDir + `
have=$("$stack/bin/go" env GOVERSION)
have=${have#go}
if [ "$(printf '%s\n%s\n' "$v" "$have" | sort -V | head -n 1)" = "$v" ]; then
  ln -sfn "$stack" /usr/local/go
  echo "Using Go $have (go.mod asks for $v or newer)"
  exit 0
fi
echo "Fetching Go $v through the Go module proxy"
GOTOOLCHAIN="go$v" "$stack/bin/go" version
ln -sfn "$(GOTOOLCHAIN="go$v" "$stack/bin/go" env GOROOT)" /usr/local/go
`

// imagesFor are the stack images a language's generated Dockerfile uses.
var imagesFor = map[Language][]string{
	LangGo:     {"go"},
	LangNode:   {"node"},
	LangPython: {"python"},
	LangStatic: {"static"},
}

// Names returns the names of the stack images lang builds FROM, whether or
// not the engine has them yet: what a generated Dockerfile shows.
func (s *Stacks) Names(lang Language) (StackImages, error) {
	names, ok := imagesFor[lang]
	if !ok {
		return StackImages{}, fmt.Errorf("stack images: no stack for %q", lang)
	}
	var imgs StackImages
	for _, n := range names {
		ref, _ := s.ref(stackImages[n])
		switch n {
		case "go":
			imgs.Go = ref
		case "node":
			imgs.Node = ref
		case "python":
			imgs.Python = ref
		case "static":
			imgs.Static = ref
		}
	}
	return imgs, nil
}

// Images returns the stack images lang builds FROM, making those the engine
// lacks first, with their progress on out.
func (s *Stacks) Images(ctx context.Context, lang Language, out io.Writer) (StackImages, error) {
	imgs, err := s.Names(lang)
	if err != nil {
		return StackImages{}, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.ensureBase(ctx, out); err != nil {
		return StackImages{}, err
	}
	for _, n := range imagesFor[lang] {
		if err := s.ensure(ctx, stackImages[n], out); err != nil {
			return StackImages{}, err
		}
	}
	return imgs, nil
}

// Prepare makes every stack image the engine lacks, the language images
// side by side (their time goes mostly to the mirror and to dpkg): for paasd
// stacks and make stacks, so that no push waits for them.
func (s *Stacks) Prepare(ctx context.Context, out io.Writer) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.ensureBase(ctx, out); err != nil {
		return err
	}
	shared := &lockedWriter{w: out}
	errs := make([]error, len(stackImages))
	var wg sync.WaitGroup
	for i, name := range slices.Sorted(maps.Keys(stackImages)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = s.ensure(ctx, stackImages[name], &prefixWriter{w: shared, prefix: "[" + name + "] "})
		}()
	}
	wg.Wait()
	return errors.Join(errs...)
}

// lockedWriter lets several goroutines write whole chunks to one writer.
type lockedWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (l *lockedWriter) Write(b []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(b)
}

// baseRef is the image the stack is built on: BaseImage, or the one
// debootstrap makes.
func (s *Stacks) baseRef() string {
	if s.opts.BaseImage != "" {
		return s.opts.BaseImage
	}
	return s.opts.Repository + "/base:" + StackRelease
}

// ensureBase makes the base image with debootstrap if the engine lacks it;
// a BaseImage it lacks is an error.
func (s *Stacks) ensureBase(ctx context.Context, out io.Writer) error {
	ref := s.baseRef()
	if id, err := s.imageID(ctx, ref); err != nil || id != "" {
		return err
	}
	if s.opts.BaseImage != "" {
		return fmt.Errorf("stack image: PAAS_STACK_IMAGE is %s, which the Docker Engine does not have: pull it (docker pull %s), or unset PAAS_STACK_IMAGE to make the stack with debootstrap", ref, ref)
	}
	fmt.Fprintf(out, "-----> Making the stack's base image %s with debootstrap (once per machine; about a minute)\n", ref)
	if err := s.debootstrap(ctx, ref, out); err != nil {
		return err
	}
	id, err := s.imageID(ctx, ref)
	if err == nil && id == "" {
		err = fmt.Errorf("stack image: %s was imported but the engine does not list it", ref)
	}
	return err
}

// debootstrap makes a minimal Debian tree and imports it as ref.
func (s *Stacks) debootstrap(ctx context.Context, ref string, out io.Writer) error {
	if _, err := exec.LookPath("debootstrap"); err != nil {
		return errors.New("stack image: debootstrap is not installed: run make deps (or apt-get install debootstrap), or set PAAS_STACK_IMAGE to a Debian bookworm image the engine has")
	}
	dir, err := os.MkdirTemp("", "paas-stack-")
	if err != nil {
		return fmt.Errorf("stack image: %w", err)
	}
	defer os.RemoveAll(dir)
	progress := &prefixWriter{w: out, prefix: "       "}
	cmd := exec.CommandContext(ctx, "debootstrap", "--variant=minbase", StackRelease, dir, s.opts.Mirror)
	cmd.Stdout, cmd.Stderr = progress, progress
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("stack image: debootstrap %s from %s: %w (it needs root, and the mirror reachable)", StackRelease, s.opts.Mirror, err)
	}
	// GNU tar keeps the tree's owners, modes, links and device nodes.
	tarCmd := exec.CommandContext(ctx, "tar", "--numeric-owner", "-C", dir, "-c", ".")
	var tarErr bytes.Buffer
	tarCmd.Stderr = &tarErr
	stream, err := tarCmd.StdoutPipe()
	if err != nil {
		return fmt.Errorf("stack image: %w", err)
	}
	if err := tarCmd.Start(); err != nil {
		return fmt.Errorf("stack image: tar the Debian tree: %w", err)
	}
	resp, err := s.engine.ImageImport(ctx, image.ImportSource{Source: stream, SourceName: "-"}, ref,
		image.ImportOptions{Changes: []string{`CMD ["/bin/bash"]`, "ENV PATH=" + stackPath}})
	if err == nil {
		_, err = copyBuildOutput(resp, io.Discard)
		resp.Close()
	}
	_, _ = io.Copy(io.Discard, stream) // let tar finish if the import stopped reading
	if werr := tarCmd.Wait(); werr != nil && err == nil {
		err = fmt.Errorf("tar the Debian tree: %w: %s", werr, strings.TrimSpace(tarErr.String()))
	}
	if err != nil {
		return fmt.Errorf("stack image: import %s: %w", ref, err)
	}
	return nil
}

// ref is img's name and Dockerfile. The tag holds a hash of what it is
// made of, so a changed Dockerfile, base or mirror makes a new image rather
// than reusing a stale one.
func (s *Stacks) ref(img stackImage) (ref, dockerfile string) {
	dockerfile = strings.NewReplacer("{{BASE}}", s.baseRef(), "{{MIRROR}}", s.opts.Mirror).Replace(img.dockerfile)
	h := sha256.New()
	h.Write([]byte(dockerfile))
	for _, name := range slices.Sorted(maps.Keys(img.files)) {
		fmt.Fprintf(h, "\x00%s\x00%s", name, img.files[name])
	}
	return fmt.Sprintf("%s/%s:%s-%s", s.opts.Repository, img.name, StackRelease, hex.EncodeToString(h.Sum(nil))[:12]), dockerfile
}

// ensure builds img if the engine lacks it.
func (s *Stacks) ensure(ctx context.Context, img stackImage, out io.Writer) error {
	ref, dockerfile := s.ref(img)
	if id, err := s.imageID(ctx, ref); err != nil || id != "" {
		return err
	}
	fmt.Fprintf(out, "-----> Making %s of the stack, %s (once per machine)\n", img.title, ref)
	buildContext, err := contextTar(map[string]string{"Dockerfile": dockerfile}, img.files)
	if err != nil {
		return err
	}
	b := NewImageBuilder(s.engine)
	if _, err := b.Build(ctx, buildContext, BuildOptions{Tag: ref}, &prefixWriter{w: out, prefix: "       "}); err != nil {
		return fmt.Errorf("stack image %s: %w", ref, err)
	}
	return nil
}

// imageID is ref's image ID, "" when the engine does not have it.
func (s *Stacks) imageID(ctx context.Context, ref string) (string, error) {
	img, err := s.engine.ImageInspect(ctx, ref)
	if errdefs.IsNotFound(err) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("stack image: inspect %s: %w", ref, err)
	}
	return img.ID, nil
}

// contextTar is a build context holding the given files (the first map's
// with mode 0644, the second's executable).
func contextTar(plain, executable map[string]string) (io.Reader, error) {
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	now := time.Unix(0, 0)
	for _, set := range []struct {
		files map[string]string
		mode  int64
	}{{plain, 0o644}, {executable, 0o755}} {
		for _, name := range slices.Sorted(maps.Keys(set.files)) {
			body := set.files[name]
			if err := tw.WriteHeader(&tar.Header{Name: name, Mode: set.mode, Size: int64(len(body)), ModTime: now, Typeflag: tar.TypeReg}); err != nil {
				return nil, fmt.Errorf("build context: %w", err)
			}
			if _, err := io.WriteString(tw, body); err != nil {
				return nil, fmt.Errorf("build context: %w", err)
			}
		}
	}
	if err := tw.Close(); err != nil {
		return nil, fmt.Errorf("build context: %w", err)
	}
	return &buf, nil
}

// prefixWriter indents what it passes on, line by line, so that the
// stack's making reads as one step of the push.
type prefixWriter struct {
	w       io.Writer
	prefix  string
	midLine bool
}

func (p *prefixWriter) Write(b []byte) (int, error) {
	var out []byte
	for _, c := range b {
		if !p.midLine {
			out = append(out, p.prefix...)
		}
		out = append(out, c)
		p.midLine = c != '\n'
	}
	if _, err := p.w.Write(out); err != nil {
		return 0, err
	}
	return len(b), nil
}
