/**
 * The Caddyfile the e2e suite serves: the stack's own renderer (components/ingress/caddyfile.ts) with the
 * stack's own inputs, plus only its test option (`tls internal` instead of ACME, listeners bound to all
 * addresses inside the container). First it proves the inputs are the stack's: rendering them without the
 * test option must give the rendered artifact byte for byte. Then it checks that the test variant differs
 * from it in exactly the TLS lines, so nothing else of what the stack renders is changed for the test.
 *
 * usage: tsx e2e/caddyfile.ts --stack caddy --rendered <plan>/caddy/Caddyfile --out <dir>/Caddyfile
 */
import * as fs from "node:fs";
import { parseArgs } from "node:util";
import { rawFromYaml, resolveConfig } from "../components/config/load";
import { GATEWAY_PORT } from "../components/container/spec";
import { renderCaddyfile, type CaddyfileInput } from "../components/ingress/caddyfile";
import { GATEWAY_ADDRESS } from "../components/ingress/plan";
import { applyOverrides, stackFiles } from "../tools/lib/plan";

/** The same inputs components/ingress/modes/caddy.ts (caddyPlan) passes. */
export function stackCaddyInput(stack: string): CaddyfileInput {
  const { config } = resolveConfig(stack, applyOverrides(rawFromYaml(stackFiles({ stack }))));
  const c = config.caddy;
  if (config.ingress !== "caddy" || !c.domain)
    throw new Error(`stack ${stack}: openclaw:ingress is ${config.ingress}, not caddy with a domain`);
  return {
    domain: c.domain,
    acmeEmail: c.acmeEmail,
    upstream: `${GATEWAY_ADDRESS}:${GATEWAY_PORT}`,
    basicAuth: c.basicAuth.enabled ? { username: c.basicAuth.username } : undefined,
    maxRequestBodyMiB: c.maxRequestBodyMiB,
  };
}

/** Lines only in a (-) and only in b (+), as multisets. */
export function lineDiff(a: string, b: string): { removed: string[]; added: string[] } {
  const count = (s: string) =>
    s
      .split("\n")
      .map((l) => l.trim())
      .reduce((m, l) => m.set(l, (m.get(l) ?? 0) + 1), new Map<string, number>());
  const ca = count(a);
  const cb = count(b);
  const only = (x: Map<string, number>, y: Map<string, number>) =>
    [...x].flatMap(([l, n]) => Array(Math.max(0, n - (y.get(l) ?? 0))).fill(l));
  return { removed: only(ca, cb), added: only(cb, ca) };
}

/** What the test option may change: ACME e-mail out; internal CA, its trust-store skip and the bind lines in. */
export function allowedTestChange(d: { removed: string[]; added: string[] }): boolean {
  const removedOk = d.removed.every((l) => /^email \S+$/.test(l));
  const addedOk = d.added.every((l) => l === "tls internal" || l === "skip_install_trust" || /^bind \S+$/.test(l));
  return removedOk && addedOk && d.added.includes("tls internal");
}

if (require.main === module) {
  const { values } = parseArgs({
    options: {
      stack: { type: "string" },
      rendered: { type: "string" },
      out: { type: "string" },
      bind: { type: "string", default: "0.0.0.0" },
    },
  });
  if (!values.stack || !values.rendered || !values.out) {
    console.error(
      "usage: tsx e2e/caddyfile.ts --stack caddy --rendered <plan>/caddy/Caddyfile --out <file> [--bind 0.0.0.0]",
    );
    process.exit(2);
  }
  const input = stackCaddyInput(values.stack);
  const rendered = fs.readFileSync(values.rendered, "utf8");
  if (renderCaddyfile(input) !== rendered) {
    console.error(
      `FAIL the stack's Caddyfile inputs do not reproduce ${values.rendered}: components/ingress/modes/caddy.ts changed its renderCaddyfile call; update stackCaddyInput`,
    );
    process.exit(1);
  }
  const test = renderCaddyfile({ ...input, test: { tlsInternal: true, bind: values.bind! } });
  const d = lineDiff(rendered, test);
  if (!allowedTestChange(d)) {
    console.error(
      `FAIL the renderer's test option changes more than TLS: -${JSON.stringify(d.removed)} +${JSON.stringify(d.added)}`,
    );
    process.exit(1);
  }
  fs.writeFileSync(values.out, test);
  console.log(`test Caddyfile = rendered one with -${JSON.stringify(d.removed)} +${JSON.stringify(d.added)}`);
}
