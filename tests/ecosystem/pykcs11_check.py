"""PyKCS11 (Debian's python3-pykcs11) driving the module, checked with python3-cryptography.

Usage: pykcs11_check.py MODULE TOKEN_LABEL USER_PIN

Generates an EC P-256 key pair and signs with CKM_ECDSA_SHA256 (verified by cryptography on
the key read from CKA_EC_POINT); generates an RSA-2048 key pair, encrypts with cryptography
under RSA-OAEP (SHA-256, label) and decrypts on the token; generates an AES-256 key and
round-trips AES-GCM with AAD, where a changed tag must be refused. Exits non-zero on any
mismatch.
"""

import sys

import PyKCS11
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature

P256_OID = bytes.fromhex("06082a8648ce3d030107")


def fail(message):
    print(f"FAIL: {message}", file=sys.stderr)
    sys.exit(1)


def open_session(module, label, pin):
    lib = PyKCS11.PyKCS11Lib()
    lib.load(module)
    for slot in lib.getSlotList(tokenPresent=True):
        if lib.getTokenInfo(slot).label.strip() == label:
            session = lib.openSession(slot, PyKCS11.CKF_SERIAL_SESSION | PyKCS11.CKF_RW_SESSION)
            session.login(pin)
            return lib, session
    fail(f"no token labelled {label}")


def ec_sign_verify(session):
    public_template = [
        (PyKCS11.CKA_TOKEN, PyKCS11.CK_FALSE),
        (PyKCS11.CKA_EC_PARAMS, P256_OID),
        (PyKCS11.CKA_VERIFY, PyKCS11.CK_TRUE),
    ]
    private_template = [
        (PyKCS11.CKA_TOKEN, PyKCS11.CK_FALSE),
        (PyKCS11.CKA_PRIVATE, PyKCS11.CK_TRUE),
        (PyKCS11.CKA_SENSITIVE, PyKCS11.CK_TRUE),
        (PyKCS11.CKA_SIGN, PyKCS11.CK_TRUE),
    ]
    pub, priv = session.generateKeyPair(
        public_template, private_template,
        mecha=PyKCS11.Mechanism(PyKCS11.CKM_EC_KEY_PAIR_GEN, None))
    data = b"Arca ecosystem test: signed through PyKCS11."
    raw = bytes(session.sign(priv, data, PyKCS11.Mechanism(PyKCS11.CKM_ECDSA_SHA256, None)))
    if len(raw) != 64:
        fail(f"ECDSA P-256 signature of {len(raw)} bytes")
    point = bytes(session.getAttributeValue(pub, [PyKCS11.CKA_EC_POINT])[0])
    # CKA_EC_POINT is a DER OCTET STRING around the uncompressed point.
    if point[0] != 0x04 or point[1] != len(point) - 2:
        fail("CKA_EC_POINT is not a DER OCTET STRING")
    key = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), point[2:])
    der = encode_dss_signature(int.from_bytes(raw[:32], "big"), int.from_bytes(raw[32:], "big"))
    key.verify(der, data, ec.ECDSA(hashes.SHA256()))
    try:
        key.verify(der, data + b"!", ec.ECDSA(hashes.SHA256()))
        fail("the ECDSA signature verifies for other data")
    except InvalidSignature:
        pass
    print("ECDSA P-256 (CKM_ECDSA_SHA256): verified by cryptography")


