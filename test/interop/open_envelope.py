#!/usr/bin/env python3
"""An independent reader of the sensitivity envelope, formats 1 and 2, written from docs/FORMAT.md.

JOSE parts with python3-jwcrypto (Debian 1.1): the first policy (format 1: the only one; format 2: version
1 of the lineage) is verified with the protecting owner's public JWK given on the command line (not the one
in the header); in format 2 each later version is verified with the key it names, which must have held
OWNER in the version before, and the write signature with the writer's key, which the policy must grant
EDIT. The grantee's slot is unwrapped with their private JWK. The rest (HKDF, commitment, header MAC, chunk
digests, STREAM AES-256-GCM body) with python3-cryptography and hashlib.

Double Key (FORMAT.md §14): the grantee's slot holds the personal secret; the "double-key" slot is
opened with the key service's RSA private JWK (RSA-OAEP-256 with the OAEP label that binds content id and
label, python3-cryptography), and the file key is HKDF-SHA256 of both halves.

History (FORMAT.md §14.2, §14.4, §14.6, §16): format 2 versions advance by exactly one; witness receipts
name versions of the chain; a format-1 envelope must carry a format-1 policy (a format-2 policy in it is a
downgrade). With --seen HISTORY_JSON (the policy digests, version 1 first, of the head a reader accepted for
this line) a history that does not extend it, nor is an ancestor of it, is a fork; with --seen-cid CID (a
content id seen in format 2) a format-1 envelope with that content id is a downgrade.

The organisation witness (FORMAT.md §16.1, issue 21): with --witness-key JWK_JSON (the organisation's EC P-256
certification key) and --witness-issuer URL, every "org-witness" receipt is verified (alg ES256 in its header, typ
sensitivity-witness+jwt, kid the key's RFC 7638 thumbprint) and must be bound to its version: iss the issuer,
line the content id, pd the digest of that version's policy JWS, prev the digest of the one before (null for
version 1), ver its number, iat an integer. Every version from the first witnessed to the newest must carry one;
and, as a reader in a workspace that requires receipts (unless --witness-optional), at least one version must.
Refusals name the code our reader gives: [E_WITNESS_INVALID], [E_WITNESS_MISSING] (test/vectors/witness.json).
With --witness-head JWS (the receipt a Double Key decrypt answered as the line's head) it is verified the same way,
for this file's line, and judged against the file's chain: "same", "older" or "behind" (printed as "head"), or
[E_FORK] (the head's version at the file's with another digest, or the file's next one replacing another), [E_DOWNGRADE]
(a format-1 copy).

usage: open_envelope.py ENVELOPE OWNER_PUBLIC_JWK_JSON GRANTEE_PRIVATE_JWK_JSON [SERVICE_PRIVATE_JWK_JSON]
                        [--seen HISTORY_JSON] [--seen-cid CID]
                        [--witness-key JWK_JSON --witness-issuer URL [--witness-optional] [--witness-head JWS]]
prints JSON: {"fileKey": hex, "policy": {...}, "plaintext": hex, "jwsHeader": {...}, "jweHeader": {...},
              "versions": [int...], "writer": kid or null, "history": [b64u...], "standing": "new"|"same"|
              "extends"|"older", "witnessed": [int...], "head": {"relation": str, "ver": int}} ("head" with
              --witness-head; for Double Key also "personal" and "organisation": hex)
exits 1 with a message on stderr when any check fails.
"""
import base64
import hashlib
import hmac
import json
import re
import struct
import sys

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF, HKDFExpand
from jwcrypto import jwe, jwk, jws

MAGIC = b"\x89SNS\r\n\x1a\n"
SIGNATURE_SPACE = 1024
FIXED = struct.Struct(">8sHIQ32s32sI")  # magic, version, chunk size, plaintext length, salt, commitment, metadata length
INFO = b"sensitivity-envelope-v1 "


def fail(why):
    print(f"interop: {why}", file=sys.stderr)
    sys.exit(1)


def expand(prk, what, length):
    return HKDFExpand(hashes.SHA256(), length, INFO + what).derive(prk)


def b64u(raw):
    return jwk.base64url_encode(raw)


def verified(compact, key, typ):
    """A compact JWS verified with `key` (alg EdDSA, RFC 8037): its claims and protected header."""
    signed = jws.JWS()
    signed.deserialize(compact)
    signed.verify(key, alg="EdDSA")
    header = signed.jose_header
    header = json.loads(header) if isinstance(header, str) else header
    if header.get("typ") != typ or header.get("kid") != key.thumbprint():
        fail(f"{typ}: wrong typ or kid")
    return json.loads(signed.payload), header


def named_key(claims_key):
    """The Ed25519 public key a document names, after checking its kid is its RFC 7638 thumbprint."""
    key = jwk.JWK(kty="OKP", crv="Ed25519", x=claims_key["x"])
    if key.thumbprint() != claims_key["kid"]:
        fail("a key's kid is not its thumbprint")
    return key


