#include "exposition/contract_info.h"

#include <algorithm>

#include "exposition/family.h"
#include "util/utf8.h"

namespace accesslog {

void AppendContractInfo(const StatusTable& table, const std::vector<SourceContract>& sources,
                        std::vector<prometheus::MetricFamily>* out) {
  using prometheus::MetricType;
  auto info =
      MakeFamily("accesslog_status_code_info",
                 "The API's documented status-code table (value is always 1).", MetricType::Gauge);
  auto rows = [&](const StatusTable& t, const std::string* log) {
    for (const auto& e : t.entries()) {
      SampleLabels labels = {{"class", std::string(ClassName(ClassIndex(e.code)))},
                             {"code", std::to_string(e.code)}};
      if (log) labels.push_back({"log", ToValidUtf8(*log)});
      labels.push_back({"meaning", ToValidUtf8(e.meaning)});
      AddSample(&info, std::move(labels), 1);
    }
  };
  const bool per_source = std::any_of(sources.begin(), sources.end(),
                                      [](const SourceContract& s) { return s.table != nullptr; });
  if (!per_source) {
    rows(table, nullptr);
  } else {
    for (const SourceContract& s : sources) rows(s.table ? *s.table : table, &s.log);
  }
  out->push_back(std::move(info));

  if (std::none_of(sources.begin(), sources.end(),
                   [](const SourceContract& s) { return s.api != nullptr; })) {
    return;
  }
  auto api = MakeFamily("accesslog_api_info",
                        "The OpenAPI document a source's responses are judged against: its "
                        "info.title and info.version (value is always 1).",
                        MetricType::Gauge);
  auto ops = MakeFamily("accesslog_api_operation_info",
                        "One per operation of a source's OpenAPI document: its method, path "
                        "template and operationId (value is always 1).",
                        MetricType::Gauge);
  for (const SourceContract& s : sources) {
    if (!s.api) continue;
    const std::string log = ToValidUtf8(s.log);
    AddSample(&api,
              {{"log", log},
               {"title", ToValidUtf8(s.api->title())},
               {"version", ToValidUtf8(s.api->version())}},
              1);
    for (const ApiContract::Operation& op : s.api->operations()) {
      AddSample(&ops,
                {{"log", log},
                 {"method", std::string(MethodName(op.method))},
                 {"operation", ToValidUtf8(op.operation_id)},
                 {"route", ToValidUtf8(s.api->routes()[op.route])}},
                1);
    }
  }
  out->push_back(std::move(api));
  out->push_back(std::move(ops));
}

}  // namespace accesslog
