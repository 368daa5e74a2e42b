import os

import lit.formats
from lit.llvm import llvm_config

config.name = "rnnc"
config.test_format = lit.formats.ShTest(not llvm_config.use_lit_shell)
config.suffixes = [".mlir", ".test"]
config.excludes = ["Inputs", "reference", "Unit", "fuzz", "CMakeLists.txt", "lit.cfg.py"]
config.test_source_root = os.path.dirname(__file__)
config.test_exec_root = os.path.join(config.rnnc_obj_root, "test")

llvm_config.use_default_substitutions()
llvm_config.add_tool_substitutions(["rnnc", "rnnc-opt"], [config.rnnc_tools_dir])
llvm_config.add_tool_substitutions(["rnnc-barrier-balance"], [config.rnnc_tools_dir])
# The host runs AVX-512 code (rnnc-barrier-balance needs it).
try:
    with open("/proc/cpuinfo") as cpuinfo:
        if " avx512f" in cpuinfo.read():
            config.available_features.add("avx512f")
except OSError:
    pass
# rnnc-bench is built where oneDNN (libdnnl-dev) is installed.
if os.path.exists(os.path.join(config.rnnc_tools_dir, "rnnc-bench")):
    config.available_features.add("rnnc-bench")
    llvm_config.add_tool_substitutions(["rnnc-bench"], [config.rnnc_tools_dir])
llvm_config.add_tool_substitutions(["aot_lstm", "aot_lstm_cpp", "jit_lstm", "mgu_model", "streaming"], [config.rnnc_examples_dir])
llvm_config.with_environment("PATH", config.llvm_tools_dir, append_path=True)
config.substitutions.append(("%numpy_python", config.python_executable))
config.substitutions.append(("%rnnc_src_root", config.rnnc_src_root))
config.substitutions.append(("%rnnc_obj_root", config.rnnc_obj_root))
# The host C and C++ compilers, for checks of generated headers.
config.substitutions.append(("%cxx", config.rnnc_cxx_compiler))
config.substitutions.append(("%cc", config.rnnc_c_compiler))
# Built with the Halide projection (RNNC_ENABLE_HALIDE).
if config.rnnc_enable_halide.upper() in ("ON", "1", "TRUE", "YES"):
    config.available_features.add("halide")
# A CUDA toolkit (ptxas, libdevice) for the PTX checks of the CUDA target; lit
# clears the environment, so CUDA_HOME is passed on explicitly.
cuda_home = os.environ.get("CUDA_HOME") or "/usr/local/cuda"
if os.path.exists(os.path.join(cuda_home, "bin", "ptxas")):
    config.available_features.add("ptxas")
    config.environment["CUDA_HOME"] = cuda_home
    llvm_config.with_environment("PATH", os.path.join(cuda_home, "bin"), append_path=True)

# A GPU that the CUDA driver finds: the CUDA execution tests run (they are
# unsupported elsewhere).
def cuda_gpu_present():
    import ctypes
    try:
        cuda = ctypes.CDLL("libcuda.so.1")
        count = ctypes.c_int(0)
        return cuda.cuInit(0) == 0 and cuda.cuDeviceGetCount(ctypes.byref(count)) == 0 \
            and count.value > 0
    except OSError:
        return False
if cuda_gpu_present():
    config.available_features.add("cuda-gpu")
