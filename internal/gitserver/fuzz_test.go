package gitserver

import (
	"bufio"
	"bytes"
	"testing"
)

// FuzzDecodeUpdateRequest: any request body is read as commands or refused,
// never a panic.
func FuzzDecodeUpdateRequest(f *testing.F) {
	f.Add(commandsBody(f, 0, []byte("PACK\x00\x00\x00\x02\x00\x00\x00\x00")))
	f.Add(commandsBody(f, 3, nil))
	f.Add([]byte("0000"))
	f.Add([]byte("00a4"))
	f.Add([]byte("ffff"))
	f.Add([]byte("0004"))
	f.Add([]byte("0009\x01abcd0000"))
	f.Add([]byte("003f0000000000000000000000000000000000000000 1111111111111111111111111111111111111111 refs/heads/main\x00"))
	f.Fuzz(func(t *testing.T, body []byte) {
		in := bufio.NewReader(bytes.NewReader(body))
		req, _, err := decodeUpdateRequest(in)
		if err != nil {
			return
		}
		for _, c := range req.Commands {
			if c == nil || c.Name == "" {
				t.Fatalf("a command without a ref: %+v", c)
			}
		}
	})
}
