package apiserver

import (
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"
)

type item struct {
	name    string
	version int
}

var itemKeys = []sortKey[item]{
	{name: "name", value: func(i item) string { return i.name }},
	{name: "version", value: func(i item) string { return strconv.Itoa(i.version) }, numeric: true},
}

func items(n int) []item {
	var out []item
	for i := n; i >= 1; i-- { // out of order on purpose
		out = append(out, item{name: "app-" + strconv.Itoa(1000+i), version: i})
	}
	return out
}

func pageOf(t *testing.T, all []item, rangeHeader string) ([]item, int, http.Header) {
	t.Helper()
	req := httptest.NewRequest("GET", "/apps", nil)
	if rangeHeader != "" {
		req.Header.Set("Range", rangeHeader)
	}
	w := httptest.NewRecorder()
	page, status, err := paginate(w, req, all, itemKeys...)
	if err != nil {
		t.Fatalf("Range %q: %v", rangeHeader, err)
	}
	return page, status, w.Header()
}

// A list followed from Next-Range to Next-Range returns every item once,
// in order, in either direction and by either field.
func TestNextRangeWalksTheWholeList(t *testing.T) {
	all := items(457)
	for _, start := range []string{"name ..; max=100", "version ..; max=7", "version ..; max=50, order=desc", "name ..; max=1000", "version ..;max=3,order=desc"} {
		seen := map[int]bool{}
		h := start
		for pages := 0; h != ""; pages++ {
			if pages > 500 {
				t.Fatalf("%s: no end after 500 pages", start)
			}
			page, status, hdr := pageOf(t, all, h)
			h = hdr.Get("Next-Range")
			if (status == http.StatusPartialContent) != (h != "") {
				t.Fatalf("%s: status %d with Next-Range %q", start, status, h)
			}
			for _, it := range page {
				if seen[it.version] {
					t.Fatalf("%s: v%d twice", start, it.version)
				}
				seen[it.version] = true
			}
		}
		if len(seen) != len(all) {
			t.Errorf("%s: %d of %d items", start, len(seen), len(all))
		}
	}
}

func TestRangeOrderAndBounds(t *testing.T) {
	all := items(20)
	page, status, hdr := pageOf(t, all, "version 5..8")
	if status != http.StatusOK || len(page) != 4 || page[0].version != 5 || page[3].version != 8 {
		t.Fatalf("5..8: %d %v", status, page)
	}
	if hdr.Get("Content-Range") != "version 5..8" || hdr.Get("Next-Range") != "" {
		t.Errorf("headers %v", hdr)
	}
	// Numeric, not text: 10 comes after 9.
	page, _, _ = pageOf(t, all, "version ]9..; max=2")
	if len(page) != 2 || page[0].version != 10 || page[1].version != 11 {
		t.Errorf("]9..: %v", page)
	}
	page, _, _ = pageOf(t, all, "version ..; order=desc, max=3")
	if len(page) != 3 || page[0].version != 20 {
		t.Errorf("desc: %v", page)
	}
	// No Range: the default field, up to 200, whole list 200 without Next-Range.
	page, status, hdr = pageOf(t, all, "")
	if status != http.StatusOK || len(page) != 20 || page[0].name != "app-1001" || hdr.Get("Next-Range") != "" {
		t.Errorf("no Range: %d %d %v", status, len(page), hdr)
	}
	// A list that ends exactly at max is not cut.
	_, status, hdr = pageOf(t, all, "name ..; max=20")
	if status != http.StatusOK || hdr.Get("Next-Range") != "" {
		t.Errorf("exactly max: %d %v", status, hdr)
	}
	// An empty list is [] and 200.
	page, status, _ = pageOf(t, nil, "")
	if status != http.StatusOK || page == nil || len(page) != 0 {
		t.Errorf("empty: %d %#v", status, page)
	}
}

func TestBadRangeIsA400(t *testing.T) {
	for _, h := range []string{"size ..", "name 1-5", "name ..; max=0", "name ..; max=x", "name ..; order=up", "name ..; limit=3"} {
		req := httptest.NewRequest("GET", "/apps", nil)
		req.Header.Set("Range", h)
		if _, _, err := paginate(httptest.NewRecorder(), req, items(3), itemKeys...); err == nil {
			t.Errorf("Range %q accepted", h)
		}
	}
}
