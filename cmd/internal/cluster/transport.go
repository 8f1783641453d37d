package cluster

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"strings"
	"time"

	"github.com/ensroute/ensroute/router"
	"github.com/ensroute/ensroute/router/nettransport"
)

// Transport builds the transport of node id from the options: the secret, the TLS
// files, the heartbeat and redial (Heartbeat), and the addresses of every member but
// id itself. edit, if not nil, adjusts
// the config first (a program's own flags).
func (o *Options) Transport(id router.NodeID, inc router.Incarnation, log *slog.Logger, edit func(*nettransport.Config)) (*nettransport.Transport, error) {
	cr, err := o.Credentials()
	if err != nil {
		return nil, err
	}
	peers := map[router.NodeID]string{}
	for p, addr := range o.Peers {
		if p != id {
			peers[p] = addr
		}
	}
	cfg := nettransport.Config{ID: id, Incarnation: inc, Cluster: o.Cluster, Secret: cr.Secret, AcceptSecrets: cr.AcceptSecrets,
		ServerTLS: cr.ServerTLS, ClientTLS: cr.ClientTLS, Peers: peers, Logger: log}
	o.Heartbeat.apply(&cfg)
	if edit != nil {
		edit(&cfg)
	}
	tr, err := nettransport.New(cfg)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrUsage, err)
	}
	if o.CredentialLog != nil {
		log = o.CredentialLog
	}
	o.warnCertificate(tr, log)
	o.warnFileModes(log)
	return tr, nil
}

// Credentials reads the files of --secret-file, --accept-secret-file, and --tls-cert,
// --tls-key and --tls-ca. Errors name the flag or the file.
func (o *Options) Credentials() (nettransport.Credentials, error) {
	var cr nettransport.Credentials
	var err error
	if cr.Secret, err = o.Secret(); err != nil {
		return cr, err
	}
	if cr.AcceptSecrets, err = o.AcceptSecrets(); err != nil {
		return cr, err
	}
	if o.TLSCert != "" {
		if cr.ServerTLS, cr.ClientTLS, err = nettransport.LoadTLS(o.TLSCert, o.TLSKey, o.TLSCA); err != nil {
			return cr, fmt.Errorf("%w: %w", ErrUsage, err)
		}
	}
	return cr, nil
}

// ReloadCredentials reads the credentials' files again (Credentials) and makes them
// tr's, for the handshakes to come: a node does it at SIGHUP, to take a new secret or
// a renewed certificate without a restart. tr drops the connections up whose other
// node proved what the files no longer accept (nettransport.Transport.SetCredentials;
// Stats.Withdrawn counts them). On an error tr keeps those it had: a file
// missing or not valid, a key that does not match its certificate, or a certificate
// expired or not valid yet in place of one valid now (ReloadedCertificateProblem).
func (o *Options) ReloadCredentials(tr *nettransport.Transport, log *slog.Logger) error {
	cr, err := o.Credentials()
	if err != nil {
		return err
	}
	if err := o.ReloadedCertificateProblem(tr.Certificate(), cr.ServerTLS, time.Now()); err != nil {
		return err
	}
	if err := tr.SetCredentials(cr); err != nil {
		return err
	}
	if o.CredentialLog != nil {
		log = o.CredentialLog
	}
	o.warnCertificate(tr, log)
	o.warnFileModes(log)
	return nil
}

// warnFileModes warns of a credentials file that every user of the machine may read
// or write: whoever reads the cluster secret (or a secret accepted beside it) can join
// the cluster, and whoever reads the TLS key can pose as this node. A file readable by
// its group is not warned of (a service's group is a common way to give it its
// secret), nor one whose other users may only execute it (0o601: they can neither
// read nor change it), nor anything but a regular file (a pipe or a descriptor is the
// caller's to guard).
func (o *Options) warnFileModes(log *slog.Logger) {
	type file struct{ flag, name string }
	files := []file{{"--secret-file", o.SecretFile}}
	for _, f := range o.AcceptSecretFiles {
		files = append(files, file{"--accept-secret-file", f})
	}
	if o.TLSKey != "" {
		files = append(files, file{"--tls-key", o.TLSKey})
	}
	for _, f := range files {
		fi, err := os.Stat(f.name)
		if err != nil || !fi.Mode().IsRegular() || fi.Mode().Perm()&0o006 == 0 {
			continue
		}
		log.Warn("a credentials file is open to every user of this machine: whoever reads it can join the cluster, or with the TLS key pose as this node; make it readable by its owner alone (chmod 600)",
			"flag", f.flag, "file", f.name, "mode", fmt.Sprintf("%#o", fi.Mode().Perm()))
	}
}

// warnCertificate warns if the certificate tr presents has expired or is not valid
// yet, or, on a member, does not name the host of its own address in --peers.
func (o *Options) warnCertificate(tr *nettransport.Transport, log *slog.Logger) {
	c := tr.Certificate()
	if c == nil {
		return
	}
	if problem := CertificateProblem(c, time.Now()); problem != "" {
		log.Warn(problem, "tls_cert", o.TLSCert, "not_before", c.NotBefore.UTC(), "not_after", c.NotAfter.UTC())
	}
	id, _ := tr.Identity()
	addr, member := o.Peers[id]
	if problem := ChainProblem(tr.Credentials().ServerTLS, time.Now(), member); problem != "" {
		log.Warn(problem, "tls_cert", o.TLSCert, "tls_ca", o.TLSCA, "issuer", c.Issuer.String())
	}
	if !member {
		return // a client: no node dials it, and its certificate needs no host
	}
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return // checked when --peers was parsed
	}
	if problem := HostProblem(c, host, o.Setting("peers")); problem != "" {
		log.Warn(problem, "tls_cert", o.TLSCert, "host", host, "cert_names", CertificateNames(c))
	}
}

