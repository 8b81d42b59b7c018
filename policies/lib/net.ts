// CIDR and port arithmetic for the security-group and container-port rules.

/** Ports that must never be reachable from the internet: the gateway, its bridge/browser ports, remote admin. */
export const ADMIN_PORTS = [22, 3389, 5985, 5986, 2375, 2376, 6443, 10250, 18789, 18790, 18791];

export function isAnyCidr(cidr: unknown): boolean {
  if (typeof cidr !== "string") return false;
  const c = cidr.trim();
  return c === "0.0.0.0/0" || c === "::/0" || c === "0::0/0" || /^0\.0\.0\.0\/0$/.test(c);
}

/** Protocol "-1" / "all" means every port, whatever fromPort/toPort say. */
export function portRange(protocol: unknown, fromPort: unknown, toPort: unknown): [number, number] {
  const p = String(protocol ?? "").toLowerCase();
  if (p === "-1" || p === "all") return [0, 65535];
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
