// App: the subcommands beside serving (server.h), each in a file of its own.
#pragma once

#include "app/pipeline.h"
#include "config/options.h"
#include "exposition/collector.h"
#include "exposition/process_collector.h"

namespace accesslog {

// --oneshot (oneshot.cc): reads every file source and standard input from its start to its end
// (a last line without a newline counts) and prints the text exposition to stdout. Returns 0, or
// 1 when a log cannot be read or a source only listens.
int RunOneshot(Pipeline* p, AccessLogCollector* collector, ProcessCollector* process);

// `analyze` (analyze_command.cc): the config file, when given, lends its first source's format,
// drop rules, wrapper, the route templates and the status-code table; flags given to analyze
// win. Returns analyze's exit status (report/analyze.h).
int RunAnalyzeCommand(const Options& flags);

// `healthcheck` (healthcheck_command.cc): 0 when the exporter answers 200 on /-/healthy, 1
// otherwise (with the reason on stderr). Never 2, which Docker reserves in health checks.
int RunHealthcheck(const Options& flags);

}  // namespace accesslog
