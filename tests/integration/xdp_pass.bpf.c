// SPDX-License-Identifier: MIT
/*
 * The trivial XDP program tests/integration/xdp_dhcp.sh attaches (native mode) to the client end
 * of its veth pair: a veth delivers the frames its peer sends with XDP_TX only when an XDP
 * program runs on the receiving end, so without this the fast path's replies in native mode
 * would be lost. Built at test time: clang -O2 -g -target bpf -c xdp_pass.bpf.c.
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

SEC("xdp")
int xdp_pass(struct xdp_md *ctx)
{
	return XDP_PASS;
}

char _license[] SEC("license") = "GPL";
