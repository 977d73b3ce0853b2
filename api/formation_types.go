package api

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// FormationEntry is one process type of an app as Heroku's Platform API
// shows it (a "formation"): how many processes of it run, their size and
// their command.
type FormationEntry struct {
	ID       string   `json:"id"`
	App      NamedRef `json:"app"`
	Type     string   `json:"type"`
	Quantity int      `json:"quantity"`
	// Size is each process's memory limit ("512M"); DynoSize names it too.
	Size      string    `json:"size"`
	DynoSize  NamedRef  `json:"dyno_size"`
	Command   string    `json:"command"` // "" runs the image's own command
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

// FormationUpdate changes one process type: Type names it (in a batch),
// Quantity sets how many run, Size or DynoSize.Name their memory.
type FormationUpdate struct {
	Type     string    `json:"type,omitempty"`
	Quantity *Quantity `json:"quantity,omitempty"`
	Size     string    `json:"size,omitempty"`
	DynoSize *NamedRef `json:"dyno_size,omitempty"`
}

// FormationBatchUpdate is the body of PATCH /apps/{app}/formation.
type FormationBatchUpdate struct {
	Updates []FormationUpdate `json:"updates"`
}

// Quantity is a process count as Heroku's clients send it: 3, "3", or a
// change, "+1", "-1".
type Quantity struct {
	N        int
	Relative bool // N is added to the count now
}

// UnmarshalJSON reads 3, "3", "+1" or "-1".
func (q *Quantity) UnmarshalJSON(b []byte) error {
	var n int
	if err := json.Unmarshal(b, &n); err == nil {
		*q = Quantity{N: n}
		return nil
	}
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return fmt.Errorf("quantity %s: give a whole number, or a string such as \"3\", \"+1\" or \"-1\"", b)
	}
	v, err := strconv.Atoi(strings.TrimSpace(s))
	if err != nil {
		return fmt.Errorf("quantity %q: give a whole number, or a string such as \"3\", \"+1\" or \"-1\"", s)
	}
	*q = Quantity{N: v, Relative: strings.HasPrefix(strings.TrimSpace(s), "+") || strings.HasPrefix(strings.TrimSpace(s), "-")}
	return nil
}

// MarshalJSON writes an absolute count as a number and a change as "+1".
func (q Quantity) MarshalJSON() ([]byte, error) {
	if q.Relative {
		return json.Marshal(fmt.Sprintf("%+d", q.N))
	}
	return json.Marshal(q.N)
}

// herokuSizes are the memory of Heroku's dyno sizes, which Heroku's clients
// name; paas maps them onto its memory limits.
var herokuSizes = map[string]int64{
	"free": 512 << 20, "hobby": 512 << 20, "eco": 512 << 20, "basic": 512 << 20,
	"standard-1x": 512 << 20, "standard-2x": 1 << 30,
	"performance-m": 2560 << 20, "performance-l": 14 << 30,
	"performance-l-ram": 30 << 30, "performance-xl": 62 << 30, "performance-2xl": 126 << 30,
}

// ParseSize reads a process size: one of Heroku's dyno sizes
// ("standard-2X") or a memory size as paas writes it ("1g", "512m").
func ParseSize(s string) (int64, error) {
	if n, ok := herokuSizes[strings.ToLower(strings.TrimSpace(s))]; ok {
		return n, nil
	}
	n, err := ParseMemory(s)
	if err != nil {
		return 0, fmt.Errorf("size %q: give a memory size such as 512m or 1g, or a Heroku dyno size such as standard-1X or standard-2X: %w", s, err)
	}
	return n, nil
}
