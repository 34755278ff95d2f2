#include "report/analyze.h"

#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <iostream>
#include <memory>
#include <optional>

#include "classify/routes.h"
#include "classify/status_table.h"
#include "lines/line_splitter.h"
#include "report/accumulator.h"
#include "report/fail_on.h"
#include "report/input.h"
#include "report/progress.h"
#include "report/report.h"

namespace accesslog {
namespace {

// Bytes per read: large enough that syscalls and progress checks vanish from the profile,
// small enough to stay in L2/L3 while the lines are parsed.
constexpr size_t kReadChunkBytes = 1 << 20;

// Colour in the table: always, never, or (auto) when the report goes to the process's stdout,
// that is a terminal, and the user has not opted out (NO_COLOR, TERM=dumb).
bool UseColor(AnalyzeOptions::Color color, const std::ostream& out) {
  if (color != AnalyzeOptions::Color::kAuto) return color == AnalyzeOptions::Color::kAlways;
  const char* no_color = std::getenv("NO_COLOR");
  const char* term = std::getenv("TERM");
  return &out == &std::cout && ::isatty(STDOUT_FILENO) == 1 &&
         (no_color == nullptr || *no_color == '\0') &&
         (term == nullptr || std::string_view(term) != "dumb");
}

}  // namespace

int RunAnalyze(const AnalyzeOptions& options, std::ostream& out, std::ostream& err) {
  auto fail = [&err](int status, const std::string& message) {
    err << "analyze: " << message << "\n";
    return status;
  };

  // Usage errors first, before any file is opened: they are the user's to fix, and cheap.
  if (options.output != "table" && options.output != "json" && options.output != "markdown") {
    return fail(kAnalyzeUsage,
                "--output '" + options.output + "': expected table, json or markdown");
  }
  std::vector<FailCondition> conditions;
  for (const std::string& text : options.fail_on) {
    std::string error;
    auto c = ParseFailCondition(text, &error);
    if (!c) return fail(kAnalyzeUsage, error);
    conditions.push_back(std::move(*c));
  }
  if (options.files.empty()) return fail(kAnalyzeUsage, "no input: give FILE... (- for stdin)");
  if (std::count(options.files.begin(), options.files.end(), "-") > 1) {
    return fail(kAnalyzeUsage, "stdin (-) can be read only once");
  }
  if (options.max_line_bytes == 0) return fail(kAnalyzeUsage, "--log.max-line-bytes must be > 0");
  std::string error;
  std::unique_ptr<Parser> parser = MakeParser(options.format, &error);
  if (!parser) return fail(kAnalyzeUsage, "--log.format: " + error);
  for (const std::string& t : options.route_templates) {
    if (!ValidRouteTemplate(t, &error)) return fail(kAnalyzeUsage, error);
  }

  std::optional<StatusTable> loaded;
  if (!options.status_codes_file.empty()) {
    loaded = StatusTable::Load(options.status_codes_file, &error);
    if (!loaded) return fail(kAnalyzeError, "--status.codes: " + error);
  }
  const StatusTable& table = loaded ? *loaded : StatusTable::Embedded();

  // Every input must exist before the first is read: a typo in the last of twenty rotated
  // files fails in a millisecond, not after minutes of reading.
  int64_t total_bytes = 0;
  for (const std::string& name : options.files) {
    int64_t size = -1;
    if (!InputRawSize(name, &size, &error)) return fail(kAnalyzeError, error);
    total_bytes = size < 0 || total_bytes < 0 ? -1 : total_bytes + size;
  }

  const FormatCapabilities caps = parser->capabilities();
  const RouteNormalizer normalizer(options.route_templates);
  auto acc = std::make_unique<Accumulator>(parser.get(), caps.path ? &normalizer : nullptr);
  std::unique_ptr<DropRules> drop;
  if (!options.drop.empty()) {
    drop = DropRules::Compile(options.drop, caps, {.api = options.api != nullptr}, &error);
    if (!drop) return fail(kAnalyzeUsage, "drop rules: " + error);
    acc->SetDropRules(drop.get(), &normalizer);
  }
  if (options.unwrap.wrapper != Wrapper::kNone) acc->SetWrapped();
  LineSplitter splitter(options.max_line_bytes, kReadChunkBytes);
  Progress progress(&err == &std::cerr && ::isatty(STDERR_FILENO) == 1 ? &err : nullptr,
                    total_bytes);

  uint64_t raw_done = 0;                  // raw bytes of the inputs already read
  std::unique_ptr<DockerDecoder> docker;  // --log.wrapper docker or auto: shared by the inputs
  for (const std::string& name : options.files) {
    auto reader = InputReader::Open(name, &error);
    if (!reader) {
      progress.Finish();
      return fail(kAnalyzeError, error);
    }
    acc->BeginInput(name);
    // A container log envelope: one unwrapper per input, so that a split line never joins
    // two files; its unfinished partial lines are handed on at the input's end.
    std::unique_ptr<Unwrapper> unwrap;
    if (options.unwrap.wrapper != Wrapper::kNone) {
      if (!docker) docker = std::make_unique<DockerDecoder>(options.max_line_bytes);
      unwrap = std::make_unique<Unwrapper>(options.unwrap, options.max_line_bytes, acc.get(),
                                           docker.get());
    }
    LineSink* sink = unwrap ? static_cast<LineSink*>(unwrap.get()) : acc.get();
    while (true) {
      const long n = reader->Read(splitter.WritePtr(), splitter.WritableBytes());
      if (n < 0) {
        progress.Finish();
        return fail(kAnalyzeError, reader->error());
      }
      if (n == 0) break;
      acc->OnBytesRead(static_cast<size_t>(n));
      splitter.Commit(static_cast<size_t>(n), sink);
      progress.Update(total_bytes >= 0 ? raw_done + reader->raw_offset() : acc->tally().bytes,
                      acc->tally().lines);
    }
    splitter.Flush(sink);  // a last line without "\n" is a line; never glue it to the next file
    sink->OnEndOfFile();
    acc->SetCompressed(reader->compressed());
    raw_done +=
        reader->raw_size() >= 0 ? static_cast<uint64_t>(reader->raw_size()) : reader->raw_offset();
  }
  progress.Finish();

  const Report report =
      BuildReport(acc->tally(), table, caps, options.format.format, options.top, conditions);
  if (options.output == "json") {
    RenderJson(report, out);
  } else if (options.output == "markdown") {
    RenderMarkdown(report, out);
  } else {
    RenderTable(report, UseColor(options.color, out), out);
  }
  out.flush();

  bool holds = false;
  for (const Report::Check& c : report.checks) {
    if (!c.holds) continue;
    holds = true;
    err << "analyze: fail-on condition holds: " << c.condition << " (" << c.explanation << ")\n";
  }
  return holds ? kAnalyzeFailedOn : kAnalyzeOk;
}

}  // namespace accesslog
