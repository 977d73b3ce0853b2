// Package dockertest gives tests a real Docker Engine and a locally made base
// image, since no registry can be reached: nothing here pulls.
package dockertest

import (
	"archive/tar"
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"os/exec"
	"testing"
	"time"

	"github.com/docker/docker/api/types/image"
	"github.com/docker/docker/client"
)

// RequireEnv is the variable that makes a missing Docker Engine a test failure
// instead of a skip; `make test` sets it so a green run means the real path ran.
const RequireEnv = "PAAS_REQUIRE_DOCKER"

// Client returns a Docker client for a reachable engine. Without one the test
// is skipped, or failed when RequireEnv is set.
func Client(t testing.TB) *client.Client {
	t.Helper()
	if testing.Short() && os.Getenv(RequireEnv) == "" {
		t.Skip("needs Docker; skipped with -short")
	}
	cli, err := client.NewClientWithOpts(client.FromEnv, client.WithAPIVersionNegotiation())
	if err == nil {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_, err = cli.Ping(ctx)
	}
	if err != nil {
		if os.Getenv(RequireEnv) != "" {
			t.Fatalf("docker engine required (%s is set) but not reachable: %v", RequireEnv, err)
		}
		t.Skipf("docker engine not reachable: %v (set %s=1 to fail instead)", err, RequireEnv)
	}
	t.Cleanup(func() { _ = cli.Close() })
	return cli
}

// busyboxApplets are linked into the test image; enough for shells, web
// processes (httpd) and the odd admin command.
var busyboxApplets = []string{
	"sh", "httpd", "echo", "cat", "env", "sleep", "ls", "printf", "nc", "wget",
	"true", "false", "kill", "mkdir", "test", "[", "sed", "grep", "date", "seq",
	"head", "tail", "id", "rm", "cp", "mv", "touch", "wc", "tr", "yes", "trap",
}

// BusyboxRootfs returns a tar of a minimal root filesystem built from the
// host's static busybox (Debian: busybox-static).
func BusyboxRootfs() ([]byte, error) {
	path, err := exec.LookPath("busybox")
	if err != nil {
		return nil, fmt.Errorf("find busybox: %w (install it: apt-get install -y busybox-static)", err)
	}
	bin, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read busybox: %w", err)
	}
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	now := time.Now()
	dirs := []string{"bin/", "tmp/", "www/", "etc/", "app/"}
	for _, d := range dirs {
		mode := int64(0o755)
		if d == "tmp/" {
			mode = 0o1777
		}
		if err := tw.WriteHeader(&tar.Header{Typeflag: tar.TypeDir, Name: d, Mode: mode, ModTime: now}); err != nil {
			return nil, err
		}
	}
	if err := tw.WriteHeader(&tar.Header{Typeflag: tar.TypeReg, Name: "bin/busybox", Mode: 0o755, Size: int64(len(bin)), ModTime: now}); err != nil {
		return nil, err
	}
	if _, err := tw.Write(bin); err != nil {
		return nil, err
	}
	for _, a := range busyboxApplets {
		if err := tw.WriteHeader(&tar.Header{Typeflag: tar.TypeSymlink, Name: "bin/" + a, Linkname: "busybox", Mode: 0o777, ModTime: now}); err != nil {
			return nil, err
		}
	}
	for name, body := range map[string]string{
		"etc/passwd": "root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/false\n",
		"etc/group":  "root:x:0:\nnogroup:x:65534:\n",
	} {
		if err := tw.WriteHeader(&tar.Header{Typeflag: tar.TypeReg, Name: name, Mode: 0o644, Size: int64(len(body)), ModTime: now}); err != nil {
			return nil, err
		}
		if _, err := io.WriteString(tw, body); err != nil {
			return nil, err
		}
	}
	if err := tw.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// BusyboxImage imports a busybox image under a unique name and removes it when
// the test ends. Use it as the FROM of test Dockerfiles.
func BusyboxImage(t testing.TB, cli *client.Client) string {
	t.Helper()
	rootfs, err := BusyboxRootfs()
	if err != nil {
		t.Fatal(err)
	}
	ref := "paas-test-busybox:" + RandomSuffix()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	rc, err := cli.ImageImport(ctx, image.ImportSource{Source: bytes.NewReader(rootfs), SourceName: "-"}, ref,
		image.ImportOptions{Changes: []string{`ENV PATH=/bin`}})
	if err != nil {
		t.Fatalf("import busybox image: %v", err)
	}
	_, _ = io.Copy(io.Discard, rc)
	_ = rc.Close()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		removeDescendants(ctx, cli, ref)
		_, _ = cli.ImageRemove(ctx, ref, image.RemoveOptions{Force: true, PruneChildren: true})
	})
	return ref
}

// removeDescendants removes the images built on ref, tagged or not: a build
// cut short (a killed paasd, a failed step) leaves untagged ones that no tag
// clean-up finds.
func removeDescendants(ctx context.Context, cli *client.Client, ref string) {
	base, err := cli.ImageInspect(ctx, ref)
	if err != nil {
		return
	}
	all, err := cli.ImageList(ctx, image.ListOptions{All: true})
	if err != nil {
		return
	}
	children := map[string][]string{}
	for _, img := range all {
		children[img.ParentID] = append(children[img.ParentID], img.ID)
	}
	var order []string // parents before children
	for queue := children[base.ID]; len(queue) > 0; queue = queue[1:] {
		order = append(order, queue[0])
		queue = append(queue, children[queue[0]]...)
	}
	for i := len(order) - 1; i >= 0; i-- {
		_, _ = cli.ImageRemove(ctx, order[i], image.RemoveOptions{Force: true, PruneChildren: true})
	}
}

// RandomSuffix returns 8 hex characters, for names that must not collide with
// another test run on the same machine.
func RandomSuffix() string {
	b := make([]byte, 4)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
