package logplex

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"
)

// decodeRecord reads a record as load does.
func decodeRecord(t testing.TB, b []byte) record {
	t.Helper()
	var r record
	if err := json.Unmarshal(b, &r); err != nil {
		t.Fatalf("record %q does not parse: %v", b, err)
	}
	return r
}

// sameRecord compares records as load sees them.
func sameRecord(a, b record) bool {
	if (a.Upto == nil) != (b.Upto == nil) || (a.Upto != nil && !a.Upto.Equal(*b.Upto)) {
		return false
	}
	a.Upto, b.Upto = nil, nil
	return a.Time.Equal(b.Time) && a.Source == b.Source && a.Process == b.Process &&
		a.Message == b.Message && a.Container == b.Container && a.Mark == b.Mark && a.Done == b.Done
}

// checkAppendRecord checks that appendRecord writes one line that reads back
// as what encoding/json, which wrote the spools before, makes of r.
func checkAppendRecord(t testing.TB, r record) {
	t.Helper()
	b := appendRecord([]byte("previous\n"), r)
	b, ok := bytes.CutPrefix(b, []byte("previous\n"))
	if !ok || bytes.IndexByte(b, '\n') != len(b)-1 {
		t.Fatalf("record %+v is written as %q, not one line after what was there", r, b)
	}
	want, err := json.Marshal(r)
	if err != nil {
		t.Skipf("encoding/json cannot write %+v either: %v", r, err)
	}
	if got := decodeRecord(t, b); !sameRecord(got, decodeRecord(t, want)) {
		t.Errorf("record written as %s reads back as %+v; encoding/json writes %s", b, got, want)
	}
}

func TestAppendRecordReadsBackAsEncodingJSON(t *testing.T) {
	at := time.Date(2026, 11, 26, 9, 0, 0, 123456789, time.UTC)
	upto := at.Add(-time.Nanosecond)
	for _, r := range []record{
		{Time: at, Source: SourceApp, Process: "web.1", Message: "listening on 5000"},
		{Time: at, Source: SourceApp, Process: "web.1", Message: "", Container: "c1"},
		{Time: at, Source: SourceApp, Process: "web.1", Message: "x", Container: "c1", Upto: &upto},
		{Time: time.Date(2026, 11, 26, 9, 0, 0, 0, time.UTC), Source: SourceRouter, Message: `at=info path="/a\b" <b>&amp;`},
		{Time: at, Source: SourcePaas, Process: "release", Message: "ünïcode, \u2028 and \U0001F600"},
		{Time: at, Source: SourceApp, Message: "controls \x00\x01\x1f\t\r\n\x7f end"},
		{Time: at, Source: SourceApp, Message: "invalid \xff\xfe UTF-8 \xe2\x82 cut"},
		{Time: at, Container: "c1", Mark: markCursor},
		{Time: at, Container: "c1", Mark: markCursor, Done: true},
		{},
	} {
		checkAppendRecord(t, r)
	}
	// A time no clock gives becomes the zero time, as before.
	b := appendRecord(nil, record{Time: time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC), Message: "far"})
	if got := decodeRecord(t, b); !got.Time.IsZero() || got.Message != "far" {
		t.Errorf("a time after year 9999 reads back as %+v", got)
	}
}

func FuzzAppendRecord(f *testing.F) {
	f.Add("web.1", "hello \"world\"\n", "c1", int64(1764147600123456789), int64(0), false)
	f.Add("", "\xff\x00<>&\u2029", "", int64(0), int64(-1), true)
	f.Fuzz(func(t *testing.T, process, message, container string, at, upto int64, done bool) {
		r := record{Time: time.Unix(0, at).UTC(), Source: SourceApp, Process: process, Message: message, Container: container, Done: done}
		if upto >= 0 {
			u := time.Unix(0, upto).UTC()
			r.Upto = &u
		}
		checkAppendRecord(t, r)
	})
}

// Spools written before appendRecord, by encoding/json (which also escapes
// <, > and &), load as they did.
func TestLoadsSpoolWrittenByEncodingJSON(t *testing.T) {
	dir := t.TempDir()
	at := time.Date(2026, 11, 26, 9, 0, 0, 123456789, time.UTC)
	upto := at.Add(-time.Nanosecond)
	var file []byte
	for _, r := range []record{
		{Time: at.Add(-time.Hour), Container: "c0", Mark: markCursor, Done: true},
		{Time: at, Source: SourceApp, Process: "web.1", Message: "first <b>", Container: "c1", Upto: &upto},
		{Time: at, Source: SourceApp, Process: "web.1", Message: "second & last", Container: "c1"},
		{Time: at.Add(time.Second), Source: SourceRouter, Message: `at=info path="/"`},
	} {
		b, err := json.Marshal(r)
		if err != nil {
			t.Fatal(err)
		}
		file = append(append(file, b...), '\n')
	}
	if err := os.WriteFile(filepath.Join(dir, "hello.log"), file, 0o600); err != nil {
		t.Fatal(err)
	}
	p := newLogplex(t, Options{Dir: dir})
	if got := messages(backlog(p, "hello")); !slices.Equal(got, []string{"first <b>", "second & last", `at=info path="/"`}) {
		t.Errorf("loaded %q", got)
	}
	a := p.appLog("hello")
	if got := a.resumeAfter("c1"); !got.Equal(at) {
		t.Errorf("c1 resumes after %v, want %v", got, at)
	}
	if got := a.resumeAfter("c0"); !got.Equal(at.Add(-time.Hour)) {
		t.Errorf("c0 resumes after %v", got)
	}
}

func BenchmarkAppendRecord(b *testing.B) {
	at := time.Date(2026, 11, 26, 9, 0, 0, 123456789, time.UTC)
	r := record{Time: at, Source: SourceApp, Process: "web.1", Container: "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
		Message: `at=info method=GET path="/" status=200 bytes=1234 duration=2ms`}
	var buf []byte
	b.ReportAllocs()
	for b.Loop() {
		buf = appendRecord(buf[:0], r)
	}
}
