package api

import "time"

// App is an app as Heroku's Platform API shows one (GET /apps/{app}), with
// paas's own fields (current_release, commit, processes) besides.
type App struct {
	// ID is given at creation and never reused, unlike the name. Every
	// route that takes an app takes its name or its id.
	ID        string    `json:"id"`
	Name      string    `json:"name"`
	CreatedAt time.Time `json:"created_at"`
	// UpdatedAt is when the app or its releases last changed.
	UpdatedAt time.Time `json:"updated_at"`
	// ReleasedAt is when its newest release was made; null before any.
	ReleasedAt *time.Time `json:"released_at"`
	// WebURL is where the router serves the app, e.g. "http://hello.localhost:8080/".
	WebURL string `json:"web_url"`
	// GitURL is where to push to deploy, e.g. "http://127.0.0.1:7070/git/hello.git".
	GitURL string `json:"git_url"`
	// Maintenance has the router answer every request with 503 (H80).
	Maintenance bool `json:"maintenance"`
	// ACM is Heroku's: automatic certificates for the app's hosts from
	// the ACME CA (certs:auto:enable).
	ACM   bool       `json:"acm"`
	Owner AccountRef `json:"owner"`
	// Region, Stack and BuildStack are fixed on paas, for Heroku's clients:
	// the region "local", the stack "container".
	Region     NamedRef `json:"region"`
	Stack      NamedRef `json:"stack"`
	BuildStack NamedRef `json:"build_stack"`

	// CurrentRelease is the live release's version; 0 means never deployed.
	CurrentRelease int       `json:"current_release"`
	Commit         string    `json:"commit,omitempty"`
	Processes      []Process `json:"processes"`
}

// NamedRef names another resource, as the Platform API nests them.
type NamedRef struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

// AccountRef names an account, as an app's owner.
type AccountRef struct {
	ID    string `json:"id"`
	Email string `json:"email"`
}

