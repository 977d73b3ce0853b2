package router

import (
	"net/http"
	"strconv"
)

// streamWriter flushes a response of declared length after each write that
// leaves its body incomplete, so a slow body still streams to the client;
// the write that completes it is left to the server's flush at the end of
// the request. Flushing every write instead (ReverseProxy's FlushInterval
// -1) costs a timer, a goroutine and an extra write on every response.
// Server-sent events and bodies of unknown length are flushed at once by
// ReverseProxy itself.
type streamWriter struct {
	http.ResponseWriter
	remaining int64 // body bytes still to come; -1: length not declared
}

func (s *streamWriter) WriteHeader(status int) {
	if status >= 200 {
		if cl := s.Header().Get("Content-Length"); cl != "" {
			if n, err := strconv.ParseInt(cl, 10, 64); err == nil && n >= 0 {
				s.remaining = n
			}
		}
	}
	s.ResponseWriter.WriteHeader(status)
}

func (s *streamWriter) Write(p []byte) (int, error) {
	n, err := s.ResponseWriter.Write(p)
	if err != nil || s.remaining < 0 {
		return n, err
	}
	s.remaining -= int64(n)
	if s.remaining > 0 {
		err = http.NewResponseController(s.ResponseWriter).Flush()
	}
	return n, err
}

// Unwrap lets http.ResponseController reach Flush, Hijack and deadlines.
func (s *streamWriter) Unwrap() http.ResponseWriter { return s.ResponseWriter }
