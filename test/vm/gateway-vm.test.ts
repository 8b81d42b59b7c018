import { parse } from "yaml";
import { describe, expect, it } from "vitest";
import { GatewayVm } from "../../components/gateway-vm/gateway-vm";
import { sessionManagerStatements } from "../../components/gateway-vm/iam";
import { dataVolumeFstab, gatewayUnit } from "../../components/gateway-vm/units";
import { renderHostEnv, renderUserData } from "../../components/gateway-vm/user-data";
import { one, valueOf, withMocks } from "../helpers/mocks";
import { testConfig } from "../helpers/config";

const cfg = testConfig();

type VmArgs = ConstructorParameters<typeof GatewayVm>[1];

function vmArgs(extra: Partial<VmArgs> = {}): VmArgs {
  return {
    vm: cfg.vm,
    subnetId: "subnet-1",
    availabilityZone: "us-east-1a",
    securityGroupId: "sg-1",
    stack: "test",
    region: "us-east-1",
    image: "ghcr.io/openclaw/openclaw:2026.9.6",
    composeYaml: "services: {}\n",
    gatewayConfigJson: "{}\n",
    hostFacts: { AWS_REGION: "us-east-1" },
    addons: [
      {
        files: [{ path: "/etc/systemd/system/x.service", content: "[Service]\n", permissions: "0644" }],
        enableUnits: ["x.service"],
        policyStatements: [{ Effect: "Allow", Action: ["s3:PutObject"], Resource: ["arn:aws:s3:::b/p/*"] }],
      },
    ],
    tags: { "openclaw:stack": "test" },
    ...extra,
  };
}

function build(extra: Partial<VmArgs> = {}) {
  return withMocks(() => new GatewayVm("gw", vmArgs(extra)));
}

