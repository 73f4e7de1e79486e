//! The API client's HTTP connection pool, with the system's root certificates loaded on the
//! first TLS handshake instead of at start.
//!
//! reqwest's rustls backend builds its certificate verifier (rustls-platform-verifier) when the
//! client is built, and on Linux that reads and parses every CA certificate of the system: the
//! bundle and each file of `/etc/ssl/certs`, about 300 on a Debian image. That was 7 of the 17 ms
//! from exec to the first tools/list answer (measured with a release build against a loopback
//! API), paid even when the API is `http://` (`--local`, a sidecar) and no certificate is ever
//! checked. Here the same verifier is built the first time a server certificate is verified, so
//! an HTTPS API pays it once on its first connection, in parallel with the network, and a plain
//! HTTP API never does. Verification itself is unchanged: the platform verifier's.

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::CryptoProvider;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{DigitallySignedStruct, Error, SignatureScheme};
use std::sync::{Arc, OnceLock};
use std::time::Duration;

/// An HTTP client bounded by `timeout` (each request, the connection included) whose TLS uses
/// the platform's verifier, built on first use.
pub fn http_client(timeout: Duration) -> Result<reqwest::Client, String> {
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let mut tls = rustls::ClientConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()
        .map_err(|e| format!("TLS setup failed: {e}"))?
        .dangerous()
        .with_custom_certificate_verifier(Arc::new(LazyVerifier {
            provider,
            verifier: OnceLock::new(),
        }))
        .with_no_client_auth();
    // reqwest is built without HTTP/2.
    tls.alpn_protocols = vec![b"http/1.1".to_vec()];
    reqwest::Client::builder()
        .tls_backend_preconfigured(tls)
        .timeout(timeout)
        .connect_timeout(timeout)
        .build()
        .map_err(|e| format!("the HTTP client could not be built: {e}"))
}

/// The platform verifier, made when first asked to verify a server certificate.
#[derive(Debug)]
struct LazyVerifier {
    provider: Arc<CryptoProvider>,
    verifier: OnceLock<Result<rustls_platform_verifier::Verifier, Error>>,
}

impl LazyVerifier {
    fn verifier(&self) -> Result<&rustls_platform_verifier::Verifier, Error> {
        self.verifier
            .get_or_init(|| rustls_platform_verifier::Verifier::new(self.provider.clone()))
            .as_ref()
            .map_err(Clone::clone)
    }
}

impl ServerCertVerifier for LazyVerifier {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp_response: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, Error> {
        self.verifier()?
            .verify_server_cert(end_entity, intermediates, server_name, ocsp_response, now)
    }

    // The signature checks need no roots: they are the crypto provider's, as the platform
    // verifier's own are.
    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, Error> {
        rustls::crypto::verify_tls12_signature(message, cert, dss, &self.provider.signature_verification_algorithms)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, Error> {
        rustls::crypto::verify_tls13_signature(message, cert, dss, &self.provider.signature_verification_algorithms)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.provider.signature_verification_algorithms.supported_schemes()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_certificate_is_loaded_until_one_is_verified_and_a_bad_one_is_refused() {
        let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
        let lazy = LazyVerifier {
            provider,
            verifier: OnceLock::new(),
        };
        assert!(!lazy.supported_verify_schemes().is_empty());
        assert!(lazy.verifier.get().is_none(), "nothing loaded yet");
        let name = ServerName::try_from("api.inference.net").unwrap();
        let refused = lazy.verify_server_cert(&CertificateDer::from(vec![0u8; 8]), &[], &name, &[], UnixTime::now());
        assert!(refused.is_err(), "{refused:?}");
        assert!(lazy.verifier.get().is_some(), "loaded on first use");
    }

    #[test]
    fn the_client_builds_without_touching_the_certificates() {
        assert!(http_client(Duration::from_secs(1)).is_ok());
    }
}
