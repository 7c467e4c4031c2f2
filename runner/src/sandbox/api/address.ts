import { BlockList, isIP } from 'node:net';

/**
 * Addresses a participant's endpoint may not make the runner talk to: the runner's own
 * machine, its private network, link-local space (cloud metadata services live at
 * 169.254.169.254), and addresses that are not a single host. An organiser can allow named
 * hosts, for example a local test server.
 */
const blocked = new BlockList();
const v4: [string, number, string][] = [
  ['0.0.0.0', 8, 'this network'],
  ['10.0.0.0', 8, 'private'],
  ['100.64.0.0', 10, 'shared address space'],
  ['127.0.0.0', 8, 'loopback'],
  ['169.254.0.0', 16, 'link-local (cloud metadata)'],
  ['172.16.0.0', 12, 'private'],
  ['192.0.0.0', 24, 'protocol assignments'],
  ['192.168.0.0', 16, 'private'],
  ['198.18.0.0', 15, 'benchmarking'],
  ['224.0.0.0', 4, 'multicast'],
  ['240.0.0.0', 4, 'reserved'],
];
const v6: [string, number, string][] = [
  ['::', 128, 'unspecified'],
  ['::1', 128, 'loopback'],
  ['fc00::', 7, 'unique local (private)'],
  ['fe80::', 10, 'link-local'],
  ['ff00::', 8, 'multicast'],
  ['64:ff9b::', 96, 'IPv4 translation'],
];
const reasons: { list: BlockList; why: string }[] = [];
for (const [net, prefix, why] of v4) {
  blocked.addSubnet(net, prefix, 'ipv4');
  const one = new BlockList();
  one.addSubnet(net, prefix, 'ipv4');
  reasons.push({ list: one, why });
}
for (const [net, prefix, why] of v6) {
  blocked.addSubnet(net, prefix, 'ipv6');
  const one = new BlockList();
  one.addSubnet(net, prefix, 'ipv6');
  reasons.push({ list: one, why });
}

/** Why an address may not be contacted, or undefined when it is a public host. */
export function forbiddenReason(address: string): string | undefined {
  let a = address.replace(/^\[|\]$/g, '').split('%')[0]!;
  // IPv4-mapped IPv6 (::ffff:10.0.0.1) is the IPv4 address in disguise.
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(a);
  if (mapped) a = mapped[1]!;
  const family = isIP(a);
  if (family === 0) return 'not an IP address';
  const type = family === 4 ? 'ipv4' : 'ipv6';
  if (!blocked.check(a, type)) return undefined;
  return reasons.find((r) => r.list.check(a, type))?.why ?? 'not a public address';
}
