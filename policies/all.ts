// Every policy of the pack, in domain order. Separate from index.ts because constructing the
// PolicyPack starts a gRPC server: tests and the offline checker import this list instead.
import { artifactPolicies } from "./artifacts";
import { computePolicies } from "./compute";
import { containerPolicies } from "./containers";
import { gatewayConfigPolicies } from "./gateway-config";
import type { PackPolicy } from "./lib/types";
import { kubernetesPolicies } from "./kubernetes";
import { networkPolicies } from "./network";
import { observabilityPolicies } from "./observability";
import { secretsPolicies } from "./secrets";
import { storagePolicies } from "./storage";

export const allPolicies: PackPolicy[] = [
  ...networkPolicies,
  ...computePolicies,
  ...storagePolicies,
  ...secretsPolicies,
  ...kubernetesPolicies,
  ...containerPolicies,
  ...gatewayConfigPolicies,
  ...artifactPolicies,
  ...observabilityPolicies,
];