// ChainProblem says why the other nodes of a cluster with mutual TLS will refuse the
// certificate server presents (a node's ServerTLS, which it also presents when it
// dials): it is not signed by a CA of the bundle (server.ClientCAs, from --tls-ca,
// which every node is given alike), or is not for clients or, on a member (which the
// others dial; a client such as ensctl only dials), not for servers (its extended
// key usage: with --tls-ca a member is checked as both). "" when nothing is
// wrong, without a CA (no mutual TLS: the dialers check the certificate against
// their system's roots), or when c is not valid at now (CertificateProblem says so).
// A node starts anyway, warned: the other nodes' bundles are theirs.
func ChainProblem(server *tls.Config, now time.Time, member bool) string {
	if server == nil || server.ClientCAs == nil || len(server.Certificates) == 0 || len(server.Certificates[0].Certificate) == 0 {
		return ""
	}
	chain := server.Certificates[0].Certificate
	c, err := x509.ParseCertificate(chain[0])
	if err != nil || now.Before(c.NotBefore) || now.After(c.NotAfter) {
		return ""
	}
	inter := x509.NewCertPool()
	for _, der := range chain[1:] {
		if ic, err := x509.ParseCertificate(der); err == nil {
			inter.AddCert(ic)
		}
	}
	for _, use := range []struct {
		usage x509.ExtKeyUsage
		what  string
	}{
		{x509.ExtKeyUsageServerAuth, "servers (serverAuth): the other nodes, which dial this one, will refuse it"},
		{x509.ExtKeyUsageClientAuth, "clients (clientAuth): with --tls-ca each node checks the certificate of every node that dials it, and will refuse this one's"},
	} {
		if use.usage == x509.ExtKeyUsageServerAuth && !member {
			continue
		}
		_, err := c.Verify(x509.VerifyOptions{Roots: server.ClientCAs, Intermediates: inter, CurrentTime: now, KeyUsages: []x509.ExtKeyUsage{use.usage}})
		var unknown x509.UnknownAuthorityError
		var invalid x509.CertificateInvalidError
		switch {
		case err == nil:
			continue
		case errors.As(err, &unknown):
			return "the TLS certificate is not signed by a CA of --tls-ca: the other nodes, given the same bundle, will refuse it (give the node a certificate that CA signed, or add its CA to the bundle on every node)"
		case errors.As(err, &invalid) && invalid.Reason == x509.IncompatibleUsage:
			return "the TLS certificate's extended key usage does not allow it for " + use.what
		}
		return fmt.Sprintf("the TLS certificate does not verify against --tls-ca, as the other nodes will check it: %v", err)
	}
	return ""
}

// HostProblem says why the other nodes, which dial this node at host (the host of its
// address in peers, the setting that lists it, such as "--peers") and check its
// certificate c against it, will refuse c: "" when c names host. A node starts anyway, warned: the dialers' view of its address is theirs, and
// a node of a cluster whose certificates are being replaced may run a while with the
// old one.
func HostProblem(c *x509.Certificate, host, peers string) string {
	if err := c.VerifyHostname(host); err == nil {
		return ""
	}
	return fmt.Sprintf("the TLS certificate does not name %s, this node's host in %s, which the other nodes dial and check the certificate against: they will refuse it (give the node a certificate that names %s, as a DNS name or an IP address)", host, peers, host)
}

// CertificateNames lists the names c is valid for, as a dialer checks them: its DNS
// names and IP addresses, or its common name when it has neither (which Go's
// checks ignore, hence the note).
func CertificateNames(c *x509.Certificate) string {
	var names []string
	names = append(names, c.DNSNames...)
	for _, ip := range c.IPAddresses {
		names = append(names, ip.String())
	}
	if len(names) == 0 {
		return fmt.Sprintf("none (common name %q only, which dialers ignore)", c.Subject.CommonName)
	}
	return strings.Join(names, ",")
}

// CertificateProblem says what is wrong with the validity period of c, a node's own
// certificate, at now: "" when nothing is. A node starts anyway (its own clock may be
// the one that is wrong), but the other nodes will most likely refuse it.
func CertificateProblem(c *x509.Certificate, now time.Time) string {
	switch {
	case now.After(c.NotAfter):
		return fmt.Sprintf("the TLS certificate expired %s ago: the other nodes will refuse it (renew it: a node takes the renewed files at SIGHUP)", now.Sub(c.NotAfter).Round(time.Second))
	case now.Before(c.NotBefore):
		wait := c.NotBefore.Sub(now).Round(time.Second)
		if wait < time.Second {
			wait = c.NotBefore.Sub(now).Round(time.Millisecond) // not "0s"
		}
		return fmt.Sprintf("the TLS certificate is not valid for another %s: the other nodes will refuse it until then (or is this machine's clock behind?)", wait)
	}
	return ""
}
