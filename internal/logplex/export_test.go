package logplex

import "testing"

// What the external tests (adapters_test.go) use of this package's test
// helpers.
var (
	NewForTest  = newLogplex
	QuietLogger = quietLogger
	FastDrains  = fastDrains
	WaitFor     = waitFor
)

// SyslogServerAddr runs a syslog server on loopback for the test and
// returns its address.
func SyslogServerAddr(t *testing.T) string {
	return startSyslogServer(t, listenTCP(t, "127.0.0.1:0"), false).addr()
}
