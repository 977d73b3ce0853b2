package releases

import (
	"fmt"
	"net"
	"strings"

	bolt "go.etcd.io/bbolt"
)

// Custom domains live in one bucket, domain -> app name, so a domain belongs
// to one app at most. They are mutable state, not part of any release. An
// app's list is a scan of the bucket: a machine serves few enough domains.

const (
	maxDomainLength = 253 // a DNS name, without its trailing dot
	maxLabelLength  = 63
	wildcardPrefix  = "*."
)

// NormalizeDomain returns domain as the ledger and the router key it: lower
// case, no trailing dot. It refuses what cannot be a custom domain: anything
// but a host name of at least two labels (letters, digits and inner dashes,
// each at most 63 characters, at most 253 in all) or a wildcard "*.example.com"
// (one leading "*." and at least two more labels); IP addresses; and, when
// platformDomain is set, that domain and any name under it, which the
// platform serves as "<app>.<platformDomain>" itself. Errors wrap ErrInvalid
// and say which rule the name breaks.
func NormalizeDomain(domain, platformDomain string) (string, error) {
	d := strings.TrimSuffix(strings.ToLower(domain), ".")
	invalid := func(format string, args ...any) error {
		return fmt.Errorf("%w domain %q: "+format, append([]any{ErrInvalid, domain}, args...)...)
	}
	if d == "" {
		return "", invalid("give a host name such as www.example.com, or a wildcard such as *.example.com")
	}
	if len(d) > maxDomainLength {
		return "", invalid("%d characters is too long: a domain has at most %d", len(d), maxDomainLength)
	}
	name, wildcard := strings.CutPrefix(d, wildcardPrefix)
	if strings.Contains(name, "*") {
		return "", invalid("a wildcard must be the whole first label, as in *.example.com")
	}
	if net.ParseIP(name) != nil {
		return "", invalid("an IP address is not a domain: give a host name that resolves to this machine")
	}
	labels := strings.Split(name, ".")
	if len(labels) < 2 {
		if wildcard {
			return "", invalid("a wildcard needs at least two labels after *., as in *.example.com")
		}
		return "", invalid("use at least two labels, as in example.com or www.example.com")
	}
	for _, l := range labels {
		if err := checkLabel(l); err != "" {
			return "", invalid("%s", err)
		}
	}
	if isDigits(labels[len(labels)-1]) {
		return "", invalid("the last label %q is all digits, which makes it read as an IP address: use a host name", labels[len(labels)-1])
	}
	if pd := strings.Trim(strings.ToLower(platformDomain), "."); pd != "" && (name == pd || strings.HasSuffix(name, "."+pd)) {
		return "", invalid("it is in the platform's own domain %s, where every app is served as <app>.%s already", pd, pd)
	}
	return d, nil
}

// checkLabel returns what is wrong with one label of a host name, "" if nothing.
func checkLabel(l string) string {
	switch {
	case l == "":
		return "it has an empty label: no leading dot and no two dots in a row"
	case len(l) > maxLabelLength:
		return fmt.Sprintf("label %q is %d characters long: at most %d", l, len(l), maxLabelLength)
	case l[0] == '-' || l[len(l)-1] == '-':
		return fmt.Sprintf("label %q starts or ends with a dash", l)
	}
	for i := 0; i < len(l); i++ {
		if c := l[i]; !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-') {
			return fmt.Sprintf("label %q has %q: use letters, digits and dashes", l, rune(c))
		}
	}
	return ""
}

func isDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}

// AddDomain gives domain (see NormalizeDomain; the platform domain is the
// caller's to refuse) to app and returns the app's domains, sorted. A domain
// that is already some app's is ErrExists, naming that app.
func (s *Store) AddDomain(app, domain string) ([]string, error) {
	d, err := NormalizeDomain(domain, "")
	if err != nil {
		return nil, fmt.Errorf("add domain: %w", err)
	}
	var out []string
	err = s.db.Update(func(tx *bolt.Tx) error {
		if _, err := getApp(tx, app); err != nil {
			return err
		}
		b := tx.Bucket(bucketDomains)
		switch owner := string(b.Get([]byte(d))); owner {
		case "":
		case app:
			return fmt.Errorf("domain %s: %w on app %s", d, ErrExists, app)
		default:
			return fmt.Errorf("domain %s: %w: it is already used by app %s; remove it from there first", d, ErrExists, owner)
		}
		if err := b.Put([]byte(d), []byte(app)); err != nil {
			return err
		}
		out = domainsOf(tx, app)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("add domain: %w", err)
	}
	return out, nil
}

// RemoveDomain takes domain from app and returns the app's remaining
// domains, sorted. A domain the app does not have is ErrNotFound.
func (s *Store) RemoveDomain(app, domain string) ([]string, error) {
	d, err := NormalizeDomain(domain, "")
	if err != nil {
		return nil, fmt.Errorf("remove domain: %w", err)
	}
	var out []string
	err = s.db.Update(func(tx *bolt.Tx) error {
		if _, err := getApp(tx, app); err != nil {
			return err
		}
		b := tx.Bucket(bucketDomains)
		switch owner := string(b.Get([]byte(d))); owner {
		case app:
		case "":
			return fmt.Errorf("domain %s: %w on app %s", d, ErrNotFound, app)
		default:
			return fmt.Errorf("domain %s: %w on app %s: it is used by app %s", d, ErrNotFound, app, owner)
		}
		if err := b.Delete([]byte(d)); err != nil {
			return err
		}
		out = domainsOf(tx, app)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("remove domain: %w", err)
	}
	return out, nil
}

// Domains returns app's custom domains, sorted; empty, not nil, for none.
func (s *Store) Domains(app string) ([]string, error) {
	var out []string
	err := s.db.View(func(tx *bolt.Tx) error {
		if _, err := getApp(tx, app); err != nil {
			return err
		}
		out = domainsOf(tx, app)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("list domains: %w", err)
	}
	return out, nil
}

// AllDomains returns every custom domain with the app it belongs to.
func (s *Store) AllDomains() (map[string]string, error) {
	out := map[string]string{}
	err := s.db.View(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketDomains).ForEach(func(k, v []byte) error {
			out[string(k)] = string(v)
			return nil
		})
	})
	if err != nil {
		return nil, fmt.Errorf("list domains: %w", err)
	}
	return out, nil
}

// domainsOf lists app's domains in key order, which is sorted order.
func domainsOf(tx *bolt.Tx, app string) []string {
	out := []string{}
	_ = tx.Bucket(bucketDomains).ForEach(func(k, v []byte) error {
		if string(v) == app {
			out = append(out, string(k))
		}
		return nil
	})
	return out
}

// deleteDomains removes every domain of app, for DestroyApp.
func deleteDomains(tx *bolt.Tx, app string) error {
	b := tx.Bucket(bucketDomains)
	// Collected first: bbolt forbids changing a bucket while iterating it.
	for _, d := range domainsOf(tx, app) {
		if err := b.Delete([]byte(d)); err != nil {
			return fmt.Errorf("domain %s: %w", d, err)
		}
	}
	return nil
}
