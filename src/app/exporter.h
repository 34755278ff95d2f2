// App: the composition root. Wires config -> tail -> parse -> classify -> metrics -> http for
// the serving exporter and for --oneshot. The only place that sees every stage.
#pragma once

#include "config/options.h"

namespace accesslog {

// Runs the command in `options` to completion. Returns the process exit status: 0 on success
// (including a clean SIGTERM), 1 when start-up fails (the reason is logged), 2 for a bad flag
// value that only shows when it is used (an unknown --log.format).
int RunExporter(const Options& options);

}  // namespace accesslog
