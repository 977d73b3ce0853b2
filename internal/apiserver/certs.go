package apiserver

import (
	"net/http"

	"github.com/gorilla/mux"

	"github.com/paas-dev/paas/api"
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

const sniExample = `{"certificate_chain": "-----BEGIN CERTIFICATE-----\n...", "private_key": "-----BEGIN EC PRIVATE KEY-----\n..."}`

func (s *server) addSNIEndpoint(w http.ResponseWriter, r *http.Request) (reply, error) {
	var req api.SNIEndpointRequest
	if e := decodeBody(w, r, &req, sniExample); e != nil {
		return reply{}, e
	}
	if req.CertificateChain == "" || req.PrivateKey == "" {
		return reply{}, invalidBody(`the fields "certificate_chain" and "private_key" (PEM) are both needed`, sniExample)
	}
	e, err := s.p.AddCert(r.Context(), mux.Vars(r)["app"], req.CertificateChain, req.PrivateKey)
	if err != nil {
		return reply{}, err
	}
	return reply{http.StatusCreated, e}, nil
}

func (s *server) listSNIEndpoints(_ http.ResponseWriter, r *http.Request) (reply, error) {
	es, err := s.p.Certs(r.Context(), mux.Vars(r)["app"])
	if err != nil {
		return reply{}, err
	}
	return reply{http.StatusOK, es}, nil
}

func (s *server) removeSNIEndpoint(_ http.ResponseWriter, r *http.Request) (reply, error) {
	vars := mux.Vars(r)
	es, err := s.p.Certs(r.Context(), vars["app"])
	if err != nil {
		return reply{}, err
	}
	for _, e := range es {
		if e.Name == vars["sni"] {
			if err := s.p.RemoveCert(r.Context(), vars["app"], e.Name); err != nil {
				return reply{}, err
			}
			return reply{http.StatusOK, e}, nil
		}
	}
	return reply{}, &api.Error{StatusCode: http.StatusNotFound, ID: api.IDNotFound,
		Message: "certificate " + vars["sni"] + " not found: paasctl certs lists the app's"}
}
