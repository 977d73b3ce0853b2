package platform

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/paas-dev/paas/api"
	"github.com/paas-dev/paas/internal/connguard"
	"github.com/paas-dev/paas/internal/releases"
)

// Sources deploys a gzip-compressed tar archive as a git push of its tree
// would; the git server is one.
type Sources interface {
	DeploySource(ctx context.Context, app, appID string, tgz io.Reader, version string, out io.Writer) (commit string, err error)
}

// SetSources completes the wiring for builds from source blobs.
func (p *Platform) SetSources(s Sources) { p.sources = s }

const (
	// sourceFetchTimeout bounds the download of a source blob.
	sourceFetchTimeout = 10 * time.Minute
	// maxBuildOutput bounds what a build's output keeps in memory.
	maxBuildOutput = 4 << 20
	// buildOutputKeep is how long a finished build's output stays
	// readable at its URL.
	buildOutputKeep = time.Hour
)

// buildRun is a build from a source blob this paasd started: its state
// and output, kept in memory while it runs and for buildOutputKeep after.
// The ledger records it too (releases.SourceBuild), from its start.
type buildRun struct {
	id      string
	app     string
	appID   string
	source  api.SourceBlob
	secret  string // of its output URL
	created time.Time
	out     outputLog

	mu      sync.Mutex
	status  string
	updated time.Time
	commit  string
	release int // the version it made, once live
	buildID int // the ledger's build, once live
}

// builds holds the source-blob builds whose output is still kept, by app.
type builds struct {
	mu   sync.Mutex
	runs map[string][]*buildRun // by app id: they stay with an app renamed, and go with one destroyed
}

// add keeps b, and lets go of the runs whose output has expired, so that
// memory does not grow with every build a paasd ever ran.
func (bs *builds) add(b *buildRun) {
	bs.mu.Lock()
	defer bs.mu.Unlock()
	if bs.runs == nil {
		bs.runs = map[string][]*buildRun{}
	}
	for app, runs := range bs.runs {
		runs = slices.DeleteFunc(runs, (*buildRun).expired)
		if len(runs) == 0 {
			delete(bs.runs, app)
		} else {
			bs.runs[app] = runs
		}
	}
	bs.runs[b.appID] = append(bs.runs[b.appID], b)
}

// expired says whether b ended more than buildOutputKeep ago.
func (b *buildRun) expired() bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.status != api.BuildPending && time.Since(b.updated) > buildOutputKeep
}

// CreateBuild starts building and releasing a source blob and answers at
// once with the pending build; its output streams at the build's output
// URL (BuildOutput). The archive is downloaded first, in full, so that its
// checksum is known before anything is built.
func (p *Platform) CreateBuild(ctx context.Context, app string, src api.SourceBlob) (api.Build, error) {
	if p.sources == nil {
		return api.Build{}, errors.New("create build: builds from source blobs are not wired in this paasd")
	}
	a, err := p.findApp(app)
	if err != nil {
		return api.Build{}, err
	}
	u, err := p.checkSourceURL(src.URL)
	if err != nil {
		return api.Build{}, err
	}
	want, err := parseChecksum(src.Checksum)
	if err != nil {
		return api.Build{}, err
	}
	var secret [32]byte
	_, _ = rand.Read(secret[:]) // crypto/rand.Read never fails
	rec, err := p.store.AddSourceBuild(a.Name, releases.SourceBuild{
		ID: releases.ChildID(a.ID, releases.KindBuild, "source-"+releases.NewID()), URL: src.URL,
		Checksum: deref(src.Checksum), Version: deref(src.Version), VersionDescription: deref(src.VersionDescription),
	})
	if err != nil {
		return api.Build{}, err
	}
	b := &buildRun{
		id: rec.ID, app: a.Name, appID: a.ID,
		source: src, secret: hex.EncodeToString(secret[:]), created: rec.CreatedAt, status: api.BuildPending, updated: rec.UpdatedAt,
	}
	b.out.init()
	p.builds.add(b)

	p.background.Add(1)
	go func() {
		defer p.background.Done()
		p.runBuild(b, u, want)
	}()
	return p.describeBuild(b), nil
}

