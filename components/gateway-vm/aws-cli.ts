/**
 * The AWS CLI v2 on the host, from AWS's own installer (the snap cannot start inside the units' sandbox and
 * Ubuntu 24.04 has no apt package): a pinned release, installed only when its detached PGP signature verifies
 * against AWS's published signing key, which is carried here rather than fetched next to the artifact it
 * vouches for. AWS publishes no checksums for these archives; the signature is what they offer.
 */

/** The pinned release. Raise it deliberately; the signature check is what lets a new one in. */
export const AWS_CLI_VERSION = "2.22.35";

/** "AWS CLI Team <aws-cli@amazon.com>" (AWS CLI user guide, "Verify the integrity and authenticity"). */
export const AWS_CLI_PGP_FINGERPRINT = "FB5DB77FD5C118B80511ADA8A6310ACC4672475C";

export const AWS_CLI_PGP_KEY = `-----BEGIN PGP PUBLIC KEY BLOCK-----

mQINBF2Cr7UBEADJZHcgusOJl7ENSyumXh85z0TRV0xJorM2B/JL0kHOyigQluUG
ZMLhENaG0bYatdrKP+3H91lvK050pXwnO/R7fB/FSTouki4ciIx5OuLlnJZIxSzx
PqGl0mkxImLNbGWoi6Lto0LYxqHN2iQtzlwTVmq9733zd3XfcXrZ3+LblHAgEt5G
TfNxEKJ8soPLyWmwDH6HWCnjZ/aIQRBTIQ05uVeEoYxSh6wOai7ss/KveoSNBbYz
gbdzoqI2Y8cgH2nbfgp3DSasaLZEdCSsIsK1u05CinE7k2qZ7KgKAUIcT/cR/grk
C6VwsnDU0OUCideXcQ8WeHutqvgZH1JgKDbznoIzeQHJD238GEu+eKhRHcz8/jeG
94zkcgJOz3KbZGYMiTh277Fvj9zzvZsbMBCedV1BTg3TqgvdX4bdkhf5cH+7NtWO
lrFj6UwAsGukBTAOxC0l/dnSmZhJ7Z1KmEWilro/gOrjtOxqRQutlIqG22TaqoPG
fYVN+en3Zwbt97kcgZDwqbuykNt64oZWc4XKCa3mprEGC3IbJTBFqglXmZ7l9ywG
EEUJYOlb2XrSuPWml39beWdKM8kzr1OjnlOm6+lpTRCBfo0wa9F8YZRhHPAkwKkX
XDeOGpWRj4ohOx0d2GWkyV5xyN14p2tQOCdOODmz80yUTgRpPVQUtOEhXQARAQAB
tCFBV1MgQ0xJIFRlYW0gPGF3cy1jbGlAYW1hem9uLmNvbT6JAlQEEwEIAD4CGwMF
CwkIBwIGFQoJCAsCBBYCAwECHgECF4AWIQT7Xbd/1cEYuAURraimMQrMRnJHXAUC
aGveYQUJDMpiLAAKCRCmMQrMRnJHXKBYD/9Ab0qQdGiO5hObchG8xh8Rpb4Mjyf6
0JrVo6m8GNjNj6BHkSc8fuTQJ/FaEhaQxj3pjZ3GXPrXjIIVChmICLlFuRXYzrXc
Pw0lniybypsZEVai5kO0tCNBCCFuMN9RsmmRG8mf7lC4FSTbUDmxG/QlYK+0IV/l
uJkzxWa+rySkdpm0JdqumjegNRgObdXHAQDWlubWQHWyZyIQ2B4U7AxqSpcdJp6I
S4Zds4wVLd1WE5pquYQ8vS2cNlDm4QNg8wTj58e3lKN47hXHMIb6CHxRnb947oJa
pg189LLPR5koh+EorNkA1wu5mAJtJvy5YMsppy2y/kIjp3lyY6AmPT1posgGk70Z
CmToEZ5rbd7ARExtlh76A0cabMDFlEHDIK8RNUOSRr7L64+KxOUegKBfQHb9dADY
qqiKqpCbKgvtWlds909Ms74JBgr2KwZCSY1HaOxnIr4CY43QRqAq5YHOay/mU+6w
hhmdF18vpyK0vfkvvGresWtSXbag7Hkt3XjaEw76BzxQH21EBDqU8WJVjHgU6ru+
DJTs+SxgJbaT3hb/vyjlw0lK+hFfhWKRwgOXH8vqducF95NRSUxtS4fpqxWVaw3Q
V2OWSjbne99A5EPEySzryFTKbMGwaTlAwMCwYevt4YT6eb7NmFhTx0Fis4TalUs+
j+c7Kg92pDx2uQ==
=OBAt
-----END PGP PUBLIC KEY BLOCK-----
`;

