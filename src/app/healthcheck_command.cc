#include <chrono>
#include <iostream>

#include "app/commands.h"
#include "config/web_config.h"
#include "http/probe.h"

namespace accesslog {

int RunHealthcheck(const Options& flags) {
  std::string url = flags.healthcheck.url;
  std::string error;
  if (url.empty()) {
    WebOptions web = flags.web;
    if (!web.config_file.empty() && !LoadWebConfigFile(&web, &error)) {
      std::cerr << "healthcheck: " << error << "\n";
      return 1;
    }
    if (!HealthUrlFor(web.listen_address, web.tls.has_value(), &url, &error)) {
      std::cerr << "healthcheck: " << error << "\n";
      return 1;
    }
  }
  const auto timeout =
      std::chrono::milliseconds(static_cast<int64_t>(flags.healthcheck.timeout_seconds * 1000));
  if (!ProbeHealthy(url, timeout, &error)) {
    std::cerr << "healthcheck: unhealthy: " << error << "\n";
    return 1;
  }
  std::cout << "healthcheck: healthy: " << url << "\n";
  return 0;
}

}  // namespace accesslog
