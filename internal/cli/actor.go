package cli

import (
	"os"
	"os/user"
	"strings"
)

// actor names who runs this paasctl, for the releases it creates:
// "ada@laptop via paasctl". Whatever cannot be found is left out.
func actor() string {
	who := userName()
	if who == "" {
		who = "unknown"
	}
	if host, err := os.Hostname(); err == nil && host != "" {
		who += "@" + host
	}
	return who + " via paasctl"
}

func userName() string {
	if u, err := user.Current(); err == nil && u.Username != "" {
		// Windows names are DOMAIN\user; the domain says little here.
		return u.Username[strings.LastIndex(u.Username, `\`)+1:]
	}
	for _, env := range []string{"USER", "LOGNAME", "USERNAME"} {
		if v := os.Getenv(env); v != "" {
			return v
		}
	}
	return ""
}