export interface AwsCliInstallOptions {
  /** @default AWS_CLI_VERSION */
  version?: string;
  /** Armoured public key the signature must verify against. @default AWS_CLI_PGP_KEY */
  publicKey?: string;
  /** Primary-key fingerprint the signature must name (40 hex). @default AWS_CLI_PGP_FINGERPRINT */
  fingerprint?: string;
  /** @default "https://awscli.amazonaws.com" */
  baseUrl?: string;
  /** Installer targets. @default /usr/local/bin, /usr/local/aws-cli */
  binDir?: string;
  installDir?: string;
}

/** A bash script (run once by cloud-init) that downloads, verifies and installs the pinned CLI, or fails. */
export function awsCliInstallScript(o: AwsCliInstallOptions = {}): string {
  const version = o.version ?? AWS_CLI_VERSION;
  const fpr = o.fingerprint ?? AWS_CLI_PGP_FINGERPRINT;
  const key = (o.publicKey ?? AWS_CLI_PGP_KEY).trim();
  const base = o.baseUrl ?? "https://awscli.amazonaws.com";
  if (!/^\d+\.\d+\.\d+$/.test(version)) throw new Error(`AWS CLI version ${version} must be x.y.z`);
  if (!/^[0-9A-F]{40}$/.test(fpr))
    throw new Error("the AWS CLI signing key fingerprint must be 40 upper-case hex digits");
  if (!/^-----BEGIN PGP PUBLIC KEY BLOCK-----\n[A-Za-z0-9+/=\n:. -]+\n-----END PGP PUBLIC KEY BLOCK-----$/.test(key))
    throw new Error("the AWS CLI signing key must be one armoured PGP public key block");
  if (!/^https:\/\/[a-z0-9.-]+(:\d+)?$|^file:\/\/\/[A-Za-z0-9_./-]+$/.test(base))
    throw new Error(`AWS CLI base URL ${base} must be https://host or file:///path`);
  const zip = `awscli-exe-linux-x86_64-${version}.zip`;
  // file:// only for tests that serve a local release; the host fetches over https and nothing else.
  const proto = base.startsWith("file:") ? "=file" : "=https";
  return `set -euo pipefail
d="$(mktemp -d)"
trap 'rm -rf "$d"' EXIT
export GNUPGHOME="$d/gnupg"
install -d -m 0700 "$GNUPGHOME"
cat >"$d/signer.asc" <<'AWS_CLI_SIGNING_KEY'
${key}
AWS_CLI_SIGNING_KEY
gpg --batch --quiet --import "$d/signer.asc"
curl -fsSL --proto ${proto} --retry 5 -o "$d/awscliv2.zip" '${base}/${zip}'
curl -fsSL --proto ${proto} --retry 5 -o "$d/awscliv2.sig" '${base}/${zip}.sig'
# The status lines decide, not the exit code: a valid signature whose primary key is exactly the pinned one.
# An expired key still yields VALIDSIG (EXPKEYSIG): the pinned release was signed while the key was current,
# and AWS extends the expiry by republishing the same key.
status="$(gpg --batch --status-fd 1 --verify "$d/awscliv2.sig" "$d/awscliv2.zip" 2>/dev/null || true)"
if ! grep -Eq '^\\[GNUPG:\\] VALIDSIG [0-9A-F]{40} .* ${fpr}$' <<<"$status" \\
  || grep -Eq '^\\[GNUPG:\\] (BADSIG|ERRSIG|REVKEYSIG|EXPSIG) ' <<<"$status"; then
  echo "aws-cli install: ${zip} is not signed by ${fpr}; not installing it" >&2
  exit 1
fi
unzip -q "$d/awscliv2.zip" -d "$d/x"
"$d/x/aws/install" --update --bin-dir '${o.binDir ?? "/usr/local/bin"}' --install-dir '${o.installDir ?? "/usr/local/aws-cli"}'
'${o.binDir ?? "/usr/local/bin"}/aws' --version | grep -q '^aws-cli/${version} '
echo "aws-cli install: ${zip} verified (signed by ${fpr}) and installed"
`;
}
