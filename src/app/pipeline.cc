#include "app/pipeline.h"

#include <algorithm>

#include "config/config_file.h"
#include "config/openapi_loader.h"
#include "config/web_config.h"
#include "counters/path_labels.h"
#include "listen/stream_reader.h"
#include "parse/parser.h"

namespace accesslog {
namespace {

std::shared_ptr<const StatusTable> LoadTable(const std::string& path, std::string* error) {
  if (path.empty()) {
    return std::shared_ptr<const StatusTable>(&StatusTable::Embedded(), [](const StatusTable*) {});
  }
  auto table = StatusTable::Load(path, error);
  if (!table) return nullptr;
  return std::make_shared<const StatusTable>(*std::move(table));
}

}  // namespace

bool ResolveOptions(const Options& flags, Options* out, std::string* error) {
  *out = flags;
  if (!out->config_file.empty() && !LoadConfigFile(out, error)) return false;
  if (!out->web.config_file.empty() && !LoadWebConfigFile(&out->web, error)) return false;
  return ValidateOptions(*out, error);
}

bool BuildPipeline(const Options& options, const Pipeline* previous, Pipeline* p,
                   std::string* error) {
  p->options = options;
  p->table = LoadTable(options.status_codes_file, error);
  if (!p->table) return false;

  std::vector<std::unique_ptr<Parser>> parsers;
  std::array<bool, kNumHistogramKinds> histograms{};
  bool upstream_retries = false;  // some source's format carries the upstream tries
  std::vector<std::string> names;
  // Path labels: every source's names, in order of first appearance; each source's own names
  // map to positions in that list.
  std::vector<std::string> path_names;
  std::vector<SourceFiles> files(options.sources.size());
  for (size_t i = 0; i < options.sources.size(); ++i) {
    const SourceOptions& src = options.sources[i];
    files[i].unwrap = src.unwrap;
    files[i].max_line_bytes = options.tail.max_line_bytes;
    if (src.path_labels.empty()) continue;
    files[i].path_labels = PathLabeler::Make(src.path_labels, options.kubernetes.node_name, error);
    if (!files[i].path_labels) {
      *error = "path_labels of '" + src.name + "': " + *error;
      return false;
    }
    for (const auto& name : files[i].path_labels->names()) {
      auto it = std::find(path_names.begin(), path_names.end(), name);
      files[i].path_label_slots.push_back(static_cast<size_t>(it - path_names.begin()));
      if (it == path_names.end()) path_names.push_back(name);
    }
  }
  // The sources' contracts: their OpenAPI documents and own tables, read again on every reload
  // (a document that does not load keeps the running configuration).
  ContractValues contract_values;
  for (size_t i = 0; i < options.sources.size(); ++i) {
    const SourceOptions& src = options.sources[i];
    SourceJudge& judge = files[i].judge;
    if (!src.status_codes_file.empty()) {
      judge.table = LoadTable(src.status_codes_file, error);
      if (!judge.table) {
        *error = "source '" + src.name + "': status_codes: " + *error;
        return false;
      }
    }
    if (src.api.openapi.empty()) continue;
    judge.api = LoadApiContract(src.api, error);
    if (!judge.api) {
      *error = "source '" + src.name + "': api.openapi: " + *error;
      return false;
    }
    auto add = [](std::vector<std::string>* list, const std::string& v) {
      if (std::find(list->begin(), list->end(), v) == list->end()) list->push_back(v);
    };
    for (const auto& r : judge.api->routes()) add(&contract_values.routes, r);
    for (const auto& op : judge.api->operations()) {
      if (!op.operation_id.empty()) add(&contract_values.operations, op.operation_id);
    }
  }
  if (!contract_values.routes.empty() || std::any_of(files.begin(), files.end(), [](const auto& f) {
        return f.judge.api != nullptr;
      })) {
    contract_values.routes.emplace_back(kUnmatchedRoute);
  }
  p->contract_values = contract_values;
  for (const auto& src : options.sources) {
    parsers.push_back(MakeParser(src.format, error));
    if (!parsers.back()) {
      *error = "log format of '" + src.name + "': " + *error;
      return false;
    }
    const FormatCapabilities caps = parsers.back()->capabilities();
    if (!src.drop.empty()) {
      const size_t i = parsers.size() - 1;
      auto rules = DropRules::Compile(
          src.drop, caps, {.syslog = !src.listen.empty(), .api = !src.api.openapi.empty()}, error);
      if (!rules) {
        *error = "source '" + src.name + "': " + *error;
        return false;
      }
      files[i].drop = std::move(rules);
    }
    histograms[static_cast<size_t>(HistogramKind::kRequestDuration)] |= caps.request_time;
    histograms[static_cast<size_t>(HistogramKind::kUpstreamDuration)] |= caps.upstream_time;
    histograms[static_cast<size_t>(HistogramKind::kResponseSize)] |= caps.body_bytes;
    upstream_retries |= caps.upstream_tries;
    names.push_back(src.name);
  }

  const bool same_metrics =
      previous && previous->options.labels == options.labels &&
      previous->options.histograms == options.histograms &&
      previous->recorder->upstream_retries() == upstream_retries &&
      previous->contract_values == contract_values && [&] {
        for (size_t k = 0; k < kNumHistogramKinds; ++k) {
          if (previous->recorder->histogram_enabled(static_cast<HistogramKind>(k)) !=
              histograms[k]) {
            return false;
          }
        }
        std::vector<std::string> old_names;
        for (const auto& s : previous->options.sources) old_names.push_back(s.name);
        return old_names == names && previous->recorder->path_label_names() == path_names;
      }();
  // One series budget (labels.limits.series) for every recorder of the configuration; a
  // recorder kept over a reload keeps the budget it has taken from.
  std::shared_ptr<SeriesBudget> budget =
      same_metrics ? previous->recorder->budget()
                   : std::make_shared<SeriesBudget>(options.labels.max_series);
  auto make_recorder = [&] {
    return std::make_shared<Recorder>(options.labels, options.histograms, names, histograms,
                                      path_names, upstream_retries, budget, contract_values);
  };
  p->recorder = same_metrics ? previous->recorder : make_recorder();
  for (const auto& src : options.sources) {
    ListenAddress address;
    Input input = Input::kFiles;
    if (!src.listen.empty()) {
      if (!ParseListenUrl(src.listen, &address, error)) return false;
      input = Input::kListen;
    } else if (src.files.size() == 1 && IsStreamPath(src.files[0])) {
      input = Input::kStream;
    } else {
      for (const auto& f : src.files) {
        if (IsStreamPath(f)) {
          *error = "source '" + src.name + "': '" + f +
                   "' is standard input or a named pipe: it must be its source's only file";
          return false;
        }
      }
    }
    p->inputs.push_back(input);
    p->addresses.push_back(address);
  }
  auto previous_index = [&](const std::string& name) -> int {
    if (!previous) return -1;
    for (size_t j = 0; j < previous->options.sources.size(); ++j) {
      if (previous->options.sources[j].name == name) return static_cast<int>(j);
    }
    return -1;
  };
  if (std::find(p->inputs.begin(), p->inputs.end(), Input::kListen) != p->inputs.end()) {
    p->listen_recorder =
        same_metrics && previous->listen_recorder ? previous->listen_recorder : make_recorder();
  }
  for (size_t i = 0; i < options.sources.size(); ++i) {
    const int j = previous_index(options.sources[i].name);
    std::shared_ptr<Recorder> stream;
    std::shared_ptr<ListenStats> listen;
    if (p->inputs[i] == Input::kStream) {
      stream = same_metrics && j >= 0 && previous->stream_recorders[static_cast<size_t>(j)]
                   ? previous->stream_recorders[static_cast<size_t>(j)]
                   : make_recorder();
    }
    if (p->inputs[i] == Input::kListen) {
      listen = j >= 0 && previous->listen_stats[static_cast<size_t>(j)]
                   ? previous->listen_stats[static_cast<size_t>(j)]
                   : std::make_shared<ListenStats>();
    }
    p->stream_recorders.push_back(std::move(stream));
    p->listen_stats.push_back(std::move(listen));
  }
  for (size_t i = 0; i < options.sources.size(); ++i) {
    std::shared_ptr<SourceSlots> stats;
    if (previous) {
      for (size_t j = 0; j < previous->options.sources.size(); ++j) {
        if (previous->options.sources[j].name == options.sources[i].name) {
          stats = previous->stats[j];
        }
      }
    }
    if (!stats) stats = std::make_shared<SourceSlots>();
    Recorder* recorder = p->inputs[i] == Input::kListen   ? p->listen_recorder.get()
                         : p->inputs[i] == Input::kStream ? p->stream_recorders[i].get()
                                                          : p->recorder.get();
    if (SourceJudge& judge = files[i].judge; judge.api) {
      for (const auto& r : judge.api->routes()) judge.routes.push_back(recorder->ContractRoute(r));
      judge.unmatched = recorder->ContractRoute(kUnmatchedRoute);
      for (const auto& op : judge.api->operations()) {
        judge.operations.push_back(recorder->ContractOperation(op.operation_id));
      }
    }
    p->sources.push_back(std::make_unique<Source>(std::move(parsers[i]), static_cast<uint16_t>(i),
                                                  recorder, stats.get(), std::move(files[i])));
    p->stats.push_back(std::move(stats));
  }
  return true;
}

void Publish(const Pipeline& p, AccessLogCollector* collector) {
  collector->SetStatusTable(p.table);
  std::vector<SourceContract> contracts;
  for (size_t i = 0; i < p.options.sources.size(); ++i) {
    const SourceJudge& judge = p.sources[i]->judge();
    contracts.push_back({p.options.sources[i].name, judge.table, judge.api});
  }
  collector->SetContracts(std::move(contracts));
  collector->SetRecorders(p.all_recorders());
  collector->ClearSources();
  for (size_t i = 0; i < p.options.sources.size(); ++i) {
    collector->AddSource(p.options.sources[i].name, p.stats[i]);
  }
}

}  // namespace accesslog