// runBuild downloads, checks and deploys b's source, and records how it
// ended. It is not tied to the request that started it; a destroy of the
// app or paasd's shutdown ends it.
func (p *Platform) runBuild(b *buildRun, u *url.URL, want []byte) {
	ctx := p.work.context(b.appID)
	ctx, stop := withApp(p.ctx, ctx)
	defer stop()
	fmt.Fprintf(&b.out, "-----> Fetching the source blob from %s\n", redactURL(u))
	err := p.fetchAndDeploy(ctx, b, u, want)
	b.mu.Lock()
	b.updated = time.Now().UTC()
	if err != nil {
		b.status = api.BuildFailed
	} else {
		b.status = api.BuildSucceeded
	}
	b.mu.Unlock()
	if err != nil {
		fmt.Fprintf(&b.out, " !     Build failed: %v\n", err)
		p.log.Warn("build from source failed", "app", b.app, "build", b.id, "err", err)
	} else {
		fmt.Fprintf(&b.out, "-----> Build %s succeeded\n", b.id)
	}
	p.recordBuild(b)
	b.out.finish()
}

// recordBuild writes how b ended into the ledger, under the app's name now
// (it may have been renamed meanwhile); an app destroyed took it along.
func (p *Platform) recordBuild(b *buildRun) {
	b.mu.Lock()
	status, commit, release, buildID := b.status, b.commit, b.release, b.buildID
	b.mu.Unlock()
	a, err := p.store.AppByID(b.appID)
	if errors.Is(err, releases.ErrNotFound) {
		return
	}
	if err == nil {
		err = p.store.UpdateSourceBuild(a.Name, b.id, func(sb *releases.SourceBuild) {
			sb.Status, sb.Commit, sb.Release, sb.BuildID = status, commit, release, buildID
		})
	}
	if err != nil {
		p.log.Error("record how a build from source ended: it shows as failed after a restart", "build", b.id, "err", err)
	}
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

func (p *Platform) fetchAndDeploy(ctx context.Context, b *buildRun, u *url.URL, want []byte) error {
	f, err := p.fetchSource(ctx, u, want)
	if err != nil {
		return err
	}
	defer os.Remove(f.Name())
	defer f.Close()
	version := ""
	if b.source.Version != nil {
		version = *b.source.Version
	}
	commit, err := p.sources.DeploySource(ctx, b.app, b.appID, f, version, &b.out)
	if err != nil {
		return err
	}
	a, err := p.store.App(b.app)
	if err != nil {
		return err
	}
	rel, err := p.store.Release(b.app, a.CurrentVersion)
	if err != nil {
		return err
	}
	b.mu.Lock()
	b.commit, b.release, b.buildID = commit, rel.Version, rel.BuildID
	b.mu.Unlock()
	return nil
}

// fetchSource downloads u into an unlinked-on-return temporary file,
// bounded by the build context's size, and checks its checksum.
func (p *Platform) fetchSource(ctx context.Context, u *url.URL, want []byte) (*os.File, error) {
	ctx, cancel := context.WithTimeout(ctx, sourceFetchTimeout)
	defer cancel()
	d := &net.Dialer{Timeout: 30 * time.Second}
	if !p.opts.AllowPrivateSources {
		d.Control = connguard.RefusePrivate("source blobs", SourceAllowPrivateEnv)
	}
	client := &http.Client{Transport: &http.Transport{DialContext: d.DialContext, Proxy: nil, TLSHandshakeTimeout: 30 * time.Second}}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return nil, fmt.Errorf("fetch the source blob: %w", err)
	}
	resp, err := client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("fetch the source blob from %s: %w", redactURL(u), redactErr(err, u))
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("fetch the source blob from %s: the server answered %s: check the URL (a signed URL may have expired)", redactURL(u), resp.Status)
	}
	f, err := os.CreateTemp("", "paas-source-*.tar.gz")
	if err != nil {
		return nil, fmt.Errorf("fetch the source blob: %w", err)
	}
	limit := p.opts.MaxSourceBytes
	if limit <= 0 {
		limit = 2 << 30
	}
	h := sha256.New()
	n, err := io.Copy(io.MultiWriter(f, h), io.LimitReader(resp.Body, limit+1))
	if err == nil && n > limit {
		err = fmt.Errorf("the source blob is larger than %d bytes (PAAS_BUILD_CONTEXT_MAX): make it smaller, or raise the limit", limit)
	}
	if err == nil && want != nil && !slices.Equal(h.Sum(nil), want) {
		err = fmt.Errorf("the source blob's SHA256 is %x, not the checksum given: the download was damaged, or the checksum is for another file", h.Sum(nil))
	}
	if err == nil {
		_, err = f.Seek(0, io.SeekStart)
	}
	if err != nil {
		f.Close()
		os.Remove(f.Name())
		return nil, fmt.Errorf("fetch the source blob: %w", err)
	}
	return f, nil
}