def holds(policy, kid, right):
    return any(g["id"] == kid and right in g["rights"] for g in policy["grants"])


def digest(compact):
    return b64u(hashlib.sha256(compact.encode("ascii")).digest())


def relate(seen, history):
    """How `history` stands to the accepted head `seen` (FORMAT.md §14.4): one position decides."""
    if seen is None:
        return "new"
    at = min(len(seen), len(history)) - 1
    if at >= 0 and seen[at] != history[at]:
        return "fork"
    return "same" if len(history) == len(seen) else "extends" if len(history) > len(seen) else "older"


def integral(value):
    """Whether a JSON value is a number with an integer value within ±(2^53 − 1), as a receipt's ver and iat must be."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return False
    return (isinstance(value, int) or value.is_integer()) and abs(value) <= 2**53 - 1


def same(actual, expected):
    """A receipt's claim equals what the chain says: numbers by value, strings and null by type and value."""
    if isinstance(expected, int):
        return integral(actual) and actual == expected
    return type(actual) is type(expected) and actual == expected


def receipt_claims(value, key, what):
    """The claims of an org-witness receipt whose header says ES256, sensitivity-witness+jwt and the key's thumbprint, and
    whose signature verifies under the pinned key (FORMAT.md §16.1's table); else E_WITNESS_INVALID naming `what`."""
    try:
        signed = jws.JWS()
        signed.deserialize(value)
        header = signed.jose_header
        header = json.loads(header) if isinstance(header, str) else header
        # jwcrypto takes alg=... as a default when the header has none: the header must say ES256 itself.
        if header.get("alg") != "ES256" or header.get("typ") != "sensitivity-witness+jwt" or header.get("kid") != key.thumbprint():
            fail(f"witness [E_WITNESS_INVALID]: {what} has the wrong alg, typ or kid")
        signed.verify(key, alg="ES256")
        claims = json.loads(signed.payload)
    except SystemExit:
        raise
    except Exception as e:  # noqa: BLE001 - a receipt that does not parse or verify is invalid
        fail(f"witness [E_WITNESS_INVALID]: {what} does not verify ({type(e).__name__})")
    if not isinstance(claims, dict) or not integral(claims.get("iat")):
        fail(f"witness [E_WITNESS_INVALID]: {what} has no integer iat")
    return claims


def witnessed(receipts, history, cid, key, issuer, optional):
    """The versions the organisation witnessed (FORMAT.md §16.1, "Reading"): each receipt verified and bound to its version.

    A refusal names its code: E_WITNESS_INVALID (a receipt that does not verify or is bound to something else),
    then E_WITNESS_MISSING (a version from the first witnessed one on without a receipt, or none at all).
    """
    values = {w["pd"]: w["value"] for w in receipts if w["kind"] == "org-witness"}
    done = []
    for i, pd in enumerate(history):
        if pd not in values:
            continue
        claims = receipt_claims(values[pd], key, f"the receipt of version {i + 1}")
        expect = {"iss": issuer, "line": cid, "pd": pd, "prev": history[i - 1] if i > 0 else None, "ver": i + 1}
        # JSON numbers compare by value (3 and 3.0 are one number, as in JavaScript), but a boolean is no number
        # (in Python True == 1) and a string is no null.
        if not all(same(claims.get(k), v) for k, v in expect.items()):
            fail(f"witness [E_WITNESS_INVALID]: the receipt of version {i + 1} is not bound to it")
        done.append(i + 1)
    if not done and not optional:
        fail(f"witness [E_WITNESS_MISSING]: version {len(history)}: no version carries a receipt from the organisation")
    gap = next((v for v in range(done[0], len(history) + 1) if v not in done), None) if done else None
    if gap is not None:
        fail(f"witness [E_WITNESS_MISSING]: version {gap}: a version after the first witnessed one has no receipt")
    return done


DIGEST = re.compile(r"[A-Za-z0-9_-]{43}")


