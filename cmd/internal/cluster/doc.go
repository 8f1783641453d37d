// Package cluster holds what ensnode and ensctl share: the cluster's shape (its name,
// the member nodes and their addresses, the ensembles), read from flags or a small
// JSON file, the secret and TLS files, and the transport built from them.
package cluster
