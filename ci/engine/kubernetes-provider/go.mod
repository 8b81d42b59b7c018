// Pins the pulumi-resource-kubernetes plugin's sources: the provider module at the commit the proxy
// serves, and the Go SDK module its go.mod replaces with ../sdk (the proxy has no version of the SDK at
// that commit; v4.25.0 was tagged from the next day's commit). go.sum holds both zips' hashes, so the
// copies build-kubernetes-provider.sh assembles are the verified ones.
module openclaw.local/ci/engine/kubernetes-provider

go 1.25.11

require (
	github.com/pulumi/pulumi-kubernetes/provider/v4 v4.0.0-20260115033456-f47bc2d6f199
	github.com/pulumi/pulumi-kubernetes/sdk/v4 v4.25.0
)
