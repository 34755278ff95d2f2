// RunAnalyze in-process, its status and what it printed, for the report tests.
#pragma once

#include <sstream>
#include <string>

#include "report/analyze.h"

namespace accesslog::testing {

struct AnalyzeResult {
  int status = -1;
  std::string out;
  std::string err;
};

inline AnalyzeResult Analyze(const AnalyzeOptions& o) {
  std::ostringstream out, err;
  AnalyzeResult r;
  r.status = RunAnalyze(o, out, err);
  r.out = out.str();
  r.err = err.str();
  return r;
}

}  // namespace accesslog::testing
