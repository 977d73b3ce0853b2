package cli

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"text/tabwriter"

	"github.com/paas-dev/paas/api"
)

// printJSON writes v as indented JSON, for --json.
func printJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	if err := enc.Encode(v); err != nil {
		return fmt.Errorf("write JSON: %w", err)
	}
	return nil
}

func newTable(w io.Writer) *tabwriter.Writer {
	return tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
}

// release names a version as users see it: v3, or none for 0.
func release(n int) string {
	if n == 0 {
		return "none"
	}
	return fmt.Sprintf("v%d", n)
}

// withHint adds advice to an API error with the given id.
func withHint(err error, id, hint string) error {
	var e *api.Error
	if errors.As(err, &e) && e.ID == id {
		return fmt.Errorf("%w: %s", err, hint)
	}
	return err
}

const hintListApps = "run paasctl apps to list the apps"