def head_relation(value, key, issuer, cid, history, version):
    """How the file stands to the head a Double Key decrypt answered (FORMAT.md §16.1, "The head a decrypt answers").

    Returns ("same" | "older" | "behind", the head's version); refuses E_WITNESS_INVALID (the receipt, its issuer, its
    line, or claims that are no registration) or E_FORK (a head at the file's version with another digest, or the
    file's next version replacing another one), and a format-1 copy of a line with a head E_DOWNGRADE.
    """
    claims = receipt_claims(value, key, "the head")
    pd, prev, ver = claims.get("pd"), claims.get("prev"), claims.get("ver")
    registration = (
        isinstance(pd, str) and DIGEST.fullmatch(pd)
        and (prev is None or (isinstance(prev, str) and DIGEST.fullmatch(prev)))
        and integral(ver) and ver >= 1 and (ver == 1) == (prev is None)
    )
    if not same(claims.get("iss"), issuer) or not same(claims.get("line"), cid) or not registration:
        fail("witness [E_WITNESS_INVALID]: the head is not a registration of this file's line by the organisation")
    if version == 1:
        fail("witness [E_DOWNGRADE]: a format-1 copy of a line the organisation witnesses in format 2")
    n, ver = len(history), int(ver)
    if ver < n:
        return "behind", ver
    if (ver == n and pd != history[-1]) or (ver == n + 1 and prev != history[-1]):
        fail(f"witness [E_FORK]: the organisation's version {ver} is not on this file's line")
    return ("same" if ver == n else "older"), ver


def options(argv):
    positional, flags = [], {}
    it = iter(argv)
    for a in it:
        if a in ("--seen", "--seen-cid", "--witness-key", "--witness-issuer", "--witness-head"):
            flags[a] = next(it)
        elif a == "--witness-optional":
            flags[a] = True
        else:
            positional.append(a)
    return positional, flags


