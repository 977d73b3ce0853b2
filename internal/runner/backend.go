// Package runner is the supervisor: it runs a release's processes as
// containers, checks that they boot, cuts the router over to them and stops
// what they replace. It finds its containers again by label after a restart.
package runner

import (
	"context"
	"time"
)

// Labels on every container the platform creates.
const (
	LabelApp     = "paas.app"
	LabelRelease = "paas.release" // "v3"
	LabelProcess = "paas.process" // "web.1"
	// LabelDaemon holds the daemon instance ID: two paasd on one engine never
	// touch each other's containers.
	LabelDaemon = "paas.daemon"
)

// ContainerPort is the PORT every process listens on inside its container.
const ContainerPort = 5000

// ContainerSpec is what the runner asks a backend to run.
type ContainerSpec struct {
	Name   string
	Image  string
	Cmd    []string // nil = the image's own CMD/ENTRYPOINT
	Env    []string // "K=V"
	Labels map[string]string
	Port   int // container port published on 127.0.0.1:<random>; 0 = none
}

// Container is a backend's view of one container.
type Container struct {
	ID, Name  string
	Labels    map[string]string
	Running   bool
	ExitCode  int // meaningful only when !Running and the container has run
	StartedAt time.Time
	// HostAddr is the published port, "127.0.0.1:32768": the router sends
	// traffic here.
	HostAddr string
	// ContainerAddr is the bridge address, "172.17.0.2:5000": readiness is
	// checked here, since the published port accepts before the app listens.
	ContainerAddr string
}

// Backend is the container runtime. Docker is the one-machine implementation;
// a Swarm backend would be another (DESIGN.md "Where it grows").
type Backend interface {
	Start(ctx context.Context, spec ContainerSpec) (Container, error) // create + start + inspect
	Stop(ctx context.Context, id string, grace time.Duration) error   // SIGTERM, SIGKILL after grace
	Remove(ctx context.Context, id string) error                      // force remove; missing is not an error
	List(ctx context.Context, labels map[string]string) ([]Container, error)
	Inspect(ctx context.Context, id string) (Container, error)
	// Logs returns up to the last n lines of the container's stdout and stderr.
	Logs(ctx context.Context, id string, n int) ([]string, error)
}
