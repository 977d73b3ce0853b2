package apiserver

import (
	"net/http"

	"github.com/gorilla/mux"
)

// enableACM, disableACM and refreshACM are Heroku's ACM actions on an
// app; each answers the app.
func (s *server) enableACM(_ http.ResponseWriter, r *http.Request) (reply, error) {
	a, err := s.p.SetACM(r.Context(), mux.Vars(r)["app"], true)
	if err != nil {
		return reply{}, err
	}
	return reply{http.StatusOK, a}, nil
}

func (s *server) disableACM(_ http.ResponseWriter, r *http.Request) (reply, error) {
	a, err := s.p.SetACM(r.Context(), mux.Vars(r)["app"], false)
	if err != nil {
		return reply{}, err
	}
	return reply{http.StatusOK, a}, nil
}

func (s *server) refreshACM(_ http.ResponseWriter, r *http.Request) (reply, error) {
	a, err := s.p.RefreshACM(r.Context(), mux.Vars(r)["app"])
	if err != nil {
		return reply{}, err
	}
	return reply{http.StatusOK, a}, nil
}

// acmStatus is paas's own: each host's automatic certificate.
func (s *server) acmStatus(_ http.ResponseWriter, r *http.Request) (reply, error) {
	st, err := s.p.CertStatus(r.Context(), mux.Vars(r)["app"])
	if err != nil {
		return reply{}, err
	}
	return reply{http.StatusOK, st}, nil
}
