/**
 * First boot of the VM: the secrets unit retries until the first token exists, however long that takes, and
 * the AWS CLI is a pinned release installed only when AWS's signature verifies. The install script runs for
 * real here (bash, gpg, curl over file://, unzip) against releases this test signs itself.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import {
  AWS_CLI_PGP_FINGERPRINT,
  AWS_CLI_PGP_KEY,
  AWS_CLI_VERSION,
  awsCliInstallScript,
} from "../../components/gateway-vm/aws-cli";
import { gatewayUnit } from "../../components/gateway-vm/units";
import { renderUserData } from "../../components/gateway-vm/user-data";
import { renderSecretsUnit } from "../../components/rotating-secret/host-scripts";

/**
 * gpg starts a gpg-agent per home directory that outlives the test (and the directory); each holds inotify
 * instances, of which a user has 128, and a machine that runs the suite often runs out (the kubelet of the k8s
 * e2e then cannot start). Every home a test makes has its agent stopped.
 */
function stopAgent(home: string): void {
  spawnSync("gpgconf", ["--homedir", home, "--kill", "gpg-agent"]);
}

const section = (unit: string, name: string) =>
  (new RegExp(`^\\[${name}\\]\\n([\\s\\S]*?)(?=^\\[|(?![\\s\\S]))`, "m").exec(unit)?.[1] ?? "").split("\n");

describe("openclaw-secrets.service retries until the first token exists", () => {
  const unit = renderSecretsUnit();
  const dir = mkdtempSync(join(tmpdir(), "oc-secrets-unit-"));
  writeFileSync(join(dir, "openclaw-secrets.service"), unit);

  it("restarts on failure, never gives up, and the gateway waits for it", () => {
    expect(section(unit, "Service")).toEqual(expect.arrayContaining(["Type=oneshot", "Restart=on-failure"]));
    expect(section(unit, "Service").find((l) => l.startsWith("RestartSec="))).toMatch(/^RestartSec=\d+s$/);
    // Start-rate limiting would stop the retries after 5 attempts in 10 s by default: off.
    expect(section(unit, "Unit")).toContain("StartLimitIntervalSec=0");
    const gw = section(gatewayUnit().content, "Unit");
    expect(gw.find((l) => l.startsWith("Requires="))).toContain("openclaw-secrets.service");
    expect(gw.find((l) => l.startsWith("After="))).toContain("openclaw-secrets.service");
  });

  it("systemd-analyze verify accepts Restart= on this oneshot; exposure stays <= 2.0", () => {
    const v = spawnSync("systemd-analyze", ["verify", "--man=no", "openclaw-secrets.service"], {
      cwd: dir,
      encoding: "utf8",
    });
    const problems = (v.stdout + v.stderr)
      .split("\n")
      .filter((l) => l.trim() && !/not found|is not executable|No such file/.test(l));
    expect(problems).toEqual([]);
    const s = execFileSync("systemd-analyze", ["security", "--offline=true", "openclaw-secrets.service"], {
      cwd: dir,
      encoding: "utf8",
    });
    expect(Number(/Overall exposure level for \S+: ([\d.]+)/.exec(s)![1])).toBeLessThanOrEqual(2.0);
  });
});

