import { describe, expect, it } from "vitest";
import {
  BASIC_AUTH_HASH_ENV,
  GATEWAY_BEARER_PATHS,
  renderCaddyfile,
  type CaddyfileInput,
} from "../../components/ingress/caddyfile";

const base: CaddyfileInput = {
  domain: "gateway.example.com",
  acmeEmail: "ops@example.com",
  upstream: "172.30.89.2:18789",
  maxRequestBodyMiB: 10,
};

/** The site block for the domain (between `<domain> {` and the matching top-level `}`). */
function siteBlock(caddyfile: string, address: string): string {
  const start = caddyfile.indexOf(`\n${address} {\n`);
  expect(start, `site ${address} missing`).toBeGreaterThanOrEqual(0);
  const end = caddyfile.indexOf("\n}\n", start + 1);
  return caddyfile.slice(start, end);
}

describe("renderCaddyfile", () => {
  const cases: { name: string; input: CaddyfileInput; present: RegExp[]; absent: RegExp[] }[] = [
    {
      name: "basic auth on: UI protected, bearer paths and /healthz outside it, basic credentials stripped",
      input: { ...base, basicAuth: { username: "alice" } },
      present: [
        /@protected not path \/healthz \/tools\/\* \/v1\/\* \/api\/\* \/hooks\/\*/,
        /basicauth @protected bcrypt "OpenClaw" \{\n\t+alice \{env\.CADDY_BASIC_AUTH_HASH\}\n/,
        /request_header @protected -Authorization/,
      ],
      absent: [/\$2[aby]\$/],
    },
    {
      name: "basic auth off: no basicauth, nothing stripped (the gateway token is the only auth)",
      input: base,
      present: [/reverse_proxy 172\.30\.89\.2:18789/],
      absent: [/basicauth/, /-Authorization/, /@protected/],
    },
    {
      name: "production: ACME e-mail, no internal CA, no test bind",
      input: base,
      present: [
        /^\temail ops@example\.com$/m,
        /^\tadmin off$/m,
        /^\thttp_port 8080$/m,
        /^\thttps_port 8443$/m,
        /^gateway\.example\.com \{$/m,
        /^http:\/\/gateway\.example\.com \{$/m,
      ],
      absent: [/tls internal/, /skip_install_trust/, /^\tbind 127\.0\.0\.1\n\ttls/m],
    },
    {
      name: "test shape: internal CA, loopback bind, chosen ports, no ACME e-mail",
      input: {
        ...base,
        domain: "localhost",
        httpPort: 18080,
        httpsPort: 18443,
        healthPort: 18081,
        test: { tlsInternal: true, bind: "127.0.0.1" },
      },
      present: [
        /^\ttls internal$/m,
        /^\tbind 127\.0\.0\.1$/m,
        /^\thttps_port 18443$/m,
        /^http:\/\/127\.0\.0\.1:18081 \{$/m,
        /skip_install_trust/,
      ],
      absent: [/email /],
    },
    {
      name: "security headers, JSON access log, body limit in bytes and MiB",
      input: { ...base, maxRequestBodyMiB: 3 },
      present: [
        /Strict-Transport-Security "max-age=31536000; includeSubDomains"/,
        /X-Content-Type-Options nosniff/,
        /X-Frame-Options DENY/,
        /Referrer-Policy no-referrer/,
        /^\t\t-Server$/m,
        /output stdout\n\t+format json/,
        /max_size 3MiB/,
        /int\(\{http\.request\.header\.Content-Length\}\) > 3145728`/,
        /respond @oversize "request body too large" 413/,
        /header_up X-Forwarded-For \{remote_host\}/,
      ],
      absent: [/trusted_proxies/],
    },
  ];

  for (const c of cases) {
    it(c.name, () => {
      const out = renderCaddyfile(c.input);
      for (const re of c.present) expect(out).toMatch(re);
      for (const re of c.absent) expect(out).not.toMatch(re);
    });
  }

  it("keeps every bearer path and /healthz out of basic auth, and nothing else", () => {
    const out = renderCaddyfile({ ...base, basicAuth: { username: "openclaw" } });
    const line = out.split("\n").find((l) => l.includes("@protected not path"))!;
    const excluded = line.trim().split(/\s+/).slice(3);
    expect(excluded).toEqual(["/healthz", ...GATEWAY_BEARER_PATHS]);
    // Root, the Control UI and its WebSocket are not excluded.
    expect(excluded).not.toContain("/*");
    expect(excluded).not.toContain("/");
  });

  it("production site and redirect listen on every interface; only the health site is bound to loopback", () => {
    const out = renderCaddyfile(base);
    expect(siteBlock(out, "gateway.example.com")).not.toMatch(/\bbind\b/);
    expect(siteBlock(out, "http://gateway.example.com")).not.toMatch(/\bbind\b/);
    expect(siteBlock(out, "http://127.0.0.1:8081")).toMatch(/^\tbind 127\.0\.0\.1$/m);
  });

  it("redirects plain HTTP to https on the published port 443 (Caddy's own redirect would name 8443)", () => {
    const out = renderCaddyfile(base);
    expect(out).toMatch(/^\tauto_https disable_redirects$/m);
    expect(siteBlock(out, "http://gateway.example.com")).toMatch(/redir https:\/\/\{host\}\{uri\} 308/);
  });

  it("headers and auth live in the TLS site, not in the redirect block", () => {
    const out = renderCaddyfile({ ...base, basicAuth: { username: "openclaw" } });
    expect(siteBlock(out, "gateway.example.com")).toMatch(/Strict-Transport-Security/);
    expect(siteBlock(out, "http://gateway.example.com")).not.toMatch(/reverse_proxy|basicauth/);
  });

  it("names the env var the host writes the hash into", () => {
    expect(BASIC_AUTH_HASH_ENV).toBe("CADDY_BASIC_AUTH_HASH");
  });

  it.each([0, -1, 1.5])("rejects maxRequestBodyMiB %s with the config key in the message", (n) => {
    expect(() => renderCaddyfile({ ...base, maxRequestBodyMiB: n })).toThrow(/openclaw:caddy\.maxRequestBodyMiB/);
  });

  it("quotes a realm with spaces and quotes", () => {
    const out = renderCaddyfile({ ...base, basicAuth: { username: "u", realm: 'My "UI"' } });
    expect(out).toContain('bcrypt "My \\"UI\\"" {');
  });
});
