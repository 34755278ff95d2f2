#include <iostream>

#include "app/commands.h"
#include "config/config_file.h"
#include "report/analyze.h"

namespace accesslog {

int RunAnalyzeCommand(const Options& flags) {
  AnalyzeOptions an = flags.analyze;
  if (!flags.config_file.empty()) {
    Options file = flags;
    std::string error;
    if (!LoadConfigFile(&file, &error)) {
      std::cerr << "accesslog_exporter analyze: " << error << "\n";
      return kAnalyzeError;
    }
    if (!flags.flags_given.count("--log.format")) {
      an.format = file.sources.front().format;
      an.drop = file.sources.front().drop;  // written for that format
    }
    if (!flags.flags_given.count("--log.wrapper")) an.unwrap = file.sources.front().unwrap;
    if (an.status_codes_file.empty()) an.status_codes_file = file.status_codes_file;
    an.route_templates = file.labels.route_templates;
  }
  return RunAnalyze(an, std::cout, std::cerr);
}

}  // namespace accesslog
