// CIDR and port arithmetic for the security-group and container-port rules.
import ipaddr from "ipaddr.js";

/** Ports that must never be reachable from the internet: the gateway, its bridge/browser ports, remote admin. */
export const ADMIN_PORTS = [22, 3389, 5985, 5986, 2375, 2376, 6443, 10250, 18789, 18790, 18791];

export function isAnyCidr(cidr: unknown): boolean {
  if (typeof cidr !== "string") return false;
  return reachesInternet([cidr.trim()]);
}

/** Protocol "-1" / "all" means every port, whatever fromPort/toPort say; ICMP has types, not ports. */
export function portRange(protocol: unknown, fromPort: unknown, toPort: unknown): [number, number] {
  const kind = protocolKind(protocol);
  if (kind === "all") return [0, 65535];
  if (kind === "icmp" || kind === "other") return [-1, -1];
  const from = typeof fromPort === "number" ? fromPort : Number(fromPort ?? 0);
  const to = typeof toPort === "number" ? toPort : Number(toPort ?? from);
  // AWS treats from=0,to=0 on tcp as port 0 only; a missing range on tcp/udp is invalid anyway.
  return [Math.min(from, to), Math.max(from, to)];
}

export function exposedAdminPorts(range: [number, number], ports: number[] = ADMIN_PORTS): number[] {
  return ports.filter((p) => p >= range[0] && p <= range[1]);
}

function ipv4ToInt(ip: string): number | undefined {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(ip);
  if (!m) return undefined;
  const parts = m.slice(1).map(Number);
  if (parts.some((n) => n > 255)) return undefined;
  return ((parts[0] << 24) >>> 0) + (parts[1] << 16) + (parts[2] << 8) + parts[3];
}

/** Loopback, RFC 1918, CGNAT (Tailscale's 100.64/10), link-local, IPv6 loopback/ULA. */
export function isPrivateAddress(ip: string): boolean {
  const a = ip.trim().replace(/^\[|\]$/g, "");
  if (a === "::1" || /^f[cd][0-9a-f]{2}:/i.test(a) || /^fe80:/i.test(a)) return true;
  const n = ipv4ToInt(a);
  if (n === undefined) return false;
  const inNet = (base: string, bits: number) => {
    const b = ipv4ToInt(base)!;
    const mask = bits === 0 ? 0 : (~0 << (32 - bits)) >>> 0;
    return (n & mask) >>> 0 === (b & mask) >>> 0;
  };
  return (
    inNet("127.0.0.0", 8) ||
    inNet("10.0.0.0", 8) ||
    inNet("172.16.0.0", 12) ||
    inNet("192.168.0.0", 16) ||
    inNet("100.64.0.0", 10) ||
    inNet("169.254.0.0", 16)
  );
}

// Set arithmetic over the address space: how much of the public internet a list of CIDRs covers.

/** IPv4 space no internet host can source traffic from (RFC 6890 special-purpose, private, CGNAT). */
const NON_PUBLIC_V4 = [
  "0.0.0.0/8",
  "10.0.0.0/8",
  "100.64.0.0/10",
  "127.0.0.0/8",
  "169.254.0.0/16",
  "172.16.0.0/12",
  "192.0.0.0/24",
  "192.0.2.0/24",
  "192.168.0.0/16",
  "198.18.0.0/15",
  "198.51.100.0/24",
  "203.0.113.0/24",
  "224.0.0.0/3",
];

type Interval = [number, number];
function v4Interval(cidr: string): Interval | undefined {
  try {
    const [addr, bits] = ipaddr.IPv4.parseCIDR(cidr);
    const start = addr.toByteArray().reduce((a, b) => a * 256 + b, 0);
    const size = 2 ** (32 - bits);
    const base = start - (start % size);
    return [base, base + size - 1];
  } catch {
    return undefined;
  }
}
const NON_PUBLIC_INTERVALS = NON_PUBLIC_V4.map((c) => v4Interval(c)!);

/** Merges overlapping intervals so a sum counts each address once. */
function union(xs: Interval[]): Interval[] {
  const s = [...xs].sort((a, b) => a[0] - b[0]);
  const out: Interval[] = [];
  for (const x of s) {
    const last = out[out.length - 1];
    if (last && x[0] <= last[1] + 1) last[1] = Math.max(last[1], x[1]);
    else out.push([...x]);
  }
  return out;
}

/** Number of public IPv4 addresses in a set of CIDRs (duplicates and overlaps counted once). */
export function publicV4Addresses(cidrs: string[]): number {
  const set = union(cidrs.map(v4Interval).filter((x): x is Interval => !!x));
  let total = 0;
  for (const [a, b] of set) {
    let n = b - a + 1;
    for (const [c, d] of NON_PUBLIC_INTERVALS) {
      const lo = Math.max(a, c);
      const hi = Math.min(b, d);
      if (lo <= hi) n -= hi - lo + 1;
    }
    total += n;
  }
  return total;
}

/** The largest IPv6 public block in the list, as a prefix length (128 when none). */
export function widestPublicV6(cidrs: string[]): number {
  let best = 129;
  for (const c of cidrs) {
    try {
      const [addr, bits] = ipaddr.IPv6.parseCIDR(c);
      if (addr.isIPv4MappedAddress()) continue;
      // ::/0 and any block reaching into global unicast (2000::/3) is public; ULA, link-local, loopback are not.
      const range = addr.range();
      if (bits <= 3 || range === "unicast" || range === "6to4" || range === "teredo" || range === "unspecified")
        best = Math.min(best, bits);
    } catch {
      // not IPv6
    }
  }
  return best;
}

/**
 * Is this set of sources "the internet"? More than a /16's worth of public IPv4 addresses, or a public
 * IPv6 block of /32 or wider. 0.0.0.0/1 + 128.0.0.0/1, ::/0 and 64.0.0.0/2 all count; an office /24 does not.
 */
export const PUBLIC_V4_THRESHOLD = 2 ** 16;
export function reachesInternet(cidrs: string[]): boolean {
  return publicV4Addresses(cidrs) > PUBLIC_V4_THRESHOLD || widestPublicV6(cidrs) <= 32;
}

/** IANA protocol numbers and names the AWS APIs accept; ICMP type/code are not ports. */
export function protocolKind(protocol: unknown): "all" | "ports" | "icmp" | "other" {
  const p = String(protocol ?? "")
    .trim()
    .toLowerCase();
  if (p === "-1" || p === "all" || p === "") return p === "" ? "ports" : "all";
  if (p === "tcp" || p === "udp" || p === "6" || p === "17" || p === "sctp" || p === "132") return "ports";
  if (p === "icmp" || p === "1" || p === "icmpv6" || p === "58") return "icmp";
  return "other";
}
