package e2e

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"

	"github.com/paas-dev/paas/internal/dockertest"
)

// jsErrors are the page's uncaught exceptions: each fails the test.
type jsErrors struct {
	mu   sync.Mutex
	seen []string
}

func (e *jsErrors) list() []string {
	e.mu.Lock()
	defer e.mu.Unlock()
	return slices.Clone(e.seen)
}

// browser starts headless Chromium (Debian's chromium package) for the
// test. It reaches nothing but loopback: every other name resolves to
// nothing, and Chromium's own background traffic is off.
func browser(t *testing.T) (context.Context, *jsErrors) {
	t.Helper()
	path, err := exec.LookPath("chromium")
	if err != nil {
		t.Fatal("chromium is missing: run make deps (it installs Debian's chromium package)")
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(path),
		chromedp.NoSandbox, // as root, Chromium's sandbox refuses to start
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1280, 900),
		chromedp.Flag("host-resolver-rules", "MAP * ~NOTFOUND, EXCLUDE localhost, EXCLUDE 127.0.0.1"),
		chromedp.Flag("no-proxy-server", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-domain-reliability", true),
	)
	alloc, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(alloc)
	t.Cleanup(func() {
		cancel()
		cancelAlloc()
	})
	errs := &jsErrors{}
	err = chromedp.Listen(ctx, func(ev any) { // starts the browser too
		if ex, ok := ev.(*runtime.EventExceptionThrown); ok && ex.ExceptionDetails != nil {
			d := ex.ExceptionDetails
			msg := d.Text
			if d.Exception != nil && d.Exception.Description != "" {
				msg = d.Exception.Description
			}
			errs.mu.Lock()
			errs.seen = append(errs.seen, fmt.Sprintf("%s:%d:%d: %s", d.URL, d.LineNumber+1, d.ColumnNumber+1, msg))
			errs.mu.Unlock()
		}
	})
	if err != nil {
		t.Fatalf("start chromium: %v", err)
	}
	return ctx, errs
}

// artifacts is where the test's screenshots go: PAAS_TEST_ARTIFACTS, or
// test-artifacts/ at the repository's root (ignored by git).
func artifacts(t *testing.T, name string) string {
	t.Helper()
	dir := os.Getenv("PAAS_TEST_ARTIFACTS")
	if dir == "" {
		dir = filepath.Join("..", "test-artifacts")
	}
	dir = filepath.Join(dir, name)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}

// page drives one browser tab, each step bounded by a deadline.
type page struct {
	t    *testing.T
	ctx  context.Context
	errs *jsErrors
	dir  string
	n    int
}

func (p *page) run(what string, actions ...chromedp.Action[chromedp.Void]) {
	p.t.Helper()
	ctx, cancel := context.WithTimeout(p.ctx, 60*time.Second)
	defer cancel()
	if err := chromedp.Do(ctx, actions...); err != nil {
		p.shot("failed-" + strings.ReplaceAll(what, " ", "-"))
		p.t.Fatalf("%s: %v; the page's uncaught errors: %q", what, err, p.errs.list())
	}
}

// until waits for a JavaScript condition to hold.
func (p *page) until(what, js string) {
	p.t.Helper()
	p.run(what, chromedp.Poll[chromedp.Void](js, chromedp.WithPollingTimeout(45*time.Second), chromedp.WithPollingInterval(100*time.Millisecond)))
}

// eval is the value of js, a promise awaited.
func eval[T any](p *page, what, js string) T {
	p.t.Helper()
	ctx, cancel := context.WithTimeout(p.ctx, 60*time.Second)
	defer cancel()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](js, chromedp.EvalAwaitPromise))
	if err != nil {
		p.shot("failed-" + strings.ReplaceAll(what, " ", "-"))
		p.t.Fatalf("%s: %v; the page's uncaught errors: %q", what, err, p.errs.list())
	}
	return v
}

// shot saves a screenshot of the whole page as the test's artifact.
func (p *page) shot(name string) {
	p.t.Helper()
	ctx, cancel := context.WithTimeout(p.ctx, 20*time.Second)
	defer cancel()
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		p.t.Logf("screenshot %s: %v", name, err)
		return
	}
	p.n++
	file := filepath.Join(p.dir, fmt.Sprintf("%02d-%s.png", p.n, name))
	if err := os.WriteFile(file, png, 0o644); err != nil {
		p.t.Errorf("save screenshot: %v", err)
	}
}