// SourceAllowPrivateEnv lets builds fetch source blobs from paasd's own
// machine and link-local addresses, as PAAS_DRAIN_ALLOW_PRIVATE does for
// drains.
const SourceAllowPrivateEnv = "PAAS_SOURCE_ALLOW_PRIVATE"

// checkSourceURL accepts http and https URLs whose host may be fetched.
func (p *Platform) checkSourceURL(raw string) (*url.URL, error) {
	if raw == "" {
		return nil, fmt.Errorf(`%w: source_blob.url is missing: give the URL of a gzip-compressed tar archive (.tar.gz) of the source`, releases.ErrInvalid)
	}
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("%w: source_blob.url must be an http:// or https:// URL of a .tar.gz archive", releases.ErrInvalid)
	}
	host := u.Hostname()
	if connguard.NumericHost(host) {
		return nil, fmt.Errorf("%w: source_blob.url has host %s, which is not a name and not an IP address in the usual form", releases.ErrInvalid, host)
	}
	if !p.opts.AllowPrivateSources {
		if why := connguard.RefusedHost(host); why != "" {
			return nil, fmt.Errorf("%w: source_blob.url is refused: %s, and builds may not fetch from paasd's own machine or link-local addresses unless paasd runs with %s=1", releases.ErrInvalid, why, SourceAllowPrivateEnv)
		}
	}
	return u, nil
}

// parseChecksum reads Heroku's "SHA256:<hex>"; nil when none is given.
func parseChecksum(c *string) ([]byte, error) {
	if c == nil || *c == "" {
		return nil, nil
	}
	algo, sum, ok := strings.Cut(*c, ":")
	b, err := hex.DecodeString(sum)
	if !ok || !strings.EqualFold(algo, "sha256") || err != nil || len(b) != sha256.Size {
		return nil, fmt.Errorf(`%w: source_blob.checksum %q: give it as "SHA256:" and 64 hex digits`, releases.ErrInvalid, *c)
	}
	return b, nil
}

// redactURL shows a URL without its user, password and query values, which
// a signed URL's credentials are in.
func redactURL(u *url.URL) string {
	c := *u
	c.User = nil
	if c.RawQuery != "" {
		c.RawQuery = "xxxxx"
	}
	return c.String()
}

// redactErr keeps a URL's query out of an error's message.
func redactErr(err error, u *url.URL) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return &url.Error{Op: ue.Op, URL: redactURL(u), Err: ue.Err}
	}
	return err
}

// Builds lists the app's builds, oldest first: those of source blobs, as
// the ledger records them from their start, and the ledger's builds from
// pushes (every build that went live; a failed push's build is not kept).
func (p *Platform) Builds(_ context.Context, app string) ([]api.Build, error) {
	a, err := p.findApp(app)
	if err != nil {
		return nil, err
	}
	sources, err := p.store.SourceBuilds(a.Name)
	if err != nil {
		return nil, err
	}
	ledger, err := p.store.Builds(a.Name)
	if err != nil {
		return nil, err
	}
	p.builds.mu.Lock()
	runs := map[string]*buildRun{}
	for _, b := range p.builds.runs[a.ID] {
		runs[b.id] = b
	}
	p.builds.mu.Unlock()
	covered := map[int]bool{}
	out := make([]api.Build, 0, len(sources)+len(ledger))
	for _, sb := range sources {
		if b, ok := runs[sb.ID]; ok && !b.expired() {
			out = append(out, p.describeBuild(b)) // as it is now, with its output URL
		} else {
			out = append(out, p.describeSourceBuild(a.ID, sb))
		}
		covered[sb.BuildID] = sb.BuildID > 0
	}
	for _, lb := range ledger {
		if covered[lb.ID] {
			continue
		}
		id := releases.ChildID(a.ID, releases.KindBuild, strconv.Itoa(lb.ID))
		out = append(out, api.Build{
			ID: id, App: api.IDRef{ID: a.ID}, Status: api.BuildSucceeded, Slug: &api.IDRef{ID: id},
			Stack: api.ContainerStack.Name, Buildpacks: []struct{}{},
			User:      api.AccountRef{ID: p.opts.Account.ID, Email: p.opts.Account.Email},
			CreatedAt: lb.CreatedAt, UpdatedAt: lb.CreatedAt, Commit: lb.Commit,
		})
	}
	slices.SortStableFunc(out, func(x, y api.Build) int { return x.CreatedAt.Compare(y.CreatedAt) })
	return out, nil
}

