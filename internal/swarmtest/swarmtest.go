// Package swarmtest runs a Docker Swarm of private Docker Engines on one
// machine, for tests of paas on Swarm (issue 18). Each node is a dockerd of
// its own, with its own data, socket and containerd, in a network namespace
// of its own with an address on a bridge the package makes; the machine
// reaches every node's address, as paasd's router must. The machine's own
// Docker Engine, its swarm state and its networks are never touched, and
// everything is removed when the test ends.
//
// It needs root, dockerd and ip (iproute2). Where they are missing, a test
// fails if PAAS_REQUIRE_DOCKER is set (make test), and is skipped otherwise.
package swarmtest

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/docker/docker/api/types/swarm"
	"github.com/docker/docker/client"
)

// Node is one engine of the swarm.
type Node struct {
	Name string // "node1"
	Addr string // its address, which the machine reaches: "10.213.7.2"
	// Host is its engine's socket, for DOCKER_HOST or client.WithHost:
	// "unix:///tmp/.../docker.sock".
	Host   string
	Client *client.Client
	netns  string
	dir    string
	daemon *exec.Cmd
	exited chan struct{}
}

// Cluster is a swarm whose first node is its manager.
type Cluster struct {
	Nodes  []*Node
	Subnet string // "10.213.7.0/24"
	bridge string // the switch's namespace
	uplink string // the machine's interface on the switch
}

// Manager is the node paasd is given (DOCKER_HOST).
func (c *Cluster) Manager() *Node { return c.Nodes[0] }

// Start makes a swarm of n nodes, and removes it when t ends.
func Start(t testing.TB, n int) *Cluster {
	t.Helper()
	if err := available(); err != nil {
		if os.Getenv("PAAS_REQUIRE_DOCKER") != "" {
			t.Fatalf("a swarm of private engines: %v", err)
		}
		t.Skipf("a swarm of private engines: %v (set PAAS_REQUIRE_DOCKER=1 to fail instead)", err)
	}
	id := randomID()
	third, err := freeSubnet()
	if err != nil {
		t.Fatal(err)
	}
	c := &Cluster{Subnet: fmt.Sprintf("10.213.%d.0/24", third), bridge: "pst" + id + "-sw", uplink: "pst" + id + "h0"}
	gateway := fmt.Sprintf("10.213.%d.1", third)
	base, err := os.MkdirTemp("", "paas-swarm-")
	if err != nil {
		t.Fatal(err)
	}
	// Cleanups run last first: the engines stop, then their files go.
	t.Cleanup(func() { removeDir(t, base) })
	t.Cleanup(func() { c.remove(t) })
	// The nodes' switch: a bridge in a namespace of its own, whose
	// firewall is empty (the machine's, which its engine keeps, drops
	// forwarded traffic), with the machine on it as the gateway.
	sw := []string{"ip", "netns", "exec", c.bridge}
	run(t, "ip", "netns", "add", c.bridge)
	run(t, append(sw, "ip", "link", "add", "br0", "type", "bridge")...)
	run(t, append(sw, "ip", "link", "set", "br0", "up")...)
	run(t, "ip", "link", "add", c.uplink, "type", "veth", "peer", "name", "pst"+id+"s0")
	run(t, "ip", "link", "set", "pst"+id+"s0", "netns", c.bridge)
	run(t, append(sw, "ip", "link", "set", "pst"+id+"s0", "master", "br0", "up")...)
	run(t, "ip", "addr", "add", gateway+"/24", "dev", c.uplink)
	run(t, "ip", "link", "set", c.uplink, "up")
	for i := range n {
		node := &Node{
			Name:  fmt.Sprintf("node%d", i+1),
			Addr:  fmt.Sprintf("10.213.%d.%d", third, i+2),
			netns: fmt.Sprintf("pst%s-%d", id, i+1),
			dir:   filepath.Join(base, fmt.Sprintf("node%d", i+1)),
		}
		c.Nodes = append(c.Nodes, node)
		host, peer := fmt.Sprintf("pst%s%dh", id, i+1), fmt.Sprintf("pst%s%dc", id, i+1)
		run(t, "ip", "netns", "add", node.netns)
		run(t, "ip", "link", "add", host, "type", "veth", "peer", "name", peer)
		run(t, "ip", "link", "set", peer, "netns", node.netns)
		run(t, "ip", "link", "set", host, "netns", c.bridge)
		run(t, append(sw, "ip", "link", "set", host, "master", "br0", "up")...)
		in := []string{"ip", "netns", "exec", node.netns}
		run(t, append(in, "ip", "link", "set", "lo", "up")...)
		run(t, append(in, "ip", "addr", "add", node.Addr+"/24", "dev", peer)...)
		run(t, append(in, "ip", "link", "set", peer, "up")...)
		run(t, append(in, "ip", "route", "add", "default", "via", gateway)...)
		if err := node.start(t); err != nil {
			t.Fatal(err)
		}
	}
	c.join(t)
	return c
}

