// Logging for the boundary (start-up, reload, files, HTTP): logfmt lines on stderr, the format
// Prometheus' own tools use. Never called per line: per-line problems are counted, not logged.
//
// Thread-safety: each call writes one whole line under a lock.
#pragma once

#include <initializer_list>
#include <string>
#include <string_view>
#include <utility>

namespace accesslog {

using LogFields = std::initializer_list<std::pair<std::string_view, std::string_view>>;

enum class LogLevel { kDebug, kInfo, kWarn, kError };

// Lines below `level` are dropped. Default: kInfo.
void SetLogLevel(LogLevel level);
// Parses "debug", "info", "warn", "error". Returns false for anything else.
bool ParseLogLevel(std::string_view name, LogLevel* level);

void Log(LogLevel level, std::string_view msg, LogFields fields = {});
inline void LogDebug(std::string_view m, LogFields f = {}) { Log(LogLevel::kDebug, m, f); }
inline void LogInfo(std::string_view m, LogFields f = {}) { Log(LogLevel::kInfo, m, f); }
inline void LogWarn(std::string_view m, LogFields f = {}) { Log(LogLevel::kWarn, m, f); }
inline void LogError(std::string_view m, LogFields f = {}) { Log(LogLevel::kError, m, f); }

}  // namespace accesslog
