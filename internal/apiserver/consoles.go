package apiserver

import (
	"context"
	"io"
	"net/http"

	"github.com/gorilla/mux"

	"github.com/paas-dev/paas/api"
)

const consoleExample = `{"command": "SELECT count(*) FROM users"}`

// addonConsole attaches the client to the add-on's own console (psql,
// redis-cli) over the run protocol, as an attached run.
func (s *server) addonConsole(w http.ResponseWriter, r *http.Request) {
	var req api.ConsoleRequest
	if e := decodeBody(w, r, &req, consoleExample); e != nil {
		s.writeError(w, r, e)
		return
	}
	addon := mux.Vars(r)["addon"]
	s.attach(w, r, addon, func() error {
		_, err := s.p.Addon(r.Context(), addon, false)
		return err
	}, func(ctx context.Context, stdin io.Reader, stdout, stderr io.Writer) (int, error) {
		return s.p.AddonConsole(ctx, addon, req.Command, stdin, stdout, stderr)
	})
}