describe("the AWS CLI: pinned, signature-checked", () => {
  it("user data installs exactly the pinned release, verified against AWS's key, never the moving zip", () => {
    const ud = parse(renderUserData({ files: [], enableUnits: [] }).replace(/^#cloud-config\n/, ""));
    expect(ud.packages).toContain("gpg");
    const install = ud.runcmd.find((c: string[]) => c.join(" ").includes("awscli"));
    expect(install.slice(0, 2)).toEqual(["bash", "-c"]);
    const script: string = install[2];
    expect(script).toContain(`https://awscli.amazonaws.com/awscli-exe-linux-x86_64-${AWS_CLI_VERSION}.zip'`);
    expect(script).toContain(`awscli-exe-linux-x86_64-${AWS_CLI_VERSION}.zip.sig'`);
    expect(script).not.toMatch(/awscli-exe-linux-x86_64\.zip/);
    expect(script).toContain(AWS_CLI_PGP_FINGERPRINT);
    expect(script).toContain(AWS_CLI_PGP_KEY.trim());
    expect(script).toContain("--proto =https ");
  });

  it("the embedded key is AWS CLI Team's, with the pinned fingerprint", () => {
    const home = mkdtempSync(join(tmpdir(), "oc-gpg-"));
    chmodSync(home, 0o700);
    let listing: string;
    try {
      execFileSync("gpg", ["--batch", "--quiet", "--import"], {
        input: AWS_CLI_PGP_KEY,
        env: { ...process.env, GNUPGHOME: home },
      });
      listing = execFileSync("gpg", ["--batch", "--with-colons", "--fingerprint"], {
        encoding: "utf8",
        env: { ...process.env, GNUPGHOME: home },
      });
    } finally {
      stopAgent(home);
      rmSync(home, { recursive: true, force: true });
    }
    expect(listing.match(/^fpr:+([0-9A-F]{40}):/m)![1]).toBe(AWS_CLI_PGP_FINGERPRINT);
    expect(listing).toContain("AWS CLI Team <aws-cli@amazon.com>");
  });

  it("shellcheck passes on the install script", () => {
    const f = join(mkdtempSync(join(tmpdir(), "oc-awscli-sc-")), "install.sh");
    writeFileSync(f, `#!/bin/bash\n${awsCliInstallScript()}`);
    const r = spawnSync("shellcheck", ["-S", "style", f], { encoding: "utf8" });
    expect(r.stdout + r.stderr).toBe("");
  });

  describe("installs only a release signed by the pinned key", () => {
    const T = mkdtempSync(join(tmpdir(), "oc-awscli-"));
    const version = "2.0.1";
    const zipName = `awscli-exe-linux-x86_64-${version}.zip`;
    const gpgAs = (home: string, args: string[], input?: string) =>
      execFileSync("gpg", ["--batch", "--quiet", "--passphrase", "", "--pinentry-mode", "loopback", ...args], {
        env: { ...process.env, GNUPGHOME: home },
        encoding: "utf8",
        input,
      });
    const keyring = (name: string, extra: string[] = []) => {
      const home = join(T, name);
      mkdirSync(home, { mode: 0o700 });
      gpgAs(home, [...extra, "--quick-gen-key", `${name} <${name}@example.com>`, "rsa2048", "sign", "1y"]);
      const fpr = gpgAs(home, ["--with-colons", "--fingerprint"]).match(/^fpr:+([0-9A-F]{40}):/m)![1];
      return { home, fpr, pub: gpgAs(home, ["--armor", "--export"]) };
    };
    let signer: ReturnType<typeof keyring>;
    let other: ReturnType<typeof keyring>;
    let expired: ReturnType<typeof keyring>;

    /** A release directory: the zip (its installer writes a fake `aws`) and a detached signature. */
    function release(name: string, sign: { home: string; extra?: string[] }, tamper = false): string {
      const rel = join(T, name);
      const build = join(rel, "build", "aws");
      mkdirSync(build, { recursive: true });
      writeFileSync(
        join(build, "install"),
        `#!/bin/bash\nset -e\nwhile [ $# -gt 0 ]; do case "$1" in --bin-dir) b="$2"; shift 2;; --install-dir) i="$2"; shift 2;; *) shift;; esac; done\nmkdir -p "$b" "$i"\nprintf '#!/bin/sh\\necho "aws-cli/${version} Python/3.12 Linux"\\n' > "$b/aws"\nchmod 0755 "$b/aws"\n`,
        { mode: 0o755 },
      );
      execFileSync("zip", ["-qr", join(rel, zipName), "aws"], { cwd: join(rel, "build") });
      gpgAs(sign.home, [...(sign.extra ?? []), "--detach-sign", "-o", join(rel, `${zipName}.sig`), join(rel, zipName)]);
      if (tamper)
        writeFileSync(join(rel, zipName), Buffer.concat([readFileSync(join(rel, zipName)), Buffer.from("x")]));
      return rel;
    }

    function install(rel: string, key: { pub: string; fpr: string }) {
      const out = join(rel, "out");
      const script = awsCliInstallScript({
        version,
        publicKey: key.pub,
        fingerprint: key.fpr,
        baseUrl: `file://${rel}`,
        binDir: join(out, "bin"),
        installDir: join(out, "lib"),
      });
      const r = spawnSync("bash", ["-c", script], { encoding: "utf8", env: { PATH: process.env.PATH, HOME: T } });
      return { ...r, installed: existsSync(join(out, "bin", "aws")) };
    }

    afterAll(() => {
      for (const k of [signer, other, expired]) if (k) stopAgent(k.home);
      rmSync(T, { recursive: true, force: true });
    });

    beforeAll(() => {
      signer = keyring("signer");
      other = keyring("other");
      // A key that expired after signing: AWS's published key copy can be past its expiry date.
      expired = keyring("expired", ["--faked-system-time", "20200101T000000"]);
    });

    it("a release signed by the pinned key installs", () => {
      const r = install(release("good", { home: signer.home }), signer);
      expect(r.stderr).toBe("");
      expect(r.status).toBe(0);
      expect(r.installed).toBe(true);
      expect(r.stdout).toContain(`verified (signed by ${signer.fpr})`);
    });

    it("a release signed by another key is refused and nothing is installed", () => {
      const r = install(release("foreign", { home: other.home }), signer);
      expect(r.status).toBe(1);
      expect(r.stderr).toContain(`is not signed by ${signer.fpr}; not installing it`);
      expect(r.installed).toBe(false);
    });

    it("a tampered release is refused", () => {
      const r = install(release("tampered", { home: signer.home }, true), signer);
      expect(r.status).toBe(1);
      expect(r.stderr).toContain("not installing it");
      expect(r.installed).toBe(false);
    });

    it("a missing signature fails the install", () => {
      const rel = release("unsigned", { home: signer.home });
      execFileSync("rm", [join(rel, `${zipName}.sig`)]);
      const r = install(rel, signer);
      expect(r.status).not.toBe(0);
      expect(r.installed).toBe(false);
    });

    it("a valid signature from the pinned key still counts after the key's expiry date", () => {
      const r = install(
        release("expired", { home: expired.home, extra: ["--faked-system-time", "20200601T000000"] }),
        expired,
      );
      expect(r.status, r.stderr).toBe(0);
      expect(r.installed).toBe(true);
    });
  });
});
