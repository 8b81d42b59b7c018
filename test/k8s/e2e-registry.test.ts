/**
 * The loopback registry the k8s e2e pulls the gateway image from (e2e/k8s/registry.ts), run as a real
 * process on a real port: containerd verifies every digest it is served, so a wrong digest or media type
 * here would fail the e2e's pod start with an opaque pull error.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const sha = (b: Buffer | string) => `sha256:${createHash("sha256").update(b).digest("hex")}`;

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

const root = mkdtempSync(path.join(tmpdir(), "e2e-registry-"));
// A classic `docker save` archive: manifest.json, the config file, one layer.tar per layer.
const config = Buffer.from('{"architecture":"amd64","os":"linux","rootfs":{"type":"layers"}}');
const layer = Buffer.from("pretend this is a tar stream".repeat(100));
// An OCI layout: index.json pointing at a manifest blob by digest, the tag in an annotation.
const ociManifest = Buffer.from('{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json"}');

let proc: ChildProcess;
let base: string;

beforeAll(async () => {
  const classic = path.join(root, "gateway");
  mkdirSync(path.join(classic, "abc"), { recursive: true });
  writeFileSync(path.join(classic, "cfg.json"), config);
  writeFileSync(path.join(classic, "abc", "layer.tar"), layer);
  writeFileSync(
    path.join(classic, "manifest.json"),
    JSON.stringify([{ Config: "cfg.json", RepoTags: ["openclaw-gateway:2026.9.6"], Layers: ["abc/layer.tar"] }]),
  );
  const oci = path.join(root, "oci-image");
  mkdirSync(path.join(oci, "blobs", "sha256"), { recursive: true });
  writeFileSync(path.join(oci, "blobs", "sha256", sha(ociManifest).slice(7)), ociManifest);
  writeFileSync(
    path.join(oci, "index.json"),
    JSON.stringify({
      schemaVersion: 2,
      manifests: [
        {
          mediaType: "application/vnd.oci.image.manifest.v1+json",
          digest: sha(ociManifest),
          size: ociManifest.length,
          annotations: { "org.opencontainers.image.ref.name": "1.0" },
        },
      ],
    }),
  );

  const port = await freePort();
  base = `http://127.0.0.1:${port}`;
  const tsx = path.resolve("node_modules/.bin/tsx");
  proc = spawn(tsx, ["e2e/k8s/registry.ts", root, String(port)], { stdio: ["ignore", "pipe", "pipe"] });
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error("registry did not start")), 20_000);
    proc.stdout?.on("data", (d: Buffer) => {
      if (d.toString().includes("listening")) {
        clearTimeout(timer);
        resolve();
      }
    });
    proc.once("exit", (code) => reject(new Error(`registry exited ${code}`)));
  });
});

afterAll(() => {
  proc?.kill();
  rmSync(root, { recursive: true, force: true });
});

describe("e2e/k8s/registry.ts", () => {
  it("answers the API version check", async () => {
    const r = await fetch(`${base}/v2/`);
    expect(r.status).toBe(200);
    expect(r.headers.get("docker-distribution-api-version")).toBe("registry/2.0");
  });

  it("serves a docker save archive as a schema-2 manifest whose digests are the files' own", async () => {
    const r = await fetch(`${base}/v2/gateway/manifests/2026.9.6`);
    expect(r.status).toBe(200);
    expect(r.headers.get("content-type")).toBe("application/vnd.docker.distribution.manifest.v2+json");
    const body = Buffer.from(await r.arrayBuffer());
    expect(r.headers.get("docker-content-digest")).toBe(sha(body));
    const m = JSON.parse(body.toString());
    expect(m.config).toEqual({
      mediaType: "application/vnd.docker.container.image.v1+json",
      digest: sha(config),
      size: config.length,
    });
    expect(m.layers).toEqual([
      { mediaType: "application/vnd.docker.image.rootfs.diff.tar", digest: sha(layer), size: layer.length },
    ]);
    // The same manifest by digest (containerd re-fetches it that way), and each blob byte for byte.
    const byDigest = await fetch(`${base}/v2/gateway/manifests/${sha(body)}`);
    expect(Buffer.from(await byDigest.arrayBuffer()).equals(body)).toBe(true);
    const blob = await fetch(`${base}/v2/gateway/blobs/${sha(layer)}`);
    expect(Buffer.from(await blob.arrayBuffer()).equals(layer)).toBe(true);
  });

  it("serves an OCI layout's manifest by its tag annotation with the index's media type", async () => {
    const r = await fetch(`${base}/v2/oci-image/manifests/1.0`);
    expect(r.status).toBe(200);
    expect(r.headers.get("content-type")).toBe("application/vnd.oci.image.manifest.v1+json");
    expect(Buffer.from(await r.arrayBuffer()).equals(ociManifest)).toBe(true);
  });

  it("answers 404 for unknown tags, blobs and repositories, and 405 for pushes", async () => {
    expect((await fetch(`${base}/v2/gateway/manifests/latest`)).status).toBe(404);
    expect((await fetch(`${base}/v2/gateway/blobs/${sha("nothing")}`)).status).toBe(404);
    expect((await fetch(`${base}/v2/../etc/manifests/x`)).status).toBe(404);
    expect((await fetch(`${base}/v2/other/manifests/1.0`)).status).toBe(404);
    expect((await fetch(`${base}/v2/gateway/blobs/uploads/`, { method: "POST" })).status).toBe(405);
  });
});
