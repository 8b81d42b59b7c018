"""Starts moto's Secrets Manager on 127.0.0.1:<port>, with RotateSecret reduced to what the service does
before it invokes the rotation function, because moto 5.2 does something else without a Lambda:

- AWS records the ClientRequestToken as a value-less AWSPENDING version (also on a secret that has no
  version yet, as the stack creates the token secret), enables rotation with the given rules, then calls
  the function. moto without a Lambda ARN instead promotes that empty version to AWSCURRENT itself.
- AWS rejects a new rotation while an AWSPENDING version that is not AWSCURRENT exists, unless the call
  reattempts that very version ("A previous rotation isn't complete").
- AWS UpdateSecretVersionStage attaches AWSCURRENT without RemoveFromVersionId when no version holds it;
  moto 5.2 raises IndexError (HTTP 500) there.
The four steps are then driven by the drill, never by moto. Everything else is moto as released.
"""
import sys
import time
import uuid

from moto.secretsmanager.exceptions import InvalidRequestException, SecretNotFoundException
from moto.secretsmanager.models import SecretsManagerBackend
from moto.server import ThreadedMotoServer


def rotate_secret(self, secret_id, client_request_token=None, rotation_lambda_arn=None, rotation_rules=None, rotate_immediately=True):
    if not self._is_valid_identifier(secret_id):
        raise SecretNotFoundException()
    secret = self.secrets[secret_id]
    token = client_request_token or str(uuid.uuid4())
    pending = [v for v, d in secret.versions.items() if "AWSPENDING" in d["version_stages"] and "AWSCURRENT" not in d["version_stages"]]
    if pending and pending[0] != token:
        raise InvalidRequestException("A previous rotation isn't complete. That rotation will be reattempted.")
    days = (rotation_rules or {}).get("AutomaticallyAfterDays")
    if days:
        secret.auto_rotate_after_days = days
        secret.next_rotation_date = int(time.time()) + int(days) * 86400
        secret.rotation_enabled = True
    secret.rotation_lambda_arn = rotation_lambda_arn or ""
    secret.rotation_requested = True
    if token not in secret.versions:
        secret.versions[token] = {"createdate": int(time.time()), "version_id": token, "version_stages": ["AWSPENDING"]}
    secret.last_rotation_date = int(time.time())
    return secret.to_short_dict()


SecretsManagerBackend.rotate_secret = rotate_secret

_orig_update = SecretsManagerBackend.update_secret_version_stage


def update_secret_version_stage(self, secret_id, version_stage, remove_from_version_id, move_to_version_id):
    secret = self.secrets[secret_id] if secret_id in self.secrets else None
    if (
        secret is not None
        and version_stage == "AWSCURRENT"
        and not remove_from_version_id
        and move_to_version_id in secret.versions
        and not any("AWSCURRENT" in v["version_stages"] for v in secret.versions.values())
    ):
        secret.versions[move_to_version_id]["version_stages"].append("AWSCURRENT")
        secret.set_default_version_id(move_to_version_id)
        return secret.arn, secret.name
    return _orig_update(self, secret_id, version_stage, remove_from_version_id, move_to_version_id)


SecretsManagerBackend.update_secret_version_stage = update_secret_version_stage

if __name__ == "__main__":
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=int(sys.argv[1]), verbose=False)
    server.start()
    print("moto listening", flush=True)
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        server.stop()
