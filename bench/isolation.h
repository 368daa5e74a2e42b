// rnnc-bench runs each config in a process of its own (a fresh C library
// heap and page tables, as a program embedding one model has), and counts
// page faults per call.
#ifndef RNNC_BENCH_ISOLATION_H
#define RNNC_BENCH_ISOLATION_H

#include <string>
#include <vector>

namespace bench {

/// Minor page faults of this process so far (getrusage).
long minorFaults();

/// Runs `program` with `args`, copies its standard output to ours except the
/// lines that start with `marker`, which are returned. `exitCode` gets the
/// child's exit status (-1 if it did not exit normally or could not start).
std::vector<std::string> runChild(const std::string &program, const std::vector<std::string> &args,
                                  const std::string &marker, int &exitCode);

} // namespace bench

#endif // RNNC_BENCH_ISOLATION_H
