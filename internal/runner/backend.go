// Package runner is the supervisor: it runs a release's process formation as
// containers, checks that they boot, cuts the router over to them, stops what
// they replace, restarts what crashes, and runs one-off processes. It finds its
// containers again by label after a restart. Swarm does the same with the
// services of a Docker Swarm, which does the orchestrating.
package runner

import (
	"context"
	"io"
	"time"
)

// Labels on every container the platform creates.
const (
	LabelApp     = "paas.app"
	LabelRelease = "paas.release" // "v3"
	LabelProcess = "paas.process" // "web.1"
	LabelType    = "paas.type"    // "web"
	// LabelOneOff is "attached" or "detached" on one-off processes (run.N, release.N): no
	// formation owns them, so deploys and scaling leave them alone.
	LabelOneOff = "paas.oneoff"
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
	// Port is the container port the process listens on (0 = none); with
	// Publish it is also published on 127.0.0.1:<random>.
	Port    int
	Publish bool
	Memory  int64 // hard limit in bytes, swap included; 0 = none
	PIDs    int64 // most processes and threads at once; 0 = no limit
	// CPUShares is the process's weight when the CPUs are busy (1024 is
	// the engine's default); 0 = the default.
	CPUShares int64
	// Network is the app's own network, which the backend creates when it
	// is missing: apps reach each other only through the router. "" = the
	// engine's default bridge.
	Network string
	// AutoRemove makes the engine remove the container when it exits, also
	// when no daemon is left to do it.
	AutoRemove bool
}

// Container is a backend's view of one container.
type Container struct {
	ID, Name  string
	Labels    map[string]string
	Running   bool
	ExitCode  int // meaningful only when !Running and the container has run
	StartedAt time.Time
	// HostAddr is the published port, "127.0.0.1:32768", when the port is
	// published (Options.PublishPorts): the router then sends traffic here.
	HostAddr string
	// ContainerAddr is the bridge address, "172.17.0.2:5000": readiness is
	// checked here, since the published port accepts before the app listens.
	ContainerAddr string
	// Command is what the container runs, as the engine reports it.
	Command    string
	AutoRemove bool
}

// Stdio are the streams of an attached process; nil Stdin means none, nil
// writers discard.
type Stdio struct {
	Stdin          io.Reader
	Stdout, Stderr io.Writer
}

// Backend is the container runtime of a Runner: Docker's engine. On a swarm
// the Swarm runner drives services instead (docs/architecture.md, "Two
// runners").
type Backend interface {
	Start(ctx context.Context, spec ContainerSpec) (Container, error) // create + start + inspect
	Stop(ctx context.Context, id string, grace time.Duration) error   // SIGTERM, SIGKILL after grace
	Remove(ctx context.Context, id string) error                      // force remove; missing is not an error
	List(ctx context.Context, labels map[string]string) ([]Container, error)
	Inspect(ctx context.Context, id string) (Container, error)
	// Logs returns up to the last n lines of the container's stdout and stderr.
	Logs(ctx context.Context, id string, n int) ([]string, error)
	// Wait blocks until the container is not running and returns its exit
	// code; at once if it has already exited.
	Wait(ctx context.Context, id string) (exitCode int, err error)
	// Run creates and starts a container with its streams attached to stdio
	// (stdin's EOF closes the container's stdin), calls started once it runs,
	// and returns its exit code once it has exited and its output is copied.
	// The container is the caller's to remove once started was called; if
	// Run fails before, it leaves nothing behind.
	Run(ctx context.Context, spec ContainerSpec, stdio Stdio, started func(Container)) (exitCode int, err error)
	// RemoveNetwork removes an app's network once its containers are gone;
	// a missing one is not an error.
	RemoveNetwork(ctx context.Context, name string) error
}
