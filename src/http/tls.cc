#include "http/tls.h"

namespace accesslog::http_internal {
namespace {

int TlsVersion(const std::string& name) {
  if (name == "TLS10") return TLS1_VERSION;
  if (name == "TLS11") return TLS1_1_VERSION;
  if (name == "TLS12") return TLS1_2_VERSION;
  if (name == "TLS13") return TLS1_3_VERSION;
  return 0;
}

int AcceptAnyCertificate(int, X509_STORE_CTX*) { return 1; }

}  // namespace

bool SetupTls(const TlsOptions& tls, SSL_CTX& ctx) {
  SSL_CTX_set_options(&ctx, SSL_OP_NO_COMPRESSION | SSL_OP_NO_RENEGOTIATION);
  // A kept-alive connection between scrapes gives its 2 x 16 KiB record buffers back.
  SSL_CTX_set_mode(&ctx, SSL_MODE_RELEASE_BUFFERS | SSL_MODE_ENABLE_PARTIAL_WRITE |
                             SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
  if (SSL_CTX_set_min_proto_version(&ctx, TlsVersion(tls.min_version)) != 1) return false;
  if (!tls.max_version.empty() &&
      SSL_CTX_set_max_proto_version(&ctx, TlsVersion(tls.max_version)) != 1) {
    return false;
  }
  if (SSL_CTX_use_certificate_chain_file(&ctx, tls.cert_file.c_str()) != 1 ||
      SSL_CTX_use_PrivateKey_file(&ctx, tls.key_file.c_str(), SSL_FILETYPE_PEM) != 1 ||
      SSL_CTX_check_private_key(&ctx) != 1) {
    return false;
  }
  const std::string& type = tls.client_auth_type;
  int mode = SSL_VERIFY_NONE;
  if (type == "RequestClientCert" || type == "VerifyClientCertIfGiven") mode = SSL_VERIFY_PEER;
  if (type == "RequireAnyClientCert" || type == "RequireAndVerifyClientCert") {
    mode = SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT;
  }
  if (!tls.client_ca_file.empty()) {
    if (SSL_CTX_load_verify_locations(&ctx, tls.client_ca_file.c_str(), nullptr) != 1) {
      return false;
    }
    SSL_CTX_set_client_CA_list(&ctx, SSL_load_client_CA_file(tls.client_ca_file.c_str()));
  }
  // RequestClientCert and RequireAnyClientCert ask for a certificate without verifying it.
  const bool verify = type == "RequireAndVerifyClientCert" || type == "VerifyClientCertIfGiven";
  SSL_CTX_set_verify(&ctx, mode, verify ? nullptr : AcceptAnyCertificate);
  return true;
}

}  // namespace accesslog::http_internal
