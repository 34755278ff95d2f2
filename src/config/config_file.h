// Configuration: the YAML file (--config.file), parsed with yaml-cpp into Options.
//
//   std::string error;
//   if (!accesslog::LoadConfigFile("/etc/accesslog/config.yaml", &options, &error)) {
//     die(error);   // "FILE:LINE:COL: sources[0].format: unknown log format 'ltsv' ..."
//   }
//
// The file sets sources (name, files, format, json_fields), status_codes, labels, histograms
// and tail settings; docs/configuration.md documents every key. Flags that were given on the
// command line win over the file for the settings both can express (listen address, log level,
// tail settings). Unknown keys are errors, so a typo never silently does nothing. Relative
// paths in the file are relative to the file's directory.
//
// Thread-safety: none needed; called at start-up and on reload.
#pragma once

#include <string>

#include "config/options.h"

namespace accesslog {

// Parses the file at options->config_file into *options (sources, labels, histograms, status
// table path, tail). Every value is checked, formats are compiled once to validate them. On
// failure returns false and sets *error to "FILE:LINE:COL: key.path: reason".
bool LoadConfigFile(Options* options, std::string* error);

// Same, from text (tests, fuzzing). `source` names the text in errors; `base_dir` resolves
// relative paths.
bool ParseConfigText(std::string_view yaml, std::string_view source, const std::string& base_dir,
                     Options* options, std::string* error);

// Checks the options that do not depend on where they came from (formats compile, names are
// unique, buckets increase, caps are in range). Returns false with *error set.
bool ValidateOptions(const Options& options, std::string* error);

// Whether the path_labels `spec` compiles and its label names are free: not one of the
// exporter's labels nor a static label of `labels`. Returns false with *error set.
bool CheckPathLabelNames(const std::string& spec, const LabelOptions& labels, std::string* error);

}  // namespace accesslog
