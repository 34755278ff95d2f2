#include <glob.h>

#include <cstdio>

#include "app/commands.h"
#include "lines/line_sink.h"
#include "listen/stream_reader.h"
#include "tail/file_follower.h"
#include "util/log.h"

namespace accesslog {
namespace {

std::vector<std::string> Expand(const std::string& pattern) {
  glob_t g{};
  std::vector<std::string> out;
  if (::glob(pattern.c_str(), 0, nullptr, &g) == 0) {
    for (size_t i = 0; i < g.gl_pathc; ++i) out.emplace_back(g.gl_pathv[i]);
  }
  ::globfree(&g);
  return out;
}

}  // namespace

int RunOneshot(Pipeline* p, AccessLogCollector* collector, ProcessCollector* process) {
  TailOptions tail = p->options.tail;
  tail.from_start = true;
  for (size_t i = 0; i < p->options.sources.size(); ++i) {
    if (p->inputs[i] == Input::kListen) {
      LogError("--oneshot reads files and standard input; a listen source only serves",
               {{"log", p->options.sources[i].name}});
      return 1;
    }
    if (p->inputs[i] == Input::kStream) {
      // Through the source's per-file sink, as a followed file: a wrapper applies to a stream too.
      std::unique_ptr<LineSink> per_file = p->sources[i]->ForFile(p->options.sources[i].files[0]);
      StreamReader in(p->options.sources[i].files[0], p->options.tail.max_line_bytes,
                      per_file ? per_file.get() : p->sources[i].get());
      std::string error;
      if (!in.Open(&error, /*for_oneshot=*/true)) {
        LogError("cannot read log file", {{"err", error}, {"log", p->options.sources[i].name}});
        return 1;
      }
      in.ReadToEnd();
      continue;
    }
    for (const auto& pattern : p->options.sources[i].files) {
      std::vector<std::string> files = Expand(pattern);
      if (files.empty()) files.push_back(pattern);  // not a glob, or nothing matched: say so
      for (const auto& path : files) {
        FileFollower file(path, tail, p->sources[i].get());
        file.AdoptSink(p->sources[i]->ForFile(path));  // a wrapper's per-file unwrapper
        if (!file.EnsureOpen(/*at_startup=*/true)) {
          LogError("cannot read log file", {{"path", path}, {"log", p->options.sources[i].name}});
          return 1;
        }
        file.ReadToEndAndFlush();
      }
    }
  }
  const std::string text = RenderExposition({collector, process});
  std::fwrite(text.data(), 1, text.size(), stdout);
  return std::fflush(stdout) == 0 ? 0 : 1;
}

}  // namespace accesslog
