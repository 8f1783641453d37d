package nettransport

import (
	"bytes"
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
)

// LoadTLS builds the server and client TLS configurations of a node from PEM files: its
// certificate and key, and optionally a CA bundle. With a CA, both sides verify the
// other's certificate against it (mutual TLS); without one, servers present the
// certificate and clients verify it against the system roots. Errors name the file.
func LoadTLS(certFile, keyFile, caFile string) (server, client *tls.Config, err error) {
	if certFile == "" || keyFile == "" {
		return nil, nil, fmt.Errorf("%w: TLS needs both a certificate and a key file", ErrBadConfig)
	}
	certPEM, err := readPEM(certFile)
	if err != nil {
		return nil, nil, fmt.Errorf("%w: TLS key pair %s, %s: %w", ErrBadConfig, certFile, keyFile, err)
	}
	keyPEM, err := readPEM(keyFile)
	if err != nil {
		return nil, nil, fmt.Errorf("%w: TLS key pair %s, %s: %w", ErrBadConfig, certFile, keyFile, err)
	}
	cert, err := tls.X509KeyPair(certPEM, keyPEM)
	if err != nil {
		return nil, nil, fmt.Errorf("%w: TLS key pair %s, %s: %w", ErrBadConfig, certFile, keyFile, err)
	}
	server = &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS13}
	client = &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS13}
	if caFile != "" {
		data, err := readPEM(caFile)
		if err != nil {
			return nil, nil, fmt.Errorf("%w: TLS CA file: %w", ErrBadConfig, err)
		}
		pool, err := caPool(data)
		if err != nil {
			return nil, nil, fmt.Errorf("%w: TLS CA file %s: %w", ErrBadConfig, caFile, err)
		}
		server.ClientCAs = pool
		server.ClientAuth = tls.RequireAndVerifyClientCert
		client.RootCAs = pool
	}
	return server, client, nil
}

// MaxPEMFile is the most bytes LoadTLS reads of a certificate, key or CA file: far
// more than any holds (a system's whole CA bundle is a few hundred kilobytes), so that
// a path such as /dev/zero, given by mistake, is an error that names it instead of a
// node that reads until it runs out of memory.
const MaxPEMFile = 4 << 20

// readPEM returns the contents of the file at path, or an error: os's, which names
// the path, or one saying that it holds more than MaxPEMFile bytes.
func readPEM(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, MaxPEMFile+1))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if len(b) > MaxPEMFile {
		return nil, fmt.Errorf("%s: more than %d bytes (nettransport.MaxPEMFile), far more than a PEM file holds", path, MaxPEMFile)
	}
	return b, nil
}

// certHint says what a dial that failed with err over TLS most likely needs, or ""
// when err is no certificate trouble: crypto/tls reports the peer's certificate
// unverified as x509's error, and this side's refused by the peer as the text of the
// peer's alert.
func certHint(err error) string {
	var unknownCA x509.UnknownAuthorityError
	var wrongHost x509.HostnameError
	var invalid x509.CertificateInvalidError
	msg := err.Error()
	switch {
	case errors.As(err, &unknownCA):
		return "the peer's certificate is not signed by a CA this node trusts: the CA bundle it was given (ensnode's --tls-ca), or without one the system's"
	case errors.As(err, &wrongHost):
		return "the peer's certificate does not name the host this node dials it at (its address in --peers): the certificate needs that name or IP address"
	case errors.As(err, &invalid) && invalid.Reason == x509.Expired:
		return "the peer's certificate has expired or is not valid yet (or this node's clock is wrong): renew the peer's certificate (a node takes renewed files at SIGHUP)"
	case strings.Contains(msg, "tls: expired certificate"):
		// The alert names no side: it is the peer's verdict on this node's certificate.
		return "the peer refused this node's certificate as expired or not valid yet (or the peer's clock is wrong): renew this node's certificate (a node takes renewed files at SIGHUP)"
	case strings.Contains(msg, "tls: certificate required"), strings.Contains(msg, "tls: unknown certificate authority"),
		strings.Contains(msg, "tls: bad certificate"):
		return "the peer refused this node's certificate: a node given a CA (ensnode's --tls-ca) accepts only certificates that CA signed, for clients (extended key usage clientAuth) as well as servers"
	}
	return ""
}

// caPool parses a CA bundle: PEM certificates, one after another, and nothing else.
// A block that is not a certificate or does not parse, or text that is not PEM, is
// an error that names it, where x509.CertPool.AppendCertsFromPEM would skip it: a
// bundle with one CA mangled would otherwise leave the nodes it signed refused, with
// nothing said until they try to connect.
func caPool(data []byte) (*x509.CertPool, error) {
	pool := x509.NewCertPool()
	n := 0
	for rest := data; ; {
		var b *pem.Block
		b, rest = pem.Decode(rest)
		if b == nil {
			if len(bytes.TrimSpace(rest)) > 0 {
				return nil, fmt.Errorf("text that is not PEM after %d certificates", n)
			}
			break
		}
		n++
		if b.Type != "CERTIFICATE" {
			return nil, fmt.Errorf("block %d is not a CERTIFICATE but %q", n, b.Type)
		}
		c, err := x509.ParseCertificate(b.Bytes)
		if err != nil {
			return nil, fmt.Errorf("certificate %d: %w", n, err)
		}
		pool.AddCert(c)
	}
	if n == 0 {
		return nil, errors.New("no PEM certificate")
	}
	return pool, nil
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