// TestDashboard drives the dashboard in headless Chromium through what a
// user does every day: a wrong token is refused; sign in; see the app a
// git push deployed; scale it to 2; set a config var and see the release;
// roll back; see a log line arrive live; a change without the CSRF token
// is refused; sign out. Each page's screenshot is saved.
func TestDashboard(t *testing.T) {
	cli := dockertest.Client(t)
	base := dockertest.BusyboxImage(t, cli)
	d := startDaemon(t, daemonOptions{})
	cleanupDocker(t, cli, d.daemonID())
	app := headersApp(t, d, base, "dashboard\n")
	ctx, errs := browser(t)
	p := &page{t: t, ctx: ctx, errs: errs, dir: artifacts(t, "dashboard")}
	t.Logf("screenshots in %s", p.dir)

	p.run("open the dashboard", chromedp.Navigate(d.apiURL+"/dashboard/"), chromedp.WaitVisible(chromedp.CSS("#token")))
	p.run("sign in with a wrong token",
		chromedp.SendKeys(chromedp.CSS("#token"), "not-the-token"),
		chromedp.Click(chromedp.CSS("#signin-submit")))
	p.until("the wrong token refused", `document.querySelector("#signin-error").textContent.includes("wrong API token")`)
	p.shot("signin-refused")

	p.run("sign in",
		chromedp.Evaluate[chromedp.Void](`document.querySelector("#token").value = ""`),
		chromedp.SendKeys(chromedp.CSS("#token"), d.token+"\n")) // Enter submits: the keyboard is enough
	p.until("the app listed", fmt.Sprintf(`!!document.querySelector('#apps tr[data-app=%q] a')`, app))
	p.until("its process up", fmt.Sprintf(`document.querySelector('#apps tr[data-app=%q]').textContent.includes("1 of 1 up")`, app))
	p.shot("apps")

	p.run("open the app", chromedp.Click(chromedp.CSS(fmt.Sprintf(`#apps tr[data-app=%q] a`, app))))
	p.until("its page", fmt.Sprintf(`document.querySelector("#app-name")?.textContent === %q`, app))
	p.until("web.1 up", `!!document.querySelector('#process-list tr[data-process="web.1"] td.state-up')`)
	version := eval[int](p, "the current release", `Number(document.querySelector('#release-list tbody tr').dataset.version)`)
	if version < 1 {
		t.Fatalf("current release v%d", version)
	}

	p.run("scale web to 2",
		chromedp.Evaluate[chromedp.Void](`document.querySelector("#scale-web").value = ""`),
		chromedp.SendKeys(chromedp.CSS("#scale-web"), "2"),
		chromedp.Click(chromedp.CSS(`form[data-type="web"] button[type=submit]`)))
	p.until("two web processes up", `document.querySelectorAll('#process-list tr[data-process^="web."] td.state-up').length === 2`)
	p.shot("scaled")
	if out := d.mustPaasctl("", "ps", "-a", app); !strings.Contains(out, "web.2: up") {
		t.Errorf("ps after scaling in the dashboard:\n%s", out)
	}
	assertUnpublished(t, cli, app)

	p.run("set a config var",
		chromedp.SendKeys(chromedp.CSS("#config-key"), "GREETING"),
		chromedp.SendKeys(chromedp.CSS("#config-value"), "hello from the browser"),
		chromedp.Click(chromedp.CSS(`#config-form button[type=submit]`)))
	p.until("the var listed, its value hidden", `document.querySelector('#config-list tr[data-key="GREETING"]')?.textContent.includes("••••")`)
	p.until("the new release", fmt.Sprintf(`document.querySelector('#release-list tr[data-version="%d"]')?.textContent.includes("Set GREETING config var")`, version+1))
	p.run("show the value", chromedp.Click(chromedp.CSS(`#config-list tr[data-key="GREETING"] button[aria-label="Show GREETING"]`)))
	p.until("the value shown", `document.querySelector('#config-list tr[data-key="GREETING"]').textContent.includes("hello from the browser")`)
	p.shot("config-set")

	p.run("ask to roll back", chromedp.Click(chromedp.CSS(fmt.Sprintf("#rollback-v%d", version))))
	p.until("the confirmation", `document.querySelector("#confirm").open`)
	p.shot("rollback-confirm")
	p.run("confirm", chromedp.Click(chromedp.CSS("#confirm-ok")))
	p.until("the rollback's release", fmt.Sprintf(`document.querySelector('#release-list tr[data-version="%d"]')?.textContent.includes("Rollback to v%d")`, version+2, version))
	p.until("the var gone with it", `!document.querySelector('#config-list tr[data-key="GREETING"]')`)
	p.run("see the diff", chromedp.Click(chromedp.CSS(fmt.Sprintf(`#release-list tr[data-version="%d"] button[aria-label^="Diff"]`, version+2))))
	p.until("the diff says what went", `document.querySelector("#release-diff").textContent.includes("config removed: GREETING")`)
	p.shot("rolled-back")

	marker := "/dashboard-marker-" + dockertest.RandomSuffix()
	p.until("the log stream open", `document.querySelector("#log-state").textContent.includes("streaming")`)
	if code, _, err := d.get(app, marker); err != nil || code != 404 {
		t.Fatalf("GET %s through the router: %d %v", marker, code, err)
	}
	p.until("the router's line arrives live", fmt.Sprintf(`document.querySelector("#log-lines").textContent.includes(%q)`, marker))
	// The charts count what went through the router: the marker's request
	// and five more, nothing else.
	for range 5 {
		if code, _, err := d.get(app, "/"); err != nil || code != 200 {
			t.Fatalf("GET / through the router: %d %v", code, err)
		}
	}
	p.until("the charts count them", `document.querySelector("#chart-requests .total")?.textContent === " · 6 in the hour"`)
	p.shot("charts")
	p.run("filter the logs to the router", chromedp.Focus(chromedp.CSS("#log-source")),
		chromedp.Evaluate[chromedp.Void](`(() => { const s = document.querySelector("#log-source"); s.value = "router"; s.dispatchEvent(new Event("change")); })()`))
	p.until("only the router's lines", `(() => { const t = document.querySelector("#log-lines").textContent.trim();
		return t !== "" && t.split("\n").every((l) => l.includes(" router: ") || l.includes("router[")); })()`)
	p.shot("logs")

	// The session's cookie alone does not make a change: a page of another
	// site could send it.
	status := eval[int](p, "a change without the CSRF token", fmt.Sprintf(`fetch("/apps/%s/config-vars", {method: "PATCH", headers: {"Content-Type": "application/json"}, body: '{"FORGED": "1"}'}).then((r) => r.status)`, app))
	if status != 403 {
		t.Errorf("a change without the CSRF token answered %d, want 403", status)
	}
	if out := d.mustPaasctl("", "config", "-a", app); strings.Contains(out, "FORGED") {
		t.Errorf("the forged change went through:\n%s", out)
	}

	// Readable on a phone: nothing wider than its screen.
	p.run("a phone's screen", chromedp.EmulateViewport(390, 844, chromedp.EmulateMobile))
	if eval[bool](p, "the page's width", `document.documentElement.scrollWidth > window.innerWidth + 1`) {
		t.Error("on a phone's screen the page is wider than the screen")
	}
	p.shot("phone")
	p.run("back to a desktop's screen", chromedp.EmulateViewport(1280, 900))

	// Every control is labelled; the page can be worked from the keyboard.
	unlabelled := eval[[]string](p, "labels", `[...document.querySelectorAll("input, select, button, a[href]")].filter((el) =>
		!(el.labels && el.labels.length) && !el.getAttribute("aria-label") && !el.textContent.trim()).map((el) => el.outerHTML.slice(0, 80))`)
	if len(unlabelled) > 0 {
		t.Errorf("controls without a label: %q", unlabelled)
	}

	p.run("sign out", chromedp.Click(chromedp.CSS("#signout")))
	p.until("the sign-in page", `!!document.querySelector("#signin") && document.querySelector("#signin-error").textContent.includes("Signed out")`)
	if status := eval[int](p, "the API after signing out", `fetch("/apps").then((r) => r.status)`); status != 401 {
		t.Errorf("the API after signing out answered %d, want 401", status)
	}
	p.shot("signed-out")
	if errs := errs.list(); len(errs) > 0 {
		t.Errorf("the page threw: %q", errs)
	}
}
