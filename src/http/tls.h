// Stage: exposition (HTTP), inside the server: the OpenSSL 3 context for tls_server_config.
//
// Thread-safety: none needed; called once when the server starts.
#pragma once

#include <openssl/ssl.h>

#include "http/server.h"

namespace accesslog::http_internal {

// Configures `ctx` the way exporter-toolkit's tls_server_config does: protocol versions, the
// certificate chain and key, the client-certificate policy and its CA. Returns false when a
// file cannot be loaded or the key does not match the certificate.
[[nodiscard]] bool SetupTls(const TlsOptions& tls, SSL_CTX& ctx);

}  // namespace accesslog::http_internal
