package apiserver

import (
	"testing"
	"time"

	"github.com/paas-dev/paas/internal/logplex"
)

func TestAPILineFormatIsLineFormat(t *testing.T) {
	at := time.Date(2026, 11, 26, 9, 0, 0, 123456789, time.UTC)
	for _, l := range []logplex.Line{
		{Time: at, App: "hello", Source: logplex.SourceApp, Process: "web.1", Message: "listening"},
		{Time: at, App: "hello", Source: logplex.SourceRouter, Message: "at=info"},
		{Time: at, App: "hello", Source: logplex.SourcePaas, Process: "release", Message: ""},
	} {
		if got, want := apiLine(l).String(), l.String(); got != want {
			t.Errorf("api.LogLine prints %q, Line prints %q", got, want)
		}
	}
}
