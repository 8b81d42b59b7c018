/** Small IPv4 CIDR arithmetic for subnet planning (pure, tested in test/network/cidr.test.ts). */

export function ipToInt(ip: string): number {
  return ip.split(".").reduce((n, o) => n * 256 + Number(o), 0);
}

export function intToIp(n: number): string {
  return [24, 16, 8, 0].map((s) => Math.floor(n / 2 ** s) % 256).join(".");
}

export function parseCidr(cidr: string): { base: number; prefix: number } {
  const [ip, p] = cidr.split("/");
  const prefix = Number(p);
  const size = 2 ** (32 - prefix);
  return { base: ipToInt(ip!) - (ipToInt(ip!) % size), prefix };
}

/** The `index`-th block of prefix length `newPrefix` inside `cidr`. */
export function subnetOf(cidr: string, newPrefix: number, index: number): string {
  const { base, prefix } = parseCidr(cidr);
  if (newPrefix < prefix) throw new Error(`subnet /${newPrefix} is larger than ${cidr}`);
  const count = 2 ** (newPrefix - prefix);
  if (index < 0 || index >= count)
    throw new Error(`${cidr} has only ${count} /${newPrefix} blocks; index ${index} is out of range`);
  return `${intToIp(base + index * 2 ** (32 - newPrefix))}/${newPrefix}`;
}

/** AWS reserves the VPC base + 2 for its DNS resolver. */
export function vpcResolver(cidr: string): string {
  return intToIp(parseCidr(cidr).base + 2);
}
