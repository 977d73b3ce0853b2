package platform

import (
	"context"
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
	"time"

	"github.com/paas-dev/paas/api"
	"github.com/paas-dev/paas/internal/connguard"
	"github.com/paas-dev/paas/internal/releases"
)

// Sources deploys a gzip-compressed tar archive as a git push of its tree
// would; the git server is one.
type Sources interface {
	// buildRun is the id of the build run it is part of.
	DeploySource(ctx context.Context, app, appID, buildRun string, tgz io.Reader, version string, out io.Writer) (commit string, err error)
}

// SetSources completes the wiring for builds from source blobs.
func (p *Platform) SetSources(s Sources) { p.sources = s }

// sourceFetchTimeout bounds the download of a source blob.
const sourceFetchTimeout = 10 * time.Minute

// CreateBuild starts building and releasing a source blob, or releasing an
// image the engine has (paas's own: src.Image), and answers at once with
// the pending build; its output streams at the build's output URL
// (BuildOutput). A source blob is downloaded first, in full, so that its
// checksum is known before anything is built.
func (p *Platform) CreateBuild(ctx context.Context, app string, src api.BuildRequest) (api.Build, error) {
	a, err := p.findApp(app)
	if err != nil {
		return api.Build{}, err
	}
	if src.Image != "" {
		return p.createImageDeploy(ctx, a, src.Image)
	}
	if p.sources == nil {
		return api.Build{}, errors.New("create build: builds from source blobs are not wired in this paasd")
	}
	blob := src.SourceBlob
	u, err := p.checkSourceURL(blob.URL)
	if err != nil {
		return api.Build{}, err
	}
	want, err := parseChecksum(blob.Checksum)
	if err != nil {
		return api.Build{}, err
	}
	b, rec, err := p.startRun(a, releases.BuildRun{
		Source: releases.BuildSourceBlob, URL: blob.URL,
		Checksum: deref(blob.Checksum), Version: deref(blob.Version), VersionDescription: deref(blob.VersionDescription),
	})
	if err != nil {
		return api.Build{}, err
	}
	p.background.Add(1)
	go func() {
		defer p.background.Done()
		p.runBuild(a.Name, b, u, want, deref(blob.Version))
	}()
	return p.describeRun(a.ID, rec, b), nil
}

// runBuild downloads, checks and deploys b's source, and records how it
// ended. It is not tied to the request that started it; a destroy of the
// app, builds:cancel or paasd's shutdown ends it.
func (p *Platform) runBuild(app string, b *buildRun, u *url.URL, want []byte, version string) {
	ctx, stop := withApp(p.ctx, p.work.context(b.appID))
	defer stop()
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	b.setCancel(cancel)
	fmt.Fprintf(b.log, "-----> Fetching the source blob from %s\n", redactURL(u))
	var rel releases.Release
	err := p.withSource(ctx, u, want, func(f io.Reader) error {
		if _, err := p.sources.DeploySource(ctx, app, b.appID, b.id, f, version, b.log); err != nil {
			return err
		}
		var err error
		rel, err = p.currentRelease(b.appID)
		return err
	})
	if err != nil {
		p.log.Warn("build from source failed", "app", app, "build", b.id, "err", err)
	}
	p.finishRun(ctx, b, err, rel)
}

