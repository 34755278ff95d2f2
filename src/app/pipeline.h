// App: everything built from one configuration, and how it is built. A reload builds a new
// Pipeline next to the running one and swaps them (server_reload.cc); BuildPipeline lends the old
// one's counters where the configuration allows.
//
// Thread-safety: built and swapped under the exporter's reload lock; the sources and recorders
// it holds say who may call them (source.h, counters/recorder.h).
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "app/source.h"
#include "classify/status_table.h"
#include "config/options.h"
#include "counters/recorder.h"
#include "counters/slots.h"
#include "exposition/collector.h"
#include "listen/listener.h"

namespace accesslog {

// Everything built from one configuration; a reload builds a new one.
// Where a source's lines come from. Each producer thread counts into a Recorder of its own (a
// recorder has one writer): the tailer for every file source, the listener for every syslog
// source, one reader per stream (standard input, a named pipe).
enum class Input : uint8_t { kFiles, kListen, kStream };

struct Pipeline {
  Options options;
  std::shared_ptr<const StatusTable> table;
  std::shared_ptr<Recorder> recorder;         // the file sources'
  std::shared_ptr<Recorder> listen_recorder;  // the syslog sources', when there are any
  std::vector<std::shared_ptr<Recorder>> stream_recorders;  // per source: null unless a stream
  std::vector<Input> inputs;                                // per source
  std::vector<ListenAddress> addresses;                     // per source: set for kListen
  std::vector<std::shared_ptr<ListenStats>> listen_stats;   // per source: null unless kListen
  std::vector<std::shared_ptr<SourceSlots>> stats;          // per source
  std::vector<std::unique_ptr<Source>> sources;             // per source: the sinks
  // The routes and operations of the sources' OpenAPI contracts, which the recorders were made
  // with (a reload that changes them makes new recorders).
  ContractValues contract_values;
  std::vector<std::shared_ptr<const Recorder>> all_recorders() const {
    std::vector<std::shared_ptr<const Recorder>> out = {recorder};
    if (listen_recorder) out.push_back(listen_recorder);
    for (const auto& r : stream_recorders) {
      if (r) out.push_back(r);
    }
    return out;
  }
};

// The flags plus the config file, checked. Returns false with *error naming the file, key or
// flag.
bool ResolveOptions(const Options& flags, Options* out, std::string* error);

// Builds a pipeline. `previous` (may be null) lends its counters where the configuration
// allows, so that a reload does not reset them: per-source line counters by source name, and
// the recorders when labels, buckets and the formats' capabilities are unchanged. Returns false
// with *error naming the source and what is wrong.
bool BuildPipeline(const Options& options, const Pipeline* previous, Pipeline* p,
                   std::string* error);

// Hands the pipeline's table, recorders and per-source counters to the collector.
void Publish(const Pipeline& p, AccessLogCollector* collector);

}  // namespace accesslog
