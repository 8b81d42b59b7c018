export {
  RotatingSecret,
  type RotatingSecretArgs,
  providerKeyEntries,
  rotationFunctionName,
  reloadDocumentName,
} from "./rotating-secret";
export {
  rotationHostAddon,
  rotationArtifacts,
  type HostAddon,
  type HostFile,
  type RotationHostAddonArgs,
} from "./host-addon";
export { hostPaths, renderFetchScript, renderReloadScript, renderSecretsUnit } from "./host-scripts";
export { rotationLambdaPolicy, instanceSecretStatements, keyPolicy, reloadDocumentContent } from "./policies";
