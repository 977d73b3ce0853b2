package e2e

import (
	"context"
	"encoding/json"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/client"

	"github.com/paas-dev/paas/api"
	"github.com/paas-dev/paas/internal/dockertest"
)

// Builds are queued, capped and kept, with real Docker and the real git
// client, on a paasd that runs one build at a time with 64 MiB per step:
// two pushes at once both go live, the second after waiting for the
// first; a build over its memory cap fails naming the limit while another
// app keeps serving; a build cancelled stops and leaves no container; every
// build is listed with its outcome and its output outlives a restart; a
// build past its time limit fails naming it; an image the engine has is
// released without a build.
func TestBuildsAreQueuedCappedAndKept(t *testing.T) {
	cli := dockertest.Client(t)
	base := dockertest.BusyboxImage(t, cli)
	dataDir := t.TempDir()
	env := []string{"PAAS_BUILD_CONCURRENCY=1", "PAAS_BUILD_MEMORY=64m"}
	d := startDaemon(t, daemonOptions{dataDir: dataDir, env: env})

	serving := d.createApp(cli)
	repo := newAppRepo(t, d, base)
	repo.write("index.html", "serving\n")
	repo.commit("v1")
	d.mustPaasctl(repo.dir, "git:remote", "-a", serving)
	if out, err := repo.push(); err != nil {
		t.Fatalf("push: %v\n%s", err, out)
	}
	assertServes(t, d, serving, "serving\n")

	// Two pushes at once: the second starts once the first builds, and
	// waits for its slot.
	first, second := d.createApp(cli), d.createApp(cli)
	slow := newAppRepo(t, d, base)
	slow.write("Dockerfile", "FROM "+base+"\nRUN sleep 5\nCOPY index.html /www/index.html\nCMD [\"/bin/sh\", \"-c\", \"exec httpd -f -p $PORT -h /www\"]\n")
	slow.write("index.html", "first\n")
	slow.commit("slow")
	d.mustPaasctl(slow.dir, "git:remote", "-a", first)
	other := newAppRepo(t, d, base)
	other.write("index.html", "second\n")
	other.commit("other")
	d.mustPaasctl(other.dir, "git:remote", "-a", second)
	var wg sync.WaitGroup
	var firstOut string
	var firstErr error
	wg.Add(1)
	go func() {
		defer wg.Done()
		firstOut, firstErr = slow.push()
	}()
	waitFor(t, 2*time.Minute, first+"'s build to start", func() bool { return latestBuild(t, d, first).Status == api.BuildBuilding })
	secondOut, secondErr := other.push()
	wg.Wait()
	if firstErr != nil || secondErr != nil {
		t.Fatalf("pushes at once: %v, %v\n%s\n%s", firstErr, secondErr, firstOut, secondOut)
	}
	if !strings.Contains(secondOut, "Waiting for a build slot") || !strings.Contains(secondOut, first) {
		t.Errorf("the second push did not say it waited for %s:\n%s", first, secondOut)
	}
	assertServes(t, d, first, "first\n")
	assertServes(t, d, second, "second\n")

	// Over the memory cap: the step is killed, the push fails naming the
	// limit, and the other app keeps serving.
	hog := d.createApp(cli)
	greedy := newAppRepo(t, d, base)
	greedy.write("Dockerfile", "FROM "+base+"\nRUN echo "+hog+" > /warm\nRUN x=$(head -c 300000000 /dev/zero | tr '\\000' a); echo ${#x}\n")
	greedy.commit("greedy")
	d.mustPaasctl(greedy.dir, "git:remote", "-a", hog)
	out, err := greedy.push()
	if err == nil || !strings.Contains(out, "PAAS_BUILD_MEMORY") || !strings.Contains(out, "64m") {
		t.Fatalf("push over the memory cap: %v\n%s", err, out)
	}
	assertServes(t, d, serving, "serving\n")
	// The first RUN's image, which nothing else uses, went with the build.
	if m := regexp.MustCompile(`(?m)^remote:\s+--->\s+([0-9a-f]{12})\s*$`).FindAllStringSubmatch(out, -1); len(m) < 2 {
		t.Errorf("no step images in the output:\n%s", out)
	} else if _, err := cli.ImageInspect(context.Background(), m[len(m)-1][1]); err == nil {
		t.Errorf("the failed build left its step image %s", m[len(m)-1][1])
	}
	if b := latestBuild(t, d, hog); b.Status != api.BuildFailed || !strings.Contains(b.Error, "PAAS_BUILD_MEMORY") {
		t.Errorf("build over the memory cap = %+v", b)
	}

	// Cancelled while building: the push is rejected and the step's
	// container goes.
	stuck := d.createApp(cli)
	sleepy := newAppRepo(t, d, base)
	sleepy.write("Dockerfile", "FROM "+base+"\nRUN sleep 600\n")
	sleepy.commit("sleepy")
	d.mustPaasctl(sleepy.dir, "git:remote", "-a", stuck)
	pushed := make(chan string, 1)
	go func() {
		out, _ := sleepy.push()
		pushed <- out
	}()
	waitFor(t, 2*time.Minute, stuck+"'s build to run its step", func() bool { return len(sleepers(t, cli)) > 0 })
	if out := d.mustPaasctl("", "builds:cancel", "-a", stuck); !strings.Contains(out, "Cancelling build") {
		t.Errorf("builds:cancel: %s", out)
	}
	select {
	case out := <-pushed:
		if !strings.Contains(out, "cancelled") || !strings.Contains(out, "rejected") {
			t.Errorf("cancelled push:\n%s", out)
		}
	case <-time.After(time.Minute):
		t.Fatal("the push did not end within a minute of builds:cancel")
	}
	waitFor(t, time.Minute, "the cancelled step's container to go", func() bool { return len(sleepers(t, cli)) == 0 })
	if b := latestBuild(t, d, stuck); b.Status != api.BuildCancelled {
		t.Errorf("cancelled build = %+v", b)
	}

	// An image the engine has, released without a build: first's.
	imported := d.createApp(cli)
	img := firstImage(t, cli, first)
	if out := d.mustPaasctl("", "deploy", "--image", img, "-a", imported); !strings.Contains(out, "is live") {
		t.Errorf("deploy --image:\n%s", out)
	}
	assertServes(t, d, imported, "first\n")

	// After a restart: every build listed, with its output. The new
	// paasd has a time limit a build of "sleep 600" runs past.
	d.stop()
	d = startDaemon(t, daemonOptions{dataDir: dataDir, env: append(env, "PAAS_BUILD_TIMEOUT=3s"), token: d.token})
	d.mustPaasctl(sleepy.dir, "git:remote", "-a", stuck) // the new paasd listens elsewhere
	out, err = sleepy.push()
	if err == nil || !strings.Contains(out, "PAAS_BUILD_TIMEOUT") || !strings.Contains(out, "3s") {
		t.Errorf("push past the time limit: %v\n%s", err, out)
	}
	waitFor(t, time.Minute, "the timed-out step's container to go", func() bool { return len(sleepers(t, cli)) == 0 })
	if b := latestBuild(t, d, hog); b.Status != api.BuildFailed || b.Builder != "dockerfile" || b.Source != "git push" || b.StartedAt == nil {
		t.Errorf("build after a restart = %+v", b)
	}
	if out := d.mustPaasctl("", "builds:output", "-a", hog); !strings.Contains(out, "Dockerfile app detected") || !strings.Contains(out, "PAAS_BUILD_MEMORY") {
		t.Errorf("builds:output after a restart:\n%s", out)
	}
	list := d.mustPaasctl("", "builds", "-a", second)
	if !strings.Contains(list, "succeeded") || !strings.Contains(list, "git push") {
		t.Errorf("builds:\n%s", list)
	}
	if info := d.mustPaasctl("", "builds:info", "-a", imported); !strings.Contains(info, "image "+img) && !strings.Contains(info, img) {
		t.Errorf("builds:info of an image deploy:\n%s", info)
	}
}

// latestBuild is the app's newest build, as paasctl builds --json lists it.
func latestBuild(t *testing.T, d *daemon, app string) api.Build {
	t.Helper()
	var bs []api.Build
	if err := json.Unmarshal([]byte(d.mustPaasctl("", "builds", "-a", app, "--json")), &bs); err != nil {
		t.Fatalf("builds --json: %v", err)
	}
	if len(bs) == 0 {
		return api.Build{}
	}
	return bs[0]
}

// sleepers are the containers running a build step of "sleep 600".
func sleepers(t *testing.T, cli *client.Client) []string {
	t.Helper()
	cs, err := cli.ContainerList(context.Background(), container.ListOptions{All: true})
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, c := range cs {
		if strings.Contains(c.Command, "sleep 600") {
			ids = append(ids, c.ID)
		}
	}
	return ids
}

// firstImage is a tag paasd gave an image of app.
func firstImage(t *testing.T, cli *client.Client, app string) string {
	t.Helper()
	for _, id := range appImages(t, cli, app) {
		img, err := cli.ImageInspect(context.Background(), id)
		if err == nil && len(img.RepoTags) > 0 {
			return img.RepoTags[0]
		}
	}
	t.Fatalf("no image of %s", app)
	return ""
}