// currentRelease is the live release of the app with id appID.
func (p *Platform) currentRelease(appID string) (releases.Release, error) {
	a, err := p.store.AppByID(appID)
	if err != nil {
		return releases.Release{}, err
	}
	return p.store.Release(a.Name, a.CurrentVersion)
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

// withSource downloads and checks the source blob at u and hands it to
// use.
func (p *Platform) withSource(ctx context.Context, u *url.URL, want []byte, use func(io.Reader) error) error {
	f, err := p.fetchSource(ctx, u, want)
	if err != nil {
		return err
	}
	defer os.Remove(f.Name())
	defer f.Close()
	return use(f)
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

// Builds lists the app's builds, oldest first: every build run the ledger
// records from its start, and the ledger's builds from pushes of a paasd
// of schema 3 or older (every build that went live; a failed push's was
// not kept).
func (p *Platform) Builds(_ context.Context, app string) ([]api.Build, error) {
	a, err := p.findApp(app)
	if err != nil {
		return nil, err
	}
	runs, err := p.store.BuildRuns(a.Name)
	if err != nil {
		return nil, err
	}
	ledger, err := p.store.Builds(a.Name)
	if err != nil {
		return nil, err
	}
	covered := map[int]bool{}
	out := make([]api.Build, 0, len(runs)+len(ledger))
	for _, r := range runs {
		out = append(out, p.describeRun(a.ID, r, p.builds.find(a.ID, r.ID)))
		covered[r.BuildID] = r.BuildID > 0
	}
	for _, lb := range ledger {
		if covered[lb.ID] {
			continue
		}
		id := releases.ChildID(a.ID, releases.KindBuild, strconv.Itoa(lb.ID))
		out = append(out, api.Build{
			ID: id, App: api.IDRef{ID: a.ID}, Status: api.BuildSucceeded, Slug: &api.IDRef{ID: id},
			Stack: api.ContainerStack.Name, Buildpacks: []struct{}{}, Source: releases.BuildSourcePush,
			User:      api.AccountRef{ID: p.opts.Account.ID, Email: p.opts.Account.Email},
			CreatedAt: lb.CreatedAt, UpdatedAt: lb.CreatedAt, Commit: lb.Commit,
		})
	}
	slices.SortStableFunc(out, func(x, y api.Build) int { return x.CreatedAt.Compare(y.CreatedAt) })
	return out, nil
}

// describeRun is r as the API shows it; b, when this paasd still holds
// the run, gives its output URL.
func (p *Platform) describeRun(appID string, r releases.BuildRun, b *buildRun) api.Build {
	out := api.Build{
		ID: r.ID, App: api.IDRef{ID: appID}, Status: r.Status, Source: r.Source, Builder: r.Builder, Image: r.Image, Error: r.Error,
		Stack: api.ContainerStack.Name, Buildpacks: []struct{}{},
		User:      api.AccountRef{ID: p.opts.Account.ID, Email: p.opts.Account.Email},
		CreatedAt: r.CreatedAt, UpdatedAt: r.UpdatedAt, Commit: r.Commit,
	}
	if r.Source == releases.BuildSourceBlob {
		out.SourceBlob = api.SourceBlob{URL: r.URL, Checksum: optional(r.Checksum), Version: optional(r.Version), VersionDescription: optional(r.VersionDescription)}
	}
	if !r.StartedAt.IsZero() {
		t := r.StartedAt
		out.StartedAt = &t
	}
	if r.Release > 0 {
		out.Release = &api.IDRef{ID: releases.ChildID(appID, releases.KindRelease, strconv.Itoa(r.Release))}
		out.Slug = &api.IDRef{ID: releases.ChildID(appID, releases.KindBuild, strconv.Itoa(r.BuildID))}
	}
	if b != nil {
		out.OutputStreamURL = api.BuildOutputPath + b.secret
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
// build (or its output URL expired).
func (p *Platform) BuildOutput(ctx context.Context, secret string, w io.Writer, flush func()) bool {
	b := p.builds.bySecret(secret)
	if b == nil {
		return false
	}
	if err := b.log.stream(ctx, w, flush); err != nil {
		p.log.Warn("stream build output", "build", b.id, "err", err)
	}
	return true
}

// CancelBuild ends the app's pending or building build ident (its id or
// its start; "" for the newest unfinished one). A build past building,
// releasing already, is not cancelled.
func (p *Platform) CancelBuild(_ context.Context, app, ident string) (api.Build, error) {
	a, err := p.findApp(app)
	if err != nil {
		return api.Build{}, err
	}
	var rec releases.BuildRun
	if ident == "" {
		runs, err := p.store.BuildRuns(a.Name)
		if err != nil {
			return api.Build{}, err
		}
		for _, r := range runs {
			if !r.Finished() {
				rec = r
			}
		}
		if rec.ID == "" {
			return api.Build{}, fmt.Errorf("%w: %s has no build pending or building", releases.ErrInvalid, a.Name)
		}
	} else if rec, err = p.findRun(a, ident); err != nil {
		return api.Build{}, err
	}
	if rec.Finished() {
		return api.Build{}, fmt.Errorf("%w: build %s has %s already: only a pending or building build can be cancelled", releases.ErrInvalid, rec.ID, rec.Status)
	}
	b := p.builds.find(a.ID, rec.ID)
	if b == nil || !b.cancelBuild() {
		return api.Build{}, fmt.Errorf("%w: build %s is releasing already: it can no longer be cancelled; roll back after, if need be", releases.ErrInvalid, rec.ID)
	}
	return p.describeRun(a.ID, rec, b), nil
}
