// scan/facts.hpp: what `racewin scan` knows of C sources, as Coccinelle reports it
// (scan/cocci/facts.cocci). racewin parses no C itself: spatch reads the files, and this reads
// spatch's tab-separated lines.
#pragma once
#include <expected>
#include <filesystem>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace rw::scan {

// A self-reference: try_module_get(THIS_MODULE), __module_get(THIS_MODULE),
// module_put(THIS_MODULE), module_put_and_kthread_exit(...) / module_put_and_exit(...).
struct Site {
  std::string file;
  int line = 0;
  std::string function;  // the enclosing function
  std::string call;      // the function called
  bool used = false;     // its result is tested or passed on (else a statement of its own)
};

// `.field = value` in the initializer of `struct type instance`.
struct Field {
  std::string file;
  int line = 0;
  std::string type, instance, field, value;
};

// `object->field = value` or `object.field = value` inside `function`.
struct Assign {
  std::string file;
  int line = 0;
  std::string object, field, value, function;
};

// `callee(args)` inside `caller`.
struct Call {
  std::string file;
  int line = 0;
  std::string caller, callee, args;
  std::vector<std::string> arg_list() const;  // the arguments, split at top-level commas
};

// A top-level macro: module_init(f), DEVICE_ATTR_RW(name), DECLARE_WORK(w, f), EXPORT_SYMBOL(f) ...
struct Macro {
  std::string file;
  int line = 0;
  std::string name, args;
  std::vector<std::string> arg_list() const;
};

struct Function {
  std::string file;
  int line = 0;
  std::string name;
};

struct Facts {
  std::vector<Site> sites;
  std::vector<Field> fields;
  std::vector<Assign> assigns;
  std::vector<Call> calls;
  std::vector<Macro> macros;
  std::vector<Function> functions;
  void append(Facts&& other);
};

// Reads spatch's output lines (blank and unknown lines are skipped).
Facts parse_facts(std::string_view text);

// The semantic patch: RW_SCAN_COCCI_DIR/facts.cocci (the source tree's scan/cocci), or next to
// the executable's ../share/racewin.
std::filesystem::path facts_cocci();

// Runs spatch over `files`, `jobs` processes at a time, a batch of files each; `progress` is
// told how many files are done. An error (spatch missing or failing) comes back as a message.
std::expected<Facts, std::string> read_facts(const std::vector<std::filesystem::path>& files, unsigned jobs,
                                             const std::function<void(std::size_t done, std::size_t total)>& progress);

// The argument list "a, f(b, c), d" as {"a", "f(b, c)", "d"}.
std::vector<std::string> split_args(std::string_view args);
// An argument as the name it refers to: "&foo_ops" and "(void *)foo" are "foo_ops" and "foo".
std::string bare_name(std::string_view arg);

}  // namespace rw::scan