def rsa_oaep_label(session):
    public_template = [
        (PyKCS11.CKA_TOKEN, PyKCS11.CK_FALSE),
        (PyKCS11.CKA_MODULUS_BITS, 2048),
        (PyKCS11.CKA_PUBLIC_EXPONENT, (0x01, 0x00, 0x01)),
        (PyKCS11.CKA_ENCRYPT, PyKCS11.CK_TRUE),
    ]
    private_template = [
        (PyKCS11.CKA_TOKEN, PyKCS11.CK_FALSE),
        (PyKCS11.CKA_PRIVATE, PyKCS11.CK_TRUE),
        (PyKCS11.CKA_SENSITIVE, PyKCS11.CK_TRUE),
        (PyKCS11.CKA_DECRYPT, PyKCS11.CK_TRUE),
    ]
    pub, priv = session.generateKeyPair(public_template, private_template)
    modulus, exponent = session.getAttributeValue(
        pub, [PyKCS11.CKA_MODULUS, PyKCS11.CKA_PUBLIC_EXPONENT])
    key = rsa.RSAPublicNumbers(int.from_bytes(bytes(exponent), "big"),
                               int.from_bytes(bytes(modulus), "big")).public_key()
    label = b"arca-oaep-label"
    message = b"Arca ecosystem test: RSA-OAEP with a label."
    ciphertext = key.encrypt(message, padding.OAEP(
        mgf=padding.MGF1(hashes.SHA256()), algorithm=hashes.SHA256(), label=label))
    mechanism = PyKCS11.RSAOAEPMechanism(PyKCS11.CKM_SHA256, PyKCS11.CKG_MGF1_SHA256, label)
    plain = bytes(session.decrypt(priv, ciphertext, mechanism))
    if plain != message:
        fail("RSA-OAEP decryption with a label gave other bytes")
    wrong = PyKCS11.RSAOAEPMechanism(PyKCS11.CKM_SHA256, PyKCS11.CKG_MGF1_SHA256, b"other")
    try:
        session.decrypt(priv, ciphertext, wrong)
        fail("RSA-OAEP decryption succeeded under the wrong label")
    except PyKCS11.PyKCS11Error as error:
        if error.value != PyKCS11.CKR_ENCRYPTED_DATA_INVALID:
            fail(f"wrong OAEP label gave {error}")
    print("RSA-OAEP SHA-256 with a label: cryptography encrypts, the token decrypts")


def aes_gcm(session):
    template = [
        (PyKCS11.CKA_TOKEN, PyKCS11.CK_FALSE),
        (PyKCS11.CKA_CLASS, PyKCS11.CKO_SECRET_KEY),
        (PyKCS11.CKA_KEY_TYPE, PyKCS11.CKK_AES),
        (PyKCS11.CKA_VALUE_LEN, 32),
        (PyKCS11.CKA_ENCRYPT, PyKCS11.CK_TRUE),
        (PyKCS11.CKA_DECRYPT, PyKCS11.CK_TRUE),
    ]
    key = session.generateKey(template, PyKCS11.Mechanism(PyKCS11.CKM_AES_KEY_GEN, None))
    mechanism = PyKCS11.AES_GCM_Mechanism(bytes(range(12)), b"header", 128)
    message = b"Arca ecosystem test: AES-256-GCM through PyKCS11."
    sealed = bytes(session.encrypt(key, message, mechanism))
    if len(sealed) != len(message) + 16:
        fail("AES-GCM output is not ciphertext plus a 16-byte tag")
    if bytes(session.decrypt(key, sealed, mechanism)) != message:
        fail("AES-GCM round trip gave other bytes")
    tampered = sealed[:-1] + bytes([sealed[-1] ^ 1])
    try:
        session.decrypt(key, tampered, mechanism)
        fail("AES-GCM accepted a changed tag")
    except PyKCS11.PyKCS11Error as error:
        if error.value != PyKCS11.CKR_ENCRYPTED_DATA_INVALID:
            fail(f"a changed GCM tag gave {error}")
    print("AES-256-GCM with AAD: round trip, changed tag refused")


def main():
    if len(sys.argv) != 4:
        fail("usage: pykcs11_check.py MODULE TOKEN_LABEL USER_PIN")
    _, session = open_session(*sys.argv[1:])
    ec_sign_verify(session)
    rsa_oaep_label(session)
    aes_gcm(session)
    session.logout()
    session.closeSession()
    print("PASS")


if __name__ == "__main__":
    main()
