package logplex

import (
	"context"
	"crypto/tls"
	"io"
	"net"
	"strconv"
	"sync"
	"time"
)

// syslogPRI is RFC 5424's PRI of every line: facility user (1) times 8 plus
// severity informational (6); the stream does not tell stderr from stdout.
const syslogPRI = "<14>"

// syslogTimeFormat is RFC 5424's TIMESTAMP at its finest: microseconds, UTC.
const syslogTimeFormat = "2006-01-02T15:04:05.000000Z"

// Longest header fields RFC 5424 allows.
const (
	syslogMaxHostname = 255
	syslogMaxAppName  = 48
	syslogMaxProcID   = 128
)

// appendSyslog appends l as an RFC 5424 message:
//
//	<14>1 2026-11-26T09:00:00.123456Z hello app web.1 - - listening on 5000
//
// PRI user.info; HOSTNAME the app; APP-NAME the source (app, router, paas);
// PROCID the process, "-" when there is none; no MSGID and no structured
// data. The message has no BOM, and no trailing space when it is empty.
func appendSyslog(b []byte, app string, l Line) []byte {
	b = append(b, syslogPRI...)
	b = append(b, '1', ' ')
	b = l.Time.UTC().AppendFormat(b, syslogTimeFormat)
	b = append(b, ' ')
	b = appendSyslogField(b, app, syslogMaxHostname)
	b = append(b, ' ')
	b = appendSyslogField(b, l.Source, syslogMaxAppName)
	b = append(b, ' ')
	b = appendSyslogField(b, l.Process, syslogMaxProcID)
	b = append(b, " - -"...)
	if l.Message != "" {
		b = append(b, ' ')
		b = append(b, l.Message...)
	}
	return b
}

// appendSyslogField appends a header field: printable US-ASCII without
// spaces, at most max bytes, "-" when empty (the nil value).
func appendSyslogField(b []byte, s string, max int) []byte {
	if s == "" {
		return append(b, '-')
	}
	if len(s) > max {
		s = s[:max]
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < 33 || c > 126 {
			c = '_'
		}
		b = append(b, c)
	}
	return b
}

// appendSyslogFrame appends l in RFC 6587 octet-counting framing, as RFC 5425
// has it for TLS too: "LEN SP MSG", LEN the message's length in bytes.
func appendSyslogFrame(b []byte, app string, l Line) []byte {
	start := len(b)
	b = appendSyslog(b, app, l)
	n := len(b) - start
	var num [8]byte
	prefix := append(strconv.AppendInt(num[:0], int64(n), 10), ' ')
	// Make room, move the message up (copy is a memmove) and put the
	// length in front of it.
	b = append(b, prefix...)
	copy(b[start+len(prefix):], b[start:start+n])
	copy(b[start:], prefix)
	return b
}

// syslogSink sends to a syslog+tcp or syslog+tls destination over one
// connection, dialled again when it breaks.
type syslogSink struct {
	app     string
	addr    string
	tls     *tls.Config // nil for syslog+tcp
	cfg     drainConfig
	scratch []byte

	mu   sync.Mutex // protects conn and dead, for connected
	conn net.Conn
	dead chan struct{} // closed once the connection is found broken
	read chan struct{} // closed once the connection's reader is done
}

func newSyslogSink(app string, u drainURL, cfg drainConfig) *syslogSink {
	s := &syslogSink{app: app, addr: u.u.Host, cfg: cfg}
	if u.u.Scheme == schemeSyslogTLS {
		s.tls = cfg.tlsConfig.Clone()
		if s.tls == nil {
			s.tls = &tls.Config{}
		}
		s.tls.ServerName = u.u.Hostname()
		s.tls.MinVersion = max(s.tls.MinVersion, tls.VersionTLS12)
	}
	return s
}

// connect dials if there is no working connection.
func (s *syslogSink) connect(ctx context.Context) error {
	s.mu.Lock()
	conn, dead := s.conn, s.dead
	s.mu.Unlock()
	if conn != nil {
		select {
		case <-dead:
			s.hangUp()
		default:
			return nil
		}
	}
	d := drainDialer(s.cfg)
	var err error
	if s.tls != nil {
		conn, err = (&tls.Dialer{NetDialer: d, Config: s.tls}).DialContext(ctx, "tcp", s.addr)
	} else {
		conn, err = d.DialContext(ctx, "tcp", s.addr)
	}
	if err != nil {
		return err
	}
	dead, read := make(chan struct{}), make(chan struct{})
	// Syslog servers never write: a read that ends means the server
	// closed the connection, so the next batch goes to a new one rather
	// than into a socket that would lose it.
	go func() {
		defer close(read)
		_, _ = io.Copy(io.Discard, conn)
		close(dead)
	}()
	s.mu.Lock()
	s.conn, s.dead, s.read = conn, dead, read
	s.mu.Unlock()
	return nil
}

func (s *syslogSink) send(ctx context.Context, b *batch) error {
	if err := s.connect(ctx); err != nil {
		return err
	}
	buf := s.scratch[:0]
	for _, l := range b.lines {
		buf = appendSyslogFrame(buf, s.app, l)
	}
	if cap(buf) <= 4<<20 {
		s.scratch = buf
	}
	s.mu.Lock()
	conn := s.conn
	s.mu.Unlock()
	// A write that cannot finish in time, or once ctx ends, fails; the
	// whole batch is sent again on a new connection. The receiver drops
	// the frame the broken connection cut short.
	_ = conn.SetWriteDeadline(time.Now().Add(s.cfg.writeTimeout))
	stop := context.AfterFunc(ctx, func() { _ = conn.SetWriteDeadline(time.Unix(1, 0)) })
	_, err := conn.Write(buf)
	stop()
	if err != nil {
		s.hangUp()
		return err
	}
	return nil
}

func (s *syslogSink) connected() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.conn == nil {
		return false
	}
	select {
	case <-s.dead:
		return false
	default:
		return true
	}
}

// hangUp closes the connection and waits for its reader.
func (s *syslogSink) hangUp() {
	s.mu.Lock()
	conn, read := s.conn, s.read
	s.conn, s.dead, s.read = nil, nil, nil
	s.mu.Unlock()
	if conn != nil {
		_ = conn.Close()
		<-read
	}
}

func (s *syslogSink) close() { s.hangUp() }
