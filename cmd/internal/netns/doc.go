// Package netns builds a small network of Linux network namespaces for tests of real
// processes under real network faults: a switch namespace holding a bridge, and one
// namespace per host, joined to the bridge by a veth pair whose outer end lives in the
// switch namespace. Nothing is created in the namespace of the calling process, so
// every packet stays inside the test's namespaces.
//
// A host is cut off by taking its link down (Cut) and joined again by bringing it up
// (Restore): its TCP connections see silence, not resets, as in a real partition.
// Delay and loss (Netem) need the kernel's netem queueing discipline; where it is
// missing Netem returns ErrNoNetem. Programs run in a host with the prefix of Wrap
// (ip netns exec), and this process reaches a host's network through Dialer, which
// opens each socket from a thread that has entered the host's namespace.
//
// Names are unique per run (they carry the process id and a random tag), so parallel
// runs do not collide; Close deletes everything, and New first deletes what runs that
// died left behind. Everything needs root and the ip command (iproute2): Available
// says why not.
package netns
