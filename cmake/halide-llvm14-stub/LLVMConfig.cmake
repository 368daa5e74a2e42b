# Stands in for LLVM 14's config while find_package(Halide) runs: Halide's
# shared-deps script asks for LLVM 14 although Halide::Halide needs none of its
# targets, and loading the real one would switch LLVM_DIR and LLVM_INCLUDE_DIRS
# away from LLVM 19 (docs/performance.md, "Halide").
