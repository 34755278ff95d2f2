// Configuration: the web configuration file (--web.config.file), in Prometheus
// exporter-toolkit's format, parsed with yaml-cpp into WebOptions:
//
//   tls_server_config:
//     cert_file: server.crt
//     key_file: server.key
//     client_auth_type: RequireAndVerifyClientCert   # NoClientCert (default), RequestClientCert,
//                                                    # RequireAnyClientCert,
//                                                    VerifyClientCertIfGiven
//     client_ca_file: ca.crt
//     min_version: TLS12                             # TLS10 .. TLS13 (default TLS12)
//     max_version: TLS13
//   http_server_config:
//     headers: {X-Frame-Options: deny}                # names are HTTP tokens, values one line
//   basic_auth_users:
//     prometheus: $2y$10$...                         # bcrypt hashes only
//
// Relative paths are relative to the file's directory. The files named must be readable; they
// are loaded when the server starts. Unknown keys and unsupported exporter-toolkit keys
// (cipher_suites, curve_preferences, http2) are errors, so nothing is silently ignored.
//
// Thread-safety: none needed; called at start-up.
#pragma once

#include <string>

#include "http/server.h"

namespace accesslog {

// Reads web->config_file and fills web->tls, web->basic_auth_users and web->headers. On
// failure returns false and sets *error to "FILE:LINE:COL: key.path: reason".
bool LoadWebConfigFile(WebOptions* web, std::string* error);

// Same from text (tests, fuzzing); `base_dir` resolves relative paths, and file checks are
// skipped when `check_files` is false.
bool ParseWebConfigText(std::string_view yaml, std::string_view source, const std::string& base_dir,
                        bool check_files, WebOptions* web, std::string* error);

}  // namespace accesslog