func (p *Platform) describeBuild(b *buildRun) api.Build {
	b.mu.Lock()
	defer b.mu.Unlock()
	out := p.describeSourceBuild(b.appID, releases.SourceBuild{
		ID: b.id, Status: b.status, Commit: b.commit, BuildID: b.buildID, Release: b.release,
		CreatedAt: b.created, UpdatedAt: b.updated,
	})
	out.SourceBlob = b.source
	out.OutputStreamURL = api.BuildOutputPath + b.secret
	return out
}

// describeSourceBuild is sb as the API shows it; its output is no longer
// kept.
func (p *Platform) describeSourceBuild(appID string, sb releases.SourceBuild) api.Build {
	out := api.Build{
		ID: sb.ID, App: api.IDRef{ID: appID}, Status: sb.Status,
		SourceBlob: api.SourceBlob{URL: sb.URL, Checksum: optional(sb.Checksum), Version: optional(sb.Version), VersionDescription: optional(sb.VersionDescription)},
		Stack:      api.ContainerStack.Name, Buildpacks: []struct{}{},
		User:      api.AccountRef{ID: p.opts.Account.ID, Email: p.opts.Account.Email},
		CreatedAt: sb.CreatedAt, UpdatedAt: sb.UpdatedAt, Commit: sb.Commit,
	}
	if sb.Release > 0 {
		out.Release = &api.IDRef{ID: releases.ChildID(appID, releases.KindRelease, strconv.Itoa(sb.Release))}
		out.Slug = &api.IDRef{ID: releases.ChildID(appID, releases.KindBuild, strconv.Itoa(sb.BuildID))}
	}
	return out
}

func optional(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

// BuildOutput streams the output of the build whose output URL ends in
// secret to w, until the build ends or ctx does; false if there is no such
// build (or its output expired).
func (p *Platform) BuildOutput(ctx context.Context, secret string, w io.Writer, flush func()) bool {
	p.builds.mu.Lock()
	var found *buildRun
	for _, runs := range p.builds.runs {
		for _, b := range runs {
			if b.secret == secret {
				found = b
			}
		}
	}
	p.builds.mu.Unlock()
	if found == nil {
		return false
	}
	if found.expired() {
		return false
	}
	found.out.stream(ctx, w, flush)
	return true
}

// outputLog is a build's output, written by the build and read, from the
// start, by any number of streams.
type outputLog struct {
	mu      sync.Mutex
	buf     []byte
	done    bool
	dropped bool
	changed chan struct{} // closed, and replaced, at every write and at the end
}

func (o *outputLog) init() { o.changed = make(chan struct{}) }

func (o *outputLog) Write(p []byte) (int, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if len(o.buf)+len(p) > maxBuildOutput {
		if !o.dropped {
			o.buf = append(o.buf, "\n !     (output cut: it passed 4 MiB)\n"...)
			o.dropped = true
		}
	} else {
		o.buf = append(o.buf, p...)
	}
	close(o.changed)
	o.changed = make(chan struct{})
	return len(p), nil
}

func (o *outputLog) finish() {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.done = true
	close(o.changed)
	o.changed = make(chan struct{})
}

// stream writes the output from its start to w, then what comes, until
// the build ends or ctx does.
func (o *outputLog) stream(ctx context.Context, w io.Writer, flush func()) {
	off := 0
	for {
		o.mu.Lock()
		data, done, changed := o.buf[off:], o.done, o.changed
		o.mu.Unlock()
		if len(data) > 0 {
			if _, err := w.Write(data); err != nil {
				return
			}
			off += len(data)
			flush()
		}
		if done {
			return
		}
		select {
		case <-changed:
		case <-ctx.Done():
			return
		}
	}
}
