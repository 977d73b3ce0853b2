package cli

import (
	"bytes"
	"testing"
)

func TestControlEscaperShowsControlsAndKeepsText(t *testing.T) {
	in := "title \x1b]0;pwned\x07 clear \x1b[2J\x1bc cr\rback\x7f tab\tok ünïcødé 日本 c1 \u009b31m raw \x9b end\n"
	want := `title \x1b]0;pwned\x07 clear \x1b[2J\x1bc cr\x0dback\x7f tab` + "\tok ünïcødé 日本 c1 " + `\u009b31m raw \x9b end` + "\n"
	var got bytes.Buffer
	e := newControlEscaper(&got)
	if n, err := e.Write([]byte(in)); err != nil || n != len(in) {
		t.Fatalf("Write = %d, %v", n, err)
	}
	if got.String() != want {
		t.Errorf("escaped\n%q\nwant\n%q", got.String(), want)
	}
	// Byte by byte: a multi-byte character split across writes stays whole.
	got.Reset()
	e = newControlEscaper(&got)
	for i := range len(in) {
		if _, err := e.Write([]byte{in[i]}); err != nil {
			t.Fatal(err)
		}
	}
	if got.String() != want {
		t.Errorf("byte by byte\n%q\nwant\n%q", got.String(), want)
	}
}
