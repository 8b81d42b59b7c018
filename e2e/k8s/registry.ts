/**
 * A read-only image registry on loopback for the k8s e2e. The stack's pods use `imagePullPolicy: Always`, so
 * the kubelet has containerd pull on every start, and containerd asks a registry: this serves the pull side
 * of the distribution API (`/v2/`, manifests by tag or digest, blobs) for the images `docker save` wrote
 * (extracted) under `<root>/<repository>/`. Both of `docker save`'s formats are read: an OCI layout
 * (`index.json`, tags from `org.opencontainers.image.ref.name`) and the classic archive (`manifest.json`
 * with `RepoTags`, one `layer.tar` per layer), for which a schema-2 manifest is made with the digests of
 * the files as they are (uncompressed layers, which containerd accepts).
 *
 * Usage: tsx e2e/k8s/registry.ts <root> <port>   (prints "listening <port>" once every image is indexed)
 */
import { createHash } from "node:crypto";
import { createReadStream, existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { createServer } from "node:http";
import * as path from "node:path";

interface Manifest {
  mediaType: string;
  body: Buffer;
}

interface Repository {
  /** Manifests by tag and by digest. */
  manifests: Map<string, Manifest>;
  /** Blob files by digest. */
  blobs: Map<string, string>;
}

async function fileDigest(file: string): Promise<string> {
  const hash = createHash("sha256");
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return `sha256:${hash.digest("hex")}`;
}

function addManifest(repo: Repository, tags: string[], m: Manifest): void {
  const digest = `sha256:${createHash("sha256").update(m.body).digest("hex")}`;
  repo.manifests.set(digest, m);
  for (const t of tags) repo.manifests.set(t, m);
}

function readOciLayout(dir: string, repo: Repository): void {
  const blobDir = path.join(dir, "blobs", "sha256");
  for (const f of readdirSync(blobDir)) repo.blobs.set(`sha256:${f}`, path.join(blobDir, f));
  const index = JSON.parse(readFileSync(path.join(dir, "index.json"), "utf8")) as {
    manifests: { mediaType: string; digest: string; annotations?: Record<string, string> }[];
  };
  for (const d of index.manifests) {
    const file = repo.blobs.get(d.digest);
    if (!file) throw new Error(`${dir}: index.json names ${d.digest}, which is not in blobs/`);
    const tag = d.annotations?.["org.opencontainers.image.ref.name"];
    addManifest(repo, tag ? [tag] : [], { mediaType: d.mediaType, body: readFileSync(file) });
  }
}

async function readDockerArchive(dir: string, repo: Repository): Promise<void> {
  const entries = JSON.parse(readFileSync(path.join(dir, "manifest.json"), "utf8")) as {
    Config: string;
    RepoTags: string[] | null;
    Layers: string[];
  }[];
  for (const e of entries) {
    const described = async (file: string, mediaType: string) => {
      const p = path.join(dir, file);
      const digest = await fileDigest(p);
      repo.blobs.set(digest, p);
      return { mediaType, digest, size: statSync(p).size };
    };
    const config = await described(e.Config, "application/vnd.docker.container.image.v1+json");
    const layers = [];
    for (const l of e.Layers) layers.push(await described(l, "application/vnd.docker.image.rootfs.diff.tar"));
    const mediaType = "application/vnd.docker.distribution.manifest.v2+json";
    const body = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType, config, layers }));
    addManifest(
      repo,
      (e.RepoTags ?? []).map((t) => t.slice(t.lastIndexOf(":") + 1)),
      { mediaType, body },
    );
  }
}

async function main(): Promise<void> {
  const [root, portArg] = process.argv.slice(2);
  if (!root || !portArg) {
    console.error("usage: registry.ts <root> <port>");
    process.exit(2);
  }
  const repos = new Map<string, Repository>();
  for (const name of readdirSync(root)) {
    const dir = path.join(root, name);
    const repo: Repository = { manifests: new Map(), blobs: new Map() };
    if (existsSync(path.join(dir, "index.json"))) readOciLayout(dir, repo);
    else if (existsSync(path.join(dir, "manifest.json"))) await readDockerArchive(dir, repo);
    else throw new Error(`${dir}: neither an OCI layout (index.json) nor a docker save archive (manifest.json)`);
    repos.set(name, repo);
  }

  const server = createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://registry");
    const head = req.method === "HEAD";
    const send = (status: number, headers: Record<string, string | number>, body?: Buffer | string) => {
      res.writeHead(status, { "Docker-Distribution-API-Version": "registry/2.0", ...headers });
      if (head || body === undefined) res.end();
      else if (Buffer.isBuffer(body)) res.end(body);
      else createReadStream(body).pipe(res);
    };
    if (req.method !== "GET" && !head) return send(405, {});
    if (url.pathname === "/v2/" || url.pathname === "/v2") return send(200, { "Content-Type": "application/json" });
    const m = /^\/v2\/(.+)\/(manifests|blobs)\/([^/]+)$/.exec(url.pathname);
    const repo = m ? repos.get(m[1]) : undefined;
    if (!m || !repo) return send(404, {});
    if (m[2] === "manifests") {
      const man = repo.manifests.get(m[3]);
      if (!man) return send(404, {});
      const digest = `sha256:${createHash("sha256").update(man.body).digest("hex")}`;
      return send(
        200,
        { "Content-Type": man.mediaType, "Content-Length": man.body.length, "Docker-Content-Digest": digest },
        man.body,
      );
    }
    const file = repo.blobs.get(m[3]);
    if (!file) return send(404, {});
    send(
      200,
      {
        "Content-Type": "application/octet-stream",
        "Content-Length": statSync(file).size,
        "Docker-Content-Digest": m[3],
      },
      file,
    );
  });
  server.listen(Number(portArg), "127.0.0.1", () => console.log(`listening ${portArg}`));
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? e.message : e);
  process.exit(1);
});