def main():
    positional, flags = options(sys.argv[1:])
    path, owner_json, grantee_json = positional[:3]
    service_json = positional[3] if len(positional) > 3 else None
    data = open(path, "rb").read()
    magic, version, chunk_size, length, salt, commitment, meta_len = FIXED.unpack_from(data, 0)
    if magic != MAGIC or version not in (1, 2):
        fail("not an envelope of format 1 or 2")
    header_len = FIXED.size + meta_len + 32
    header = data[:header_len]
    meta = json.loads(header[FIXED.size:FIXED.size + meta_len].decode("utf-8"))

    # The policy: compact JWSs, alg EdDSA (RFC 8037). The first is verified with the owner key we were given.
    owner = jwk.JWK(**json.loads(owner_json))
    chain = meta.get("lineage", []) + [meta["policy"]] if version == 2 else [meta["policy"]]
    policy, jws_header = verified(chain[0], owner, "sensitivity-policy+json")
    if version == 1 and policy.get("v") != 1:
        fail("downgrade: a format-2 policy in a format-1 envelope")
    if version == 1 and flags.get("--seen-cid") == policy["cid"]:
        fail("downgrade: a format-1 envelope with a content id seen in format 2")
    if version == 2 and (policy["ver"] != 1 or "prev" in policy or not holds(policy, policy["owner"]["id"], "OWNER")):
        fail("lineage: version 1 is not signed by an owner it names")
    versions = [policy.get("ver")]
    for before_jws, compact in zip(chain, chain[1:]):
        before = policy
        signer = json.loads(jwk.base64url_decode(compact.split(".")[1]))["owner"]["sig"]
        if not holds(before, signer["kid"], "OWNER"):
            fail("lineage: a version is signed by a key that was not an owner before")
        policy, jws_header = verified(compact, named_key(signer), "sensitivity-policy+json")
        if policy["cid"] != before["cid"] or policy["ver"] != before["ver"] + 1:
            fail("lineage: a version is not the one before plus one")
        if policy["prev"] != b64u(hashlib.sha256(before_jws.encode("ascii")).digest()):
            fail("lineage: prev does not name the version before")
        versions.append(policy["ver"])
    history = [digest(c) for c in chain] if version == 2 else []
    receipts = meta.get("witness", []) if version == 2 else []
    named = [(w["pd"], w["kind"]) for w in receipts]
    if any(pd not in history for pd, _ in named) or len(set(named)) != len(named):
        fail("witness: a receipt names no version of the chain, or one twice")
    standing = relate(json.loads(flags["--seen"]), history) if "--seen" in flags and version == 2 else "new"
    if standing == "fork":
        fail("fork: this history does not extend the one seen")
    witness_key = jwk.JWK(**json.loads(flags["--witness-key"])) if "--witness-key" in flags else None
    witness = witnessed(receipts, history, policy["cid"], witness_key, flags.get("--witness-issuer"), "--witness-optional" in flags) if witness_key else []
    head = head_relation(flags["--witness-head"], witness_key, flags.get("--witness-issuer"), policy["cid"], history, version) if witness_key and "--witness-head" in flags else None

    # Format 2: the write block after the header: chunk digests, then the writer's signature over them.
    count = max(1, -(-length // chunk_size))
    body_at, digests, writer, write = header_len, None, None, None
    if version == 2:
        digests = data[header_len:header_len + 32 * count]
        (sig_len,) = struct.unpack_from(">H", data, header_len + 32 * count)
        signature = data[header_len + 32 * count + 2:header_len + 32 * count + 2 + sig_len].decode("ascii")
        unsigned = json.loads(jwk.base64url_decode(signature.split(".")[1]))
        write, _ = verified(signature, named_key(unsigned["sig"]), "sensitivity-write+json")
        writer = write["sig"]["kid"]
        if not holds(policy, writer, "EDIT"):
            fail("the writer is not granted EDIT")
        body_at = header_len + 32 * count + SIGNATURE_SPACE

    # The grantee's slot: a compact JWE, ECDH-ES+A256KW with A256GCM, to their X25519 key.
    grantee = jwk.JWK(**json.loads(grantee_json))
    kid = grantee.thumbprint()
    slot = next((s for s in meta["slots"] if s.get("kind") == "x25519-jwe" and s.get("kid") == kid), None)
    if slot is None:
        fail("no slot for this key")
    wrapped = jwe.JWE()
    wrapped.deserialize(slot["jwe"], key=grantee)
    file_key = wrapped.payload
    jwe_header = wrapped.jose_header
    if len(file_key) != 32:
        fail("file key is not 32 bytes")

    # Double Key: the slot held the personal half; the key service opens the organisation half.
    halves = {}
    double = [s for s in meta["slots"] if s.get("kind") == "double-key"]
    if double:
        dk = policy.get("dk")
        if len(double) != 1 or dk is None or dk["kid"] != double[0]["kid"] or not dk["kid"].startswith(dk["url"] + "/"):
            fail("double-key slot does not match the signed policy")
        if service_json is None:
            fail("double key: the key service's private key is needed")
        service = jwk.JWK(**json.loads(service_json))
        label = b"sensitivity-dke/1\x00" + policy["cid"].encode() + b"\x00" + policy["label"]["id"].encode()
        oaep = padding.OAEP(mgf=padding.MGF1(hashes.SHA256()), algorithm=hashes.SHA256(), label=label)
        organisation = service.get_op_key("unwrapKey").decrypt(base64.b64decode(double[0]["value"], validate=True), oaep)
        if len(organisation) != 32:
            fail("organisation secret is not 32 bytes")
        halves = {"personal": file_key.hex(), "organisation": organisation.hex()}
        file_key = HKDF(hashes.SHA256(), 32, salt=None, info=INFO + b"double key").derive(file_key + organisation)
    elif "dk" in policy:
        fail("the signed policy names a key service but there is no double-key slot")

    # Key commitment, header MAC, policy binding — all before any decryption.
    expected = HKDF(hashes.SHA256(), 32, salt=None, info=INFO + b"key commitment").derive(file_key)
    if not hmac.compare_digest(expected, commitment):
        fail("key commitment mismatch")
    prk = hmac.new(salt, file_key, hashlib.sha256).digest()  # HKDF-Extract (RFC 5869 §2.2)
    content_key = expand(prk, b"content key", 32)
    mac_key = expand(prk, b"header mac key", 32)
    prefix = expand(prk, b"nonce prefix", 7)
    if not hmac.compare_digest(hmac.new(mac_key, header[:-32], hashlib.sha256).digest(), header[-32:]):
        fail("header MAC mismatch")
    if policy["cmt"] != b64u(commitment):
        fail("policy is not bound to this file key")
    if version == 2 and (write["hdr"] != b64u(hashlib.sha256(header).digest()) or write["chunks"] != b64u(hashlib.sha256(digests).digest())):
        fail("the write signature does not cover this header and body")

    # STREAM body: nonce = prefix(7) || counter u32 BE || last flag; AAD = SHA-256(header).
    aad = hashlib.sha256(header).digest()
    aes = AESGCM(content_key)
    out, at = bytearray(), body_at
    for i in range(count):
        size = chunk_size if i < count - 1 else length - (count - 1) * chunk_size
        sealed = data[at:at + size + 16]
        if len(sealed) != size + 16:
            fail("truncated")
        if digests is not None and hashlib.sha256(sealed).digest() != digests[32 * i:32 * i + 32]:
            fail(f"chunk {i} does not match its signed digest")
        nonce = prefix + struct.pack(">IB", i, 1 if i == count - 1 else 0)
        out += aes.decrypt(nonce, sealed, aad)
        at += size + 16
    if at != len(data):
        fail("trailing data")

    print(json.dumps({
        "fileKey": file_key.hex(),
        "policy": policy,
        "plaintext": bytes(out).hex(),
        "jwsHeader": jws_header,
        "versions": versions,
        "writer": writer,
        "history": history,
        "standing": standing,
        "witnessed": witness,
        **({"head": {"relation": head[0], "ver": head[1]}} if head else {}),
        "jweHeader": json.loads(jwe_header) if isinstance(jwe_header, str) else jwe_header,
        **halves,
    }))


if __name__ == "__main__":
    try:
        main()
    except SystemExit:
        raise
    except Exception as e:  # noqa: BLE001 - any library failure is a failed check
        fail(f"{type(e).__name__}: {e}")
