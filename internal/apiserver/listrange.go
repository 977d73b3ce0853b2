package apiserver

import (
	"cmp"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
)

// Lists are paged as Heroku's Platform API pages them. A client asks with
//
//	Range: <field> [<first>]..[<last>][; max=<n>[, order=asc|desc]]
//
// where a first value written "]v" means "after v". A list cut at max is a
// 206 with Next-Range, the Range that asks for the rest; a whole list is a
// 200 without it. Both carry Content-Range with the first and last values
// sent.
const (
	defaultRangeMax = 200
	maxRangeMax     = 1000
)

// sortKey is one field a list can be ordered and cut by.
type sortKey[T any] struct {
	name    string
	value   func(T) string
	numeric bool // compare as integers (release versions), not as text
}

func (k sortKey[T]) compare(a, b string) int {
	if k.numeric {
		x, errX := strconv.ParseInt(a, 10, 64)
		y, errY := strconv.ParseInt(b, 10, 64)
		if errX == nil && errY == nil {
			return cmp.Compare(x, y)
		}
	}
	return strings.Compare(a, b)
}

// listRange is a parsed Range header.
type listRange struct {
	field          string
	first, last    string
	firstExclusive bool
	max            int
	desc           bool
}

// parseRange reads a Range header; "" asks for the first page by the
// default field. fields are the names the list can be cut by.
func parseRange(header string, fields []string) (listRange, error) {
	r := listRange{field: fields[0], max: defaultRangeMax}
	header = strings.TrimSpace(header)
	if header == "" {
		return r, nil
	}
	spec, params, _ := strings.Cut(header, ";")
	spec = strings.TrimSpace(spec)
	if field, rest, ok := strings.Cut(spec, " "); ok {
		r.field, spec = field, strings.TrimSpace(rest)
	} else if !strings.Contains(spec, "..") {
		r.field, spec = spec, ".."
	}
	if !slices.Contains(fields, r.field) {
		return listRange{}, fmt.Errorf("this list cannot be ranged by %q: use one of %s", r.field, strings.Join(fields, ", "))
	}
	first, last, ok := strings.Cut(spec, "..")
	if !ok {
		return listRange{}, fmt.Errorf("range %q has no \"..\": write it as %s [first]..[last]; max=N", header, fields[0])
	}
	if strings.HasPrefix(first, "]") {
		r.firstExclusive, first = true, first[1:]
	}
	r.first, r.last = first, last
	for _, p := range strings.Split(params, ",") {
		p = strings.TrimSpace(p)
		if p == "" {
			continue
		}
		k, v, _ := strings.Cut(p, "=")
		switch strings.TrimSpace(k) {
		case "max":
			n, err := strconv.Atoi(strings.TrimSpace(v))
			if err != nil || n < 1 {
				return listRange{}, fmt.Errorf("range max %q is not a number of 1 or more", v)
			}
			r.max = min(n, maxRangeMax)
		case "order":
			switch strings.TrimSpace(v) {
			case "asc":
				r.desc = false
			case "desc":
				r.desc = true
			default:
				return listRange{}, fmt.Errorf("range order %q: use asc or desc", v)
			}
		default:
			return listRange{}, fmt.Errorf("range parameter %q: only max and order are known", k)
		}
	}
	return r, nil
}

// paginate orders items by the Range header's field, keeps those in its
// bounds up to its max, and sets Content-Range, and Next-Range when the
// list was cut. It returns the page and its status: 200, or 206 when cut.
func paginate[T any](w http.ResponseWriter, req *http.Request, items []T, keys ...sortKey[T]) ([]T, int, error) {
	names := make([]string, len(keys))
	for i, k := range keys {
		names[i] = k.name
	}
	r, err := parseRange(req.Header.Get("Range"), names)
	if err != nil {
		return nil, 0, badRequest(err.Error())
	}
	key := keys[slices.Index(names, r.field)]
	sorted := slices.Clone(items)
	slices.SortStableFunc(sorted, func(a, b T) int {
		c := key.compare(key.value(a), key.value(b))
		if r.desc {
			return -c
		}
		return c
	})
	// before reports whether v comes before w in the list's order.
	before := func(v, w string) bool {
		c := key.compare(v, w)
		if r.desc {
			return c > 0
		}
		return c < 0
	}
	var page []T
	cut := false
	for _, it := range sorted {
		v := key.value(it)
		if r.first != "" && (before(v, r.first) || r.firstExclusive && v == r.first) {
			continue
		}
		if r.last != "" && before(r.last, v) {
			break
		}
		if len(page) == r.max {
			cut = true
			break
		}
		page = append(page, it)
	}
	status := http.StatusOK
	if len(page) > 0 {
		w.Header().Set("Content-Range", fmt.Sprintf("%s %s..%s", r.field, key.value(page[0]), key.value(page[len(page)-1])))
	}
	if cut {
		status = http.StatusPartialContent
		order := "asc"
		if r.desc {
			order = "desc"
		}
		w.Header().Set("Next-Range", fmt.Sprintf("%s ]%s..%s; max=%d, order=%s", r.field, key.value(page[len(page)-1]), r.last, r.max, order))
	}
	if page == nil {
		page = []T{} // an empty list, never null
	}
	return page, status, nil
}
