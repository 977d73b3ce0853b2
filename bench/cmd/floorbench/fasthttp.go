package main

import (
	"net"
	"time"

	"github.com/valyala/fasthttp"
)

// fasthttpProxy is the floor of a proxy built on fasthttp, the library
// issue 17 names as the alternative to a connection loop of the router's
// own: fasthttp's server, and its HostClient to the backend, with the
// request and response passed through as fasthttp parsed them. Like the
// nethttp mode it adds only X-Forwarded-For, and has no retries. It
// buffers whole bodies (fasthttp does unless told to stream), which the
// router cannot do for streams; the floor leaves that out.
func fasthttpProxy(ln net.Listener, backend string) (serve func() error, shutdown func()) {
	hc := &fasthttp.HostClient{Addr: backend, MaxConns: 1024, ReadTimeout: 30 * time.Second}
	srv := &fasthttp.Server{
		Handler: func(ctx *fasthttp.RequestCtx) {
			ctx.Request.Header.Add("X-Forwarded-For", ctx.RemoteIP().String())
			if err := hc.Do(&ctx.Request, &ctx.Response); err != nil {
				ctx.Error("bad gateway", fasthttp.StatusBadGateway)
			}
		},
		ReadTimeout: 10 * time.Second,
		IdleTimeout: 90 * time.Second,
	}
	return func() error { return srv.Serve(ln) }, func() { srv.Shutdown() }
}
