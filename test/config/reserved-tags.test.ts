/** No user tag can set or shadow a key the program sets itself, whatever its case. */
import { describe, expect, it } from "vitest";
import { parseStackConfig } from "../../components/config/schema";
import { baseTags, RESERVED_TAG_KEYS, RESERVED_TAG_PREFIX, TAG_KEYS } from "../../components/tags/tags";
import { BASE_VALUES } from "../helpers/config";

function problemsFor(tags: Record<string, string>) {
  const r = parseStackConfig({ stack: "prod", values: { ...BASE_VALUES, tags }, secretKeys: new Set() });
  return r.ok ? [] : r.problems;
}

describe("reserved tag keys", () => {
  it("reserves every key the program sets", () => {
    expect([...RESERVED_TAG_KEYS].sort()).toEqual(Object.values(TAG_KEYS).sort());
  });

  it.each([
    ...Object.values(TAG_KEYS).map((k) => [k]),
    ...Object.values(TAG_KEYS).map((k) => [k.toUpperCase()]),
    [`${RESERVED_TAG_PREFIX}anything`],
    ["OpenClaw:Owner"],
  ])("openclaw:tags rejects %j, naming the key and the fix", (key) => {
    const problems = problemsFor({ [key]: "x" });
    expect(problems).toHaveLength(1);
    expect(problems[0]!.key).toBe(`openclaw:tags.${key}`);
    expect(problems[0]!.message).toMatch(/set by the stack itself.*remove it from openclaw:tags/);
  });

  it.each([["team"], ["cost-center"], ["owner:openclaw"]])("accepts the ordinary key %j", (key) => {
    expect(problemsFor({ [key]: "x" })).toEqual([]);
  });

  it("keeps the program's own values beside the user's tags", () => {
    const t = baseTags("openclaw", "prod", { team: "ops" });
    expect(t).toEqual({
      [TAG_KEYS.project]: "openclaw",
      [TAG_KEYS.stack]: "prod",
      [TAG_KEYS.managedBy]: "pulumi",
      team: "ops",
    });
  });
});
