#include <iostream>

#include "app/commands.h"
#include "config/config_file.h"
#include "config/openapi_loader.h"
#include "report/analyze.h"

namespace accesslog {

int RunAnalyzeCommand(const Options& flags) {
  AnalyzeOptions an = flags.analyze;
  // The OpenAPI document: --api.openapi, else the config file's first source's api (with its
  // base_path and options); flags win, as for the format.
  ApiOptions api{.openapi = an.api_openapi};
  std::string where = "--api.openapi";
  if (!flags.config_file.empty()) {
    Options file = flags;
    std::string error;
    if (!LoadConfigFile(&file, &error)) {
      std::cerr << "accesslog_exporter analyze: " << error << "\n";
      return kAnalyzeError;
    }
    const SourceOptions& source = file.sources.front();
    if (!flags.flags_given.count("--log.format")) {
      an.format = source.format;
      an.drop = source.drop;  // written for that format
    }
    if (!flags.flags_given.count("--log.wrapper")) an.unwrap = source.unwrap;
    if (an.status_codes_file.empty()) {
      // The source's own API-wide table, else the file's.
      an.status_codes_file =
          source.status_codes_file.empty() ? file.status_codes_file : source.status_codes_file;
    }
    an.route_templates = file.labels.route_templates;
    if (!flags.flags_given.count("--api.openapi") && !source.api.openapi.empty()) {
      api = source.api;
      an.api_openapi = api.openapi;
      where = "source '" + source.name + "': api.openapi";
    }
  }
  if (!api.openapi.empty()) {
    std::string error;
    an.api = LoadApiContract(api, &error);
    if (!an.api) {
      std::cerr << "analyze: " << where << ": " << error << "\n";
      return kAnalyzeError;
    }
  }
  return RunAnalyze(an, std::cout, std::cerr);
}

}  // namespace accesslog
