"""A self-signed certificate for ``https`` callback URLs on loopback.

Made once with the ``https`` extra (``cryptography``) and kept in the
configuration directory: ``callback-cert.pem`` and ``callback-key.pem``
(0600, directory 0700, both written atomically through :mod:`pyTD._files`, so
nothing planted in the directory, such as a symlink at a guessed temp name,
receives the key or redirects the write). Existing files must be regular files;
a symlink in their place is refused, never followed.
Browsers warn about it once; that is expected for a certificate only this
machine trusts.
"""

from __future__ import annotations

import datetime
import ipaddress
import os
import ssl

from pyTD._files import atomic_write, make_private, make_private_dir, regular_file_stat
from pyTD.exceptions import ConfigurationError, SSLError

CERT_NAME, KEY_NAME = "callback-cert.pem", "callback-key.pem"


def ensure_certificate(config_dir: str) -> tuple[str, str]:
    """``(cert_path, key_path)``, creating a self-signed pair for localhost/127.0.0.1/::1 once."""
    cert_path = os.path.join(config_dir, CERT_NAME)
    key_path = os.path.join(config_dir, KEY_NAME)
    try:
        found = regular_file_stat(cert_path) and regular_file_stat(key_path)
        if found:
            make_private(key_path)  # through an O_NOFOLLOW descriptor, never a link's target
            return cert_path, key_path
    except OSError as exc:  # NotRegularFileError too: a symlink, directory, FIFO, ...
        raise SSLError(f"Cannot use the callback certificate in {config_dir}: {exc.filename} "
                       f"{exc.strerror}. Delete {CERT_NAME} and {KEY_NAME} there to have them "
                       "made again.") from None
    try:
        from cryptography import x509
        from cryptography.hazmat.primitives import hashes, serialization
        from cryptography.hazmat.primitives.asymmetric import ec
        from cryptography.x509.oid import NameOID
    except ImportError:
        raise ConfigurationError(
            "An https callback URL needs a self-signed certificate, which pyTD makes with "
            "the cryptography package (a pyTD dependency that is missing here): "
            "pip install cryptography") from None
    make_private_dir(config_dir)
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "pyTD local callback")])
    now = datetime.datetime.now(datetime.timezone.utc)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name).issuer_name(name).public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=3650))
        .add_extension(x509.SubjectAlternativeName([
            x509.DNSName("localhost"),
            x509.IPAddress(ipaddress.ip_address("127.0.0.1")),
            x509.IPAddress(ipaddress.ip_address("::1")),
        ]), critical=False)
        .sign(key, hashes.SHA256())
    )
    atomic_write(key_path, key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption()))
    atomic_write(cert_path, cert.public_bytes(serialization.Encoding.PEM))
    return cert_path, key_path


def server_context(config_dir: str) -> ssl.SSLContext:
    """A server-side TLS context with pyTD's self-signed certificate."""
    cert_path, key_path = ensure_certificate(config_dir)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    try:
        context.load_cert_chain(cert_path, key_path)
    except (ssl.SSLError, OSError) as exc:
        raise SSLError(f"Cannot load the callback certificate from {config_dir}: {exc}. Delete "
                       f"{CERT_NAME} and {KEY_NAME} there to have them made again.") from None
    return context