// available says what this machine lacks for a swarm of private engines.
func available() error {
	if os.Geteuid() != 0 {
		return errors.New("needs root (network namespaces and dockerd)")
	}
	for _, bin := range []string{"dockerd", "containerd", "ip", "nsenter", "unshare"} {
		if _, err := exec.LookPath(bin); err != nil {
			return fmt.Errorf("needs %s: %w (make deps installs docker.io and iproute2)", bin, err)
		}
	}
	// dockerd would use a containerd at the system's address rather than
	// start its own, and share it with the machine's engine.
	if _, err := os.Stat("/run/containerd/containerd.sock"); err == nil {
		return errors.New("a system containerd listens on /run/containerd/containerd.sock, which private engines would share")
	}
	return nil
}

// start runs the node's dockerd in its namespace and waits for it to answer.
func (n *Node) start(t testing.TB) error {
	for _, d := range []string{"data", "exec"} {
		if err := os.MkdirAll(filepath.Join(n.dir, d), 0o700); err != nil {
			return err
		}
	}
	// A configuration of its own: the machine's (/etc/docker/daemon.json)
	// is its engine's.
	config := filepath.Join(n.dir, "daemon.json")
	if err := os.WriteFile(config, []byte("{}\n"), 0o600); err != nil {
		return err
	}
	sock := filepath.Join(n.dir, "docker.sock")
	n.Host = "unix://" + sock
	logf, err := os.Create(filepath.Join(n.dir, "dockerd.log"))
	if err != nil {
		return err
	}
	// A hostname of its own, as the swarm names nodes by it: a UTS
	// namespace kept in a file (unmounted at the end, with dockerd's).
	uts := filepath.Join(n.dir, "uts")
	if err := os.WriteFile(uts, nil, 0o600); err != nil {
		return err
	}
	if out, err := exec.Command("unshare", "--uts="+uts, "hostname", n.Name).CombinedOutput(); err != nil {
		return fmt.Errorf("name %s: %v: %s", n.Name, err, bytes.TrimSpace(out))
	}
	// nsenter enters the network namespace only, not a mount namespace: ip
	// netns exec would also mount a /sys of its own, without the cgroups
	// dockerd needs.
	n.daemon = exec.Command("nsenter", "--net=/run/netns/"+n.netns, "--uts="+uts, "dockerd",
		"--config-file", config,
		"--data-root", filepath.Join(n.dir, "data"),
		"--exec-root", filepath.Join(n.dir, "exec"),
		"--pidfile", filepath.Join(n.dir, "dockerd.pid"),
		"--host", n.Host,
	)
	n.daemon.Stdout, n.daemon.Stderr = logf, logf
	// A group of its own, which remove kills whole (dockerd's helpers
	// too), and gone with the test's process if that dies first.
	n.daemon.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	if err := n.daemon.Start(); err != nil {
		logf.Close()
		return fmt.Errorf("start dockerd for %s: %w", n.Name, err)
	}
	logf.Close()
	n.exited = make(chan struct{})
	go func() { n.daemon.Wait(); close(n.exited) }()
	n.Client, err = client.NewClientWithOpts(client.WithHost(n.Host), client.WithAPIVersionNegotiation())
	if err != nil {
		return err
	}
	deadline := time.Now().Add(60 * time.Second)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		_, err := n.Client.Ping(ctx)
		cancel()
		if err == nil {
			// Negotiated now, before tests use the client from several goroutines.
			n.Client.NegotiateAPIVersion(context.Background())
			return nil
		}
		select {
		case <-n.exited:
			return fmt.Errorf("dockerd of %s exited: %s", n.Name, n.log())
		case <-time.After(100 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("dockerd of %s did not answer in 60 s: %v: %s", n.Name, err, n.log())
		}
	}
}

// log is the end of the node's dockerd output.
func (n *Node) log() string {
	b, _ := os.ReadFile(filepath.Join(n.dir, "dockerd.log"))
	if len(b) > 4000 {
		b = b[len(b)-4000:]
	}
	return string(b)
}

// join makes the first node a manager and the others workers.
func (c *Cluster) join(t testing.TB) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	m := c.Manager()
	if _, err := m.Client.SwarmInit(ctx, swarm.InitRequest{
		ListenAddr:    m.Addr + ":2377",
		AdvertiseAddr: m.Addr + ":2377",
	}); err != nil {
		t.Fatalf("swarm init on %s: %v: %s", m.Name, err, m.log())
	}
	sw, err := m.Client.SwarmInspect(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range c.Nodes[1:] {
		if err := n.Client.SwarmJoin(ctx, swarm.JoinRequest{
			ListenAddr:    n.Addr + ":2377",
			AdvertiseAddr: n.Addr + ":2377",
			RemoteAddrs:   []string{m.Addr + ":2377"},
			JoinToken:     sw.JoinTokens.Worker,
		}); err != nil {
			t.Fatalf("swarm join of %s: %v: %s", n.Name, err, n.log())
		}
	}
}

