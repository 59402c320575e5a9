/* SPDX-License-Identifier: MIT */
/*
 * Header cursors for XDP programs: each parser checks that its header lies inside the packet
 * before anything reads it, so the verifier's bounds checks live here and nowhere else. Each
 * returns the next protocol (or length) and moves the cursor past the header, or -1 when the
 * packet is too short for it.
 */
#ifndef BOOTHERD_PARSING_H
#define BOOTHERD_PARSING_H

#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/ip.h>
#include <linux/udp.h>
#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>

struct hdr_cursor {
	void *pos;
};

struct vlan_hdr {
	__be16 tci;
	__be16 encap_proto;
};

static __always_inline int proto_is_vlan(__u16 h_proto)
{
	return h_proto == bpf_htons(ETH_P_8021Q) || h_proto == bpf_htons(ETH_P_8021AD);
}

/*
 * Ethernet and at most one VLAN tag. Returns the EtherType (network order) after the tag, and
 * the tag's VLAN id in @vlan (0 when untagged); -1 when short, -2 for a second tag (QinQ is
 * left to the kernel).
 */
static __always_inline int parse_ethhdr_vlan(struct hdr_cursor *nh, void *data_end,
					     struct ethhdr **ethhdr, __u32 *vlan, __u32 *l2_len)
{
	struct ethhdr *eth = nh->pos;
	struct vlan_hdr *vh;
	__u16 h_proto;

	if ((void *)(eth + 1) > data_end)
		return -1;
	nh->pos = eth + 1;
	*ethhdr = eth;
	*vlan = 0;
	*l2_len = sizeof(*eth);
	h_proto = eth->h_proto;
	if (!proto_is_vlan(h_proto))
		return h_proto;
	vh = nh->pos;
	if ((void *)(vh + 1) > data_end)
		return -1;
	nh->pos = vh + 1;
	*vlan = bpf_ntohs(vh->tci) & 0x0fff;
	*l2_len += sizeof(*vh);
	if (proto_is_vlan(vh->encap_proto))
		return -2;
	return vh->encap_proto;
}

/* An IPv4 header without options; -1 when short, -2 when it has options or is not IPv4. */
static __always_inline int parse_iphdr_plain(struct hdr_cursor *nh, void *data_end,
					     struct iphdr **iphdr)
{
	struct iphdr *iph = nh->pos;

	if ((void *)(iph + 1) > data_end)
		return -1;
	if (iph->version != 4 || iph->ihl != 5)
		return -2;
	nh->pos = iph + 1;
	*iphdr = iph;
	return iph->protocol;
}

/* A UDP header; returns its length field (host order), or -1 when short. */
static __always_inline int parse_udphdr(struct hdr_cursor *nh, void *data_end,
					struct udphdr **udphdr)
{
	struct udphdr *h = nh->pos;

	if ((void *)(h + 1) > data_end)
		return -1;
	nh->pos = h + 1;
	*udphdr = h;
	return bpf_ntohs(h->len);
}

/* Folds a 32-bit one's complement sum to 16 bits. */
static __always_inline __u16 csum_fold32(__u64 sum)
{
	sum = (sum & 0xffffffff) + (sum >> 32);
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	return (__u16)sum;
}

#endif
