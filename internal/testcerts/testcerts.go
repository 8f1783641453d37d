// Package testcerts writes a throwaway certificate authority and certificates signed
// by it, for tests that run the transport over TLS.
package testcerts

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// Write writes, as PEM files in dir, a CA (ca.pem) and for each name a certificate
// signed by it (NAME.pem, with NAME as its common name) and its key (NAME.key). The
// certificates are valid for 127.0.0.1, for an hour either side of now, for servers
// and clients alike. It returns the CA file's path.
func Write(t testing.TB, dir string, names ...string) (ca string) {
	t.Helper()
	return WriteValid(t, dir, time.Now().Add(-time.Hour), time.Now().Add(time.Hour), names...)
}

// WriteValid is Write with the certificates (not the CA, which is valid for an hour
// either side of now) valid from notBefore to notAfter: expired ones, or ones not
// valid yet.
func WriteValid(t testing.TB, dir string, notBefore, notAfter time.Time, names ...string) (ca string) {
	t.Helper()
	return WriteFor(t, dir, notBefore, notAfter, []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth}, names...)
}

// WriteFor is WriteValid with the certificates' extended key usage uses: one for
// servers alone, as many CAs issue them, or for clients alone.
func WriteFor(t testing.TB, dir string, notBefore, notAfter time.Time, uses []x509.ExtKeyUsage, names ...string) (ca string) {
	t.Helper()
	newKey := func() *ecdsa.PrivateKey {
		k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		if err != nil {
			t.Fatal(err)
		}
		return k
	}
	write := func(name, typ string, der []byte) string {
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der}), 0o600); err != nil {
			t.Fatal(err)
		}
		return path
	}
	caKey := newKey()
	caTmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "test ca"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	caCert, err := x509.ParseCertificate(caDER)
	if err != nil {
		t.Fatal(err)
	}
	ca = write("ca.pem", "CERTIFICATE", caDER)
	for i, name := range names {
		k := newKey()
		tmpl := &x509.Certificate{SerialNumber: big.NewInt(int64(i + 2)), Subject: pkix.Name{CommonName: name},
			NotBefore: notBefore, NotAfter: notAfter,
			IPAddresses: []net.IP{net.ParseIP("127.0.0.1")},
			ExtKeyUsage: uses,
			KeyUsage:    x509.KeyUsageDigitalSignature}
		der, err := x509.CreateCertificate(rand.Reader, tmpl, caCert, &k.PublicKey, caKey)
		if err != nil {
			t.Fatal(err)
		}
		kder, err := x509.MarshalECPrivateKey(k)
		if err != nil {
			t.Fatal(err)
		}
		write(name+".pem", "CERTIFICATE", der)
		write(name+".key", "EC PRIVATE KEY", kder)
	}
	return ca
}
