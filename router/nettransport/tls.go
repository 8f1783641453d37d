package nettransport

import (
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"os"
)

// LoadTLS builds the server and client TLS configurations of a node from PEM files: its
// certificate and key, and optionally a CA bundle. With a CA, both sides verify the
// other's certificate against it (mutual TLS); without one, servers present the
// certificate and clients verify it against the system roots. Errors name the file.
func LoadTLS(certFile, keyFile, caFile string) (server, client *tls.Config, err error) {
	if certFile == "" || keyFile == "" {
		return nil, nil, fmt.Errorf("%w: TLS needs both a certificate and a key file", ErrBadConfig)
	}
	cert, err := tls.LoadX509KeyPair(certFile, keyFile)
	if err != nil {
		return nil, nil, fmt.Errorf("%w: TLS key pair %s, %s: %w", ErrBadConfig, certFile, keyFile, err)
	}
	server = &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS13}
	client = &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS13}
	if caFile != "" {
		pem, err := os.ReadFile(caFile)
		if err != nil {
			return nil, nil, fmt.Errorf("%w: TLS CA file: %w", ErrBadConfig, err)
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return nil, nil, fmt.Errorf("%w: TLS CA file %s holds no PEM certificate", ErrBadConfig, caFile)
		}
		server.ClientCAs = pool
		server.ClientAuth = tls.RequireAndVerifyClientCert
		client.RootCAs = pool
	}
	return server, client, nil
}

// Certificate returns the certificate this node presents over TLS (the first of its
// credentials' ServerTLS, parsed), or nil without TLS or when it cannot be parsed: for a
// program to warn of its expiry, or to export it as a metric.
func (t *Transport) Certificate() *x509.Certificate {
	tc := t.Credentials().ServerTLS
	if tc == nil || len(tc.Certificates) == 0 {
		return nil
	}
	c := &tc.Certificates[0]
	if c.Leaf != nil {
		return c.Leaf
	}
	if len(c.Certificate) == 0 {
		return nil
	}
	leaf, err := x509.ParseCertificate(c.Certificate[0])
	if err != nil {
		return nil
	}
	return leaf
}