// StopNode kills a node's engine, as a machine lost would be.
func (c *Cluster) StopNode(t testing.TB, n *Node) {
	t.Helper()
	if n.daemon.Process != nil {
		syscall.Kill(-n.daemon.Process.Pid, syscall.SIGKILL)
	}
	<-n.exited
}

// LoadImage copies the image ref from the engine from to every node, as
// paasd copies an app's image where there is no registry; a service then
// names it by ID, so that no node tries to pull it.
func (c *Cluster) LoadImage(t testing.TB, from *client.Client, ref string) {
	t.Helper()
	for _, n := range c.Nodes {
		n.LoadImage(t, from, ref)
	}
}

// LoadImage copies the image ref from the engine from to this node's.
func (n *Node) LoadImage(t testing.TB, from *client.Client, ref string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	rc, err := from.ImageSave(ctx, []string{ref})
	if err != nil {
		t.Fatalf("save %s: %v", ref, err)
	}
	defer rc.Close()
	resp, err := n.Client.ImageLoad(ctx, rc, client.ImageLoadWithQuiet(true))
	if err != nil {
		t.Fatalf("load %s on %s: %v", ref, n.Name, err)
	}
	resp.Body.Close()
}

// remove stops every engine and removes the namespaces and the bridge.
func (c *Cluster) remove(t testing.TB) {
	for _, n := range c.Nodes {
		if n.Client != nil {
			n.Client.Close()
		}
		if n.daemon != nil && n.daemon.Process != nil {
			syscall.Kill(-n.daemon.Process.Pid, syscall.SIGKILL)
			<-n.exited
		}
		// containerd and its shims, which dockerd started in the namespace.
		if out, err := exec.Command("ip", "netns", "pids", n.netns).Output(); err == nil {
			for _, p := range strings.Fields(string(out)) {
				exec.Command("kill", "-9", p).Run()
			}
		}
		exec.Command("ip", "netns", "del", n.netns).Run()
		// Mounts dockerd left under its directories (overlay, shm).
		unmountUnder(n.dir)
	}
	if c.uplink != "" {
		exec.Command("ip", "link", "del", c.uplink).Run()
	}
	if c.bridge != "" {
		exec.Command("ip", "netns", "del", c.bridge).Run()
	}
}

// removeDir removes dir once nothing is mounted below it: a helper of
// dockerd's may still be mounting a namespace as the engines die.
func removeDir(t testing.TB, dir string) {
	deadline := time.Now().Add(10 * time.Second)
	for {
		unmountUnder(dir)
		err := os.RemoveAll(dir)
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			t.Errorf("remove the swarm's files: %v", err)
			return
		}
		time.Sleep(50 * time.Millisecond) // polls until the mounts are gone, until the deadline
	}
}

// unmountUnder lazily unmounts every mount point below dir.
func unmountUnder(dir string) {
	b, err := os.ReadFile("/proc/self/mounts")
	if err != nil {
		return
	}
	var points []string
	for _, line := range strings.Split(string(b), "\n") {
		f := strings.Fields(line)
		if len(f) > 1 && strings.HasPrefix(f[1], dir+"/") {
			points = append(points, f[1])
		}
	}
	for i := len(points) - 1; i >= 0; i-- {
		exec.Command("umount", "-l", points[i]).Run()
	}
}

// run runs a set-up command, failing the test with its output.
func run(t testing.TB, args ...string) {
	t.Helper()
	out, err := exec.Command(args[0], args[1:]...).CombinedOutput()
	if err != nil {
		t.Fatalf("%s: %v: %s", strings.Join(args, " "), err, bytes.TrimSpace(out))
	}
}

// freeSubnet picks a 10.213.X.0/24 no interface of the machine uses.
func freeSubnet() (int, error) {
	addrs, err := net.InterfaceAddrs()
	if err != nil {
		return 0, err
	}
	used := map[int]bool{}
	for _, a := range addrs {
		if ipn, ok := a.(*net.IPNet); ok {
			if ip4 := ipn.IP.To4(); ip4 != nil && ip4[0] == 10 && ip4[1] == 213 {
				used[int(ip4[2])] = true
			}
		}
	}
	var b [1]byte
	rand.Read(b[:])
	for i := range 250 {
		if x := (int(b[0]) + i) % 250; !used[x] {
			return x, nil
		}
	}
	return 0, errors.New("no free 10.213.X.0/24 subnet for a test swarm")
}

func randomID() string {
	var b [3]byte
	rand.Read(b[:])
	return hex.EncodeToString(b[:])
}