// Account is the owner of the API token (GET /account): a paasd has one,
// its administrator.
type Account struct {
	ID        string    `json:"id"`
	Email     string    `json:"email"`
	Name      string    `json:"name"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
	// Verified and the rest are what Heroku's clients read; on paas they
	// are constant.
	Verified                bool `json:"verified"`
	TwoFactorAuthentication bool `json:"two_factor_authentication"`
	AllowTracking           bool `json:"allow_tracking"`
	Beta                    bool `json:"beta"`
}

// Region and stack every app has on paas.
var (
	LocalRegion    = NamedRef{ID: "2ba7d1b3-97b1-5e0b-9ef4-1f1c7e3f5a01", Name: "local"}
	ContainerStack = NamedRef{ID: "5f4c0b9e-51c1-5c7b-8d58-7d4b2e6a9c02", Name: "container"}
)

// AppUpdate is the body of PATCH /apps/{app}: fields left out stay.
type AppUpdate struct {
	Name        *string `json:"name,omitempty"`
	Maintenance *bool   `json:"maintenance,omitempty"`
	BuildStack  *string `json:"build_stack,omitempty"`
}

// Process is one container of an app: a process of its formation (web.1)
// or a one-off (run.1). It has the shape of Heroku's Platform API dyno,
// with paas's own fields (started_at, restarts) besides.
type Process struct {
	// ID names this container: a restart makes a new process with a new id.
	ID   string   `json:"id"`
	App  NamedRef `json:"app"`
	Name string   `json:"name"` // "web.1"
	Type string   `json:"type"` // "web"
	// State is Heroku's word: "starting", "up", "crashed", or "down" for
	// a process being stopped.
	State   string     `json:"state"`
	Release ReleaseRef `json:"release"`
	Command string     `json:"command"` // as the Procfile gives it; "" for the image's own
	Size    string     `json:"size"`    // its memory limit, "512m"
	// AttachURL is null: an attached one-off uses paas's run protocol.
	AttachURL *string   `json:"attach_url"`
	CreatedAt time.Time `json:"created_at"` // when it started
	UpdatedAt time.Time `json:"updated_at"`
	StartedAt time.Time `json:"started_at"`
	Restarts  int       `json:"restarts"` // since the process's release went live
	// Node is the hostname of the swarm node that runs it; absent when
	// paasd runs on one Docker Engine.
	Node string `json:"node,omitempty"`
	// paas's own, sampled from the engine every few seconds while it
	// runs: CPU as a share of one CPU (150 is one and a half), memory in
	// use in bytes. Absent until sampled.
	CPUPercent  *float64 `json:"cpu_percent,omitempty"`
	MemoryBytes *uint64  `json:"memory_bytes,omitempty"`
}

// ReleaseRef names a release.
type ReleaseRef struct {
	ID      string `json:"id"`
	Version int    `json:"version"`
}

// CreateAppRequest is the body of POST /apps. Heroku's region and stack
// are accepted and must name paas's own ("local", "container") if given.
type CreateAppRequest struct {
	Name   string `json:"name"`
	Region string `json:"region,omitempty"`
	Stack  string `json:"stack,omitempty"`
}

// Release is one entry of an app's append-only release ledger: a build and a
// set of config vars, numbered v1, v2, ... It has the shape of Heroku's
// Platform API release, with paas's own fields (created_by, build_id,
// commit, image, config_keys, process_types, digest) besides. Config values
// never appear in it.
type Release struct {
	// ID is the release's UUID; routes take it or the version.
	ID      string   `json:"id"`
	Version int      `json:"version"`
	App     NamedRef `json:"app"`
	// Description says what made the release: "Deploy 1a2b3c4",
	// "Set FOO, BAR config vars", "Rollback to v3".
	Description string    `json:"description"`
	CreatedAt   time.Time `json:"created_at"`
	UpdatedAt   time.Time `json:"updated_at"`
	Status      string    `json:"status"`  // "pending", "succeeded", "failed"
	Current     bool      `json:"current"` // the release now live
	// EligibleForRollback is true for a release that went live with a
	// build: a rollback to it can work (unless retention removed its image).
	EligibleForRollback bool       `json:"eligible_for_rollback"`
	User                AccountRef `json:"user"`
	// Slug is the release's build, null for a release of config alone.
	Slug           *IDRef   `json:"slug"`
	AddonPlanNames []string `json:"addon_plan_names"`
	// OutputStreamURL is where a release phase's output would stream;
	// paas sends it with the push or build output, so it is always null.
	OutputStreamURL *string `json:"output_stream_url"`

	CreatedBy string `json:"created_by"` // who asked: "ada@laptop via paasctl", "git push"
	BuildID   int    `json:"build_id"`
	Commit    string `json:"commit"`
	Image     string `json:"image"`
	// ConfigKeys are the names of the release's config vars, sorted.
	ConfigKeys   []string `json:"config_keys"`
	ProcessTypes []string `json:"process_types"` // sorted
	// Commands are the Procfile's, by process type (as Heroku's slug's
	// process_types); a type run by the image's own command is absent.
	Commands map[string]string `json:"commands"`
	// Digest covers the release's content and the previous release's digest.
	Digest string `json:"digest"`
}

// IDRef names another resource by id alone.
type IDRef struct {
	ID string `json:"id"`
}

// ConfigVars is an app's config, the body of GET /apps/{app}/config-vars.
type ConfigVars map[string]string

// ConfigUpdate is the body of PATCH /apps/{app}/config-vars, Heroku's shape: a
// string sets the key, null (a nil pointer) unsets it.
type ConfigUpdate map[string]*string

// RollbackRequest is the body of POST /apps/{app}/releases, Heroku's
// rollback: a new release with the build and config of Release, a version
// ("3", "v3") or an id. Without it, the release before the current one.
type RollbackRequest struct {
	Release string `json:"release,omitempty"`
	// Slug is Heroku's release of a slug, which paas does not make:
	// refused with a word on what to do instead.
	Slug string `json:"slug,omitempty"`
}

// Verification is the result of checking an app's release digest chain.
type Verification struct {
	App     string `json:"app"`
	OK      bool   `json:"ok"`
	Checked int    `json:"checked"` // releases checked
	// FirstBad is the first release that does not match its digest, or
	// whose link to the previous release is broken; 0 when OK.
	FirstBad int    `json:"first_bad,omitempty"`
	Problem  string `json:"problem,omitempty"`
}

// ReleaseDiff says what changed from one release to another. Config vars are
// compared by name and value but reported by name only.
type ReleaseDiff struct {
	From             int      `json:"from"`
	To               int      `json:"to"`
	CommitFrom       string   `json:"commit_from"`
	CommitTo         string   `json:"commit_to"`
	ImageFrom        string   `json:"image_from"`
	ImageTo          string   `json:"image_to"`
	ConfigAdded      []string `json:"config_added"`
	ConfigRemoved    []string `json:"config_removed"`
	ConfigChanged    []string `json:"config_changed"`
	ProcessesAdded   []string `json:"processes_added"`
	ProcessesRemoved []string `json:"processes_removed"`
	ProcessesChanged []string `json:"processes_changed"`
}

// Formation is how many processes of each type an app runs, as the Go
// client's Formation and Scale give and take it (the wire has the list of
// FormationEntry).
type Formation map[string]int

// CreateDynoRequest is the body of POST /apps/{app}/dynos: Heroku's one-off
// dyno. paas runs it detached (attach false or absent); an attached one
// goes through POST /apps/{app}/runs and the run protocol (paasctl run).
type CreateDynoRequest struct {
	Command string            `json:"command"`
	Attach  bool              `json:"attach,omitempty"`
	Env     map[string]string `json:"env,omitempty"`
	Size    string            `json:"size,omitempty"`
	Type    string            `json:"type,omitempty"`
}

// Limits are the limits of each process type, as ParseLimit reads them: a
// memory size, a PID limit and CPU shares, "512m,pids=512,cpu=1024". GET
// answers the effective limits of every type of the current release; a PATCH
// changes only the types it lists, and of those only the limits it gives
// ("1g" changes the memory alone).
type Limits map[string]string

// Settings are how the platform runs an app's processes.
type Settings struct {
	// AutoRollback rolls a new release back by itself when its processes
	// crash-loop or fail health checks within AutoRollbackWindow of going live.
	AutoRollback       bool   `json:"auto_rollback"`
	AutoRollbackWindow string `json:"auto_rollback_window"` // a Go duration, "2m0s"
	// HealthPath is the HTTP path a new web process must answer with 2xx or
	// 3xx before it gets traffic; "" checks that its port accepts connections.
	HealthPath  string `json:"health_path"`
	BootTimeout string `json:"boot_timeout"` // how long new processes get to become healthy
	StopTimeout string `json:"stop_timeout"` // from SIGTERM to SIGKILL
	// Builder is how pushes are built: "auto" detects it from the app's
	// files (a Dockerfile first); "dockerfile", "go", "node", "python" or
	// "static" forces it.
	Builder string `json:"builder"`
	// HTTPSRedirect sends plain HTTP requests to HTTPS (308) once the
	// host has a certificate, ACME's challenges excepted; HSTS adds
	// Strict-Transport-Security to responses over HTTPS.
	HTTPSRedirect bool `json:"https_redirect"`
	HSTS          bool `json:"hsts"`
}

// SettingsUpdate is the body of PATCH /apps/{app}/settings: values by the
// names paasctl apps:settings uses, "auto-rollback" (on or off),
// "auto-rollback-window", "health-path", "boot-timeout", "stop-timeout",
// "builder", "https-redirect" and "hsts" (on or off).
type SettingsUpdate map[string]string

// RunRequest is the body of POST /apps/{app}/runs, paas's own one-off run.
type RunRequest struct {
	// Command runs through /bin/sh -c in a one-off process of the current
	// release, with its config.
	Command string `json:"command"`
	// Attach streams the process's stdin, stdout, stderr and exit status
	// over the connection (the run protocol, as openapi.yaml describes it);
	// otherwise it runs in the background with its output in the log stream.
	Attach bool `json:"attach"`
}

// RunResult is what a run did: the one-off process's name ("run.1") and, for
// an attached run, its exit status.
type RunResult struct {
	Process  string `json:"process"`
	ExitCode int    `json:"exit_code"`
}

// CertStatus is the state of one host's automatic certificate
// (GET /apps/{app}/acm, certs:auto).
type CertStatus struct {
	Hostname string `json:"hostname"`
	// Status is Heroku's ACM status: pending, issued or failing.
	Status string `json:"status"`
	// Reason is why it is failing: the CA's last error.
	Reason        string     `json:"reason,omitempty"`
	ExpiresAt     *time.Time `json:"expires_at"`
	NextAttemptAt *time.Time `json:"next_attempt_at,omitempty"`
}

// SNIEndpoint is a certificate a user added for an app, in the shape of
// Heroku's SNI endpoint (POST /apps/{app}/sni-endpoints, certs:add).
type SNIEndpoint struct {
	ID               string    `json:"id"`
	Name             string    `json:"name"`
	CertificateChain string    `json:"certificate_chain"`
	App              NamedRef  `json:"app"`
	Domains          []string  `json:"domains"` // the app's hosts it serves
	SSLCert          SSLCert   `json:"ssl_cert"`
	CreatedAt        time.Time `json:"created_at"`
	UpdatedAt        time.Time `json:"updated_at"`
}

// SSLCert describes an SNI endpoint's certificate.
type SSLCert struct {
	CertDomains []string  `json:"cert_domains"` // the names it covers, wildcards as *.example.com
	ExpiresAt   time.Time `json:"expires_at"`
	Issuer      string    `json:"issuer"`
}

// SNIEndpointRequest is the body of POST /apps/{app}/sni-endpoints.
type SNIEndpointRequest struct {
	CertificateChain string `json:"certificate_chain"`
	PrivateKey       string `json:"private_key"`
}

// Domain is a host name the router serves an app at, as Heroku's Platform
// API shows one: the app's own "<app>.<PAAS_DOMAIN>" (kind "heroku", as
// Heroku names its default) or a custom one (kind "custom").
type Domain struct {
	ID       string   `json:"id"`
	App      NamedRef `json:"app"`
	Hostname string   `json:"hostname"`
	Kind     string   `json:"kind"`
	// CNAME is where to point a custom domain's DNS: the app's own host.
	CNAME *string `json:"cname"`
	// Status is "succeeded": the router serves a domain from when it is
	// added.
	Status      string    `json:"status"`
	SNIEndpoint *NamedRef `json:"sni_endpoint"`
	AcmStatus   *string   `json:"acm_status"` // pending, issued or failing, with automatic certificates on
	// AcmStatusReason is why the automatic certificate is failing.
	AcmStatusReason *string   `json:"acm_status_reason"`
	CreatedAt       time.Time `json:"created_at"`
	UpdatedAt       time.Time `json:"updated_at"`
}

// AddDomainRequest is the body of POST /apps/{app}/domains.
type AddDomainRequest struct {
	// Hostname is a host name, "www.example.com", or a wildcard that
	// matches one more label, "*.example.com". Not under PAAS_DOMAIN, not
	// an IP address.
	Hostname string `json:"hostname"`
	// SNIEndpoint is accepted, as Heroku's clients send it, and must be
	// null: the router's certificate serves every domain it covers.
	SNIEndpoint *string `json:"sni_endpoint,omitempty"`
}

// RouterSeries is an app's traffic through the router over the last hour,
// a point per step (paas's own: GET /apps/{app}/router-metrics), for the
// dashboard's charts. It is kept in paasd's memory: a restart starts it
// over.
type RouterSeries struct {
	StepSeconds int           `json:"step_seconds"`
	Points      []RouterPoint `json:"points"` // oldest first, quiet steps included
}

// RouterPoint is one step of a RouterSeries. Errors are 5xx answers, the
// router's own (H-codes) among them; the latencies are from the request's
// arrival to the end of its response, p50 and p95 read from buckets.
type RouterPoint struct {
	Time          time.Time `json:"time"` // the step's start
	Requests      int       `json:"requests"`
	Errors        int       `json:"errors"`
	LatencyMeanMs float64   `json:"latency_mean_ms"`
	LatencyP50Ms  float64   `json:"latency_p50_ms"`
	LatencyP95Ms  float64   `json:"latency_p95_ms"`
}

// RouterMetricsPath is app's RouterSeries.
func RouterMetricsPath(app string) string { return AppPath(app) + "/router-metrics" }

// NodesPath lists the machines paasd's engine runs processes on.
const NodesPath = "/nodes"

// Node is a machine paasd's engine runs processes on: the engine itself,
// or a node of the swarm it manages.
type Node struct {
	ID       string `json:"id"`
	Hostname string `json:"hostname"`
	// Addr is the node's address in the swarm; "" for a lone engine.
	Addr string `json:"addr"`
	// Role is "manager" or "worker" in a swarm; "engine" for a lone one.
	Role string `json:"role"`
	// Leader marks the swarm's leading manager.
	Leader bool `json:"leader"`
	// State is "ready", "down", "disconnected" or "unknown".
	State string `json:"state"`
	// Availability is "active", "pause" or "drain": whether the swarm
	// places new processes on it.
	Availability string `json:"availability"`
	// Engine is the node's Docker Engine version.
	Engine string `json:"engine"`
	// EngineHost is where paasd reaches the node's own engine
	// (PAAS_SWARM_NODES; "" when not given), and EngineReachable whether
	// it answered just now. An engine given that is in no node of the
	// swarm is listed on its own, role and state unknown.
	EngineHost      string `json:"engine_host"`
	EngineReachable bool   `json:"engine_reachable"`
}
