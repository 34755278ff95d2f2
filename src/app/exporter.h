// App: the composition root. Wires config -> tail -> parse -> classify -> metrics -> http for
// the serving exporter, for --oneshot and for --config.check. The only place that sees every
// stage.
#pragma once

#include "config/options.h"

namespace accesslog {

// Runs the command in `options` (as parsed from the flags; the config file, if any, is read
// here) to completion. Returns the process exit status: 0 on success (including a clean
// SIGTERM), 1 when the configuration is refused or start-up fails (the reason is logged), 2 for
// a bad flag value that only shows when it is used.
int RunExporter(const Options& flags);

}  // namespace accesslog