describe("GatewayVm", () => {
  it("registers a hardened instance: IMDSv2 hop 1, encrypted root, no key pair, no public IP", async () => {
    const { resources } = await build();
    const i = one(resources, "aws:ec2/instance:Instance").inputs;
    expect(i.metadataOptions).toMatchObject({ httpTokens: "required", httpPutResponseHopLimit: 1 });
    expect(i.rootBlockDevice.encrypted).toBe(true);
    expect(i.keyName).toBeUndefined();
    expect(i.associatePublicIpAddress).toBe(false);
    expect(i.userData.startsWith("#cloud-config\n")).toBe(true);
  });

  it("keeps state on a separate encrypted volume, attached to the instance", async () => {
    const { resources } = await build();
    expect(one(resources, "aws:ebs/volume:Volume").inputs).toMatchObject({
      encrypted: true,
      size: cfg.vm.dataVolumeGiB,
      availabilityZone: "us-east-1a",
    });
    expect(one(resources, "aws:ec2/volumeAttachment:VolumeAttachment").inputs.deviceName).toBe("/dev/sdf");
  });

  it("gives the role Session Manager (no managed policy), the boundary and exactly the addons' statements", async () => {
    const { resources } = await build({ permissionsBoundary: "arn:aws:iam::123456789012:policy/openclaw-x-boundary" });
    expect(resources.filter((r) => r.type === "aws:iam/rolePolicyAttachment:RolePolicyAttachment")).toEqual([]);
    expect(one(resources, "aws:iam/role:Role").inputs.permissionsBoundary).toBe(
      "arn:aws:iam::123456789012:policy/openclaw-x-boundary",
    );
    const policies = resources.filter((r) => r.type === "aws:iam/rolePolicy:RolePolicy");
    const byName = Object.fromEntries(policies.map((r) => [r.name, JSON.parse(r.inputs.policy).Statement]));
    expect(byName["gw-ssm"]).toEqual(sessionManagerStatements());
    expect(JSON.stringify(byName["gw-ssm"])).not.toMatch(/ssm:GetParameter|ssm:\*|"\*:\*"/);
    // The addons' statements, then the release path's own (read its document, snapshot its state volume).
    expect(byName["gw-units"][0]).toEqual({
      Effect: "Allow",
      Action: ["s3:PutObject"],
      Resource: ["arn:aws:s3:::b/p/*"],
    });
    expect(byName["gw-units"].slice(1).map((x: { Sid: string }) => x.Sid)).toEqual([
      "ReadOwnReleaseDocument",
      "StateManagerOnOwnInstance",
      "StateManagerOwnAssociation",
      "SnapshotOwnStateVolume",
      "CreatePreUpgradeSnapshots",
      "TagSnapshotsAtCreation",
    ]);
  });

  it("writes the addon's files and enables its units before the gateway", async () => {
    const { value } = await build();
    const ud = parse((await valueOf(value.userData)).replace(/^#cloud-config\n/, ""));
    expect(ud.write_files.map((f: { path: string }) => f.path)).toContain("/etc/systemd/system/x.service");
    const enabled = ud.runcmd.filter((c: string[]) => c[1] === "enable").map((c: string[]) => c.at(-1));
    expect(enabled).toEqual(["x.service", "openclaw-release.service", "openclaw-gateway.service"]);
    // The release is not in the user data: it reaches the host through the release document.
    const paths = ud.write_files.map((f: { path: string }) => f.path);
    expect(paths).not.toContain("/etc/openclaw/compose.yaml");
    expect(paths).not.toContain("/etc/openclaw/openclaw.json");
  });

  it("refuses a public address without a reason, before registering anything", () => {
    expect(() => new GatewayVm("gw", vmArgs({ associatePublicIp: true }))).toThrow(/publicIpReason/);
  });
});

describe("host renderers", () => {
  it("fstab line formats only blank volumes and waits for the attachment", () => {
    expect(dataVolumeFstab("vol-0123456789abcdef0")).toBe(
      "/dev/disk/by-id/nvme-Amazon_Elastic_Block_Store_vol0123456789abcdef0 /var/lib/openclaw ext4 defaults,nodev,nosuid,noexec,nofail,x-systemd.makefs,x-systemd.device-timeout=10min 0 2\n",
    );
    expect(() => dataVolumeFstab("/dev/sdf")).toThrow(/EBS volume id/);
  });

  it("host.env refuses values systemd would interpret", () => {
    expect(renderHostEnv({ AWS_REGION: "us-east-1" })).toContain('AWS_REGION="us-east-1"');
    expect(() => renderHostEnv({ X: "a$b" })).toThrow(/characters/);
    expect(() => renderHostEnv({ "bad-key": "a" })).toThrow(/not an environment variable/);
  });

  it("user data has no login user, no SSH, and rejects two writers of one file", () => {
    const ud = parse(renderUserData({ files: [], enableUnits: [] }).replace(/^#cloud-config\n/, ""));
    expect(ud.users).toEqual([
      { name: "openclaw", uid: 1000, lock_passwd: true, shell: "/usr/sbin/nologin", no_create_home: true },
    ]);
    expect(ud.ssh_pwauth).toBe(false);
    expect(ud.runcmd[0]).toEqual(["systemctl", "disable", "--now", "ssh.socket", "ssh.service"]);
    const f = { path: "/a", content: "x", permissions: "0644" };
    expect(() => renderUserData({ files: [f, f], enableUnits: [] })).toThrow(/two host files/);
    expect(() => renderUserData({ files: [{ ...f, permissions: "644" }], enableUnits: [] })).toThrow(/octal/);
  });

  it("gateway unit waits for secrets and the data volume, and fixes ownership for uid 1000", () => {
    const u = gatewayUnit().content;
    expect(u).toContain("Requires=docker.service openclaw-secrets.service");
    expect(u).toContain("RequiresMountsFor=/var/lib/openclaw");
    expect(u).toContain("ExecStartPre=+/usr/bin/install -d -m 0700 -o 1000 -g 1000 /var/lib/openclaw/state");
    expect(u).toMatch(
      /ExecStart=\/usr\/bin\/docker compose -p openclaw -f \/etc\/openclaw\/compose.yaml up --detach --wait/,
    );
  });
});
