package apiserver

import (
	"io"
	"net/http"
	"strconv"

	"github.com/gorilla/mux"

	"github.com/paas-dev/paas/api"
)

const scheduleExample = `{"at": "02:00"}`

func (s *server) captureBackup(_ http.ResponseWriter, r *http.Request) (reply, error) {
	b, err := s.p.CaptureBackup(r.Context(), mux.Vars(r)["addon"])
	if err != nil {
		return reply{}, err
	}
	return reply{http.StatusCreated, b}, nil
}

func (s *server) listBackups(_ http.ResponseWriter, r *http.Request) (reply, error) {
	bs, err := s.p.Backups(r.Context(), mux.Vars(r)["addon"])
	if err != nil {
		return reply{}, err
	}
	return reply{http.StatusOK, bs}, nil
}

// downloadBackup streams a backup's file: pg_dump's custom format, which
// pg_restore reads.
func (s *server) downloadBackup(w http.ResponseWriter, r *http.Request) {
	vars := mux.Vars(r)
	f, b, err := s.p.OpenBackup(r.Context(), vars["addon"], vars["backup"])
	if err != nil {
		s.fail(w, r, err)
		return
	}
	defer f.Close()
	w.Header().Set("Content-Type", "application/octet-stream")
	w.Header().Set("Content-Length", strconv.FormatInt(b.Size, 10))
	w.Header().Set("Content-Disposition", `attachment; filename="`+b.Addon.Name+"-"+b.ID+`.dump"`)
	if _, err := io.Copy(w, f); err != nil {
		s.log.Warn("send a backup", "addon", b.Addon.Name, "backup", b.ID, "err", err)
	}
}

func (s *server) restoreBackup(_ http.ResponseWriter, r *http.Request) (reply, error) {
	vars := mux.Vars(r)
	b, err := s.p.RestoreBackup(r.Context(), vars["addon"], vars["backup"])
	if err != nil {
		return reply{}, err
	}
	return reply{http.StatusOK, b}, nil
}

func (s *server) setBackupSchedule(w http.ResponseWriter, r *http.Request) (reply, error) {
	var req api.BackupSchedule
	if e := decodeLenient(w, r, &req, scheduleExample); e != nil {
		return reply{}, e
	}
	a, err := s.p.SetBackupSchedule(r.Context(), mux.Vars(r)["addon"], req.At)
	if err != nil {
		return reply{}, err
	}
	return reply{http.StatusOK, a}, nil
}
