# rnnc_add_model(<target> FROM <model.onnx|model.keras|model.h5|model.mlir>
#                [NAME <name>] [CPU <cpu>] [BATCH <n>] [MAX_BATCH <n>]
#                [FUNCTION <entry>] [THREADS <n>] [PROJECTION loops|halide]
#                [TARGET cpu|cuda:sm_80|cuda:sm_90] [PRECISION f32|bf16|int8|<one per layer, comma-separated>]
#                [NO_EXPOSE_STATE] [NO_WAVEFRONT]
#                [STATE <input>=<output>...])
#
# Runs `rnnc compile` at build time and makes <target> a static library of the
# object, with the generated <name>.h on its include path and the rnnrt
# runtime in its link interface (like Halide's add_halide_library). NAME
# defaults to <target>; CPU to x86-64-v3 (AVX2) so that the object runs on any
# recent x86-64 machine: pass CPU host or x86-64-v4 for AVX-512. THREADS > 1
# compiles for that many threads per call; <target> then links libomp.
# NO_WAVEFRONT runs a CUDA model's stacked layers layer after layer in each
# step instead of as a wavefront (rnnc --wavefront=false).
# PROJECTION halide computes the hoisted input projection with the Halide
# pipeline of rnnrt_halide (built when rnnc has RNNC_ENABLE_HALIDE), which
# <target> then links; the default, loops, is rnnc's own code. TARGET cuda:...
# compiles for an NVIDIA GPU (docs/cuda.md; needs the CUDA toolkit at build
# time, not at run time). STATE pairs inputs with the outputs they are the
# state of (rnnc --state; ONNX models pair h0/h_n, c0/c_n themselves).
#
# Needs the targets rnnc::rnnc (the compiler) and rnnc::rnnrt (the runtime):
# find_package(rnnc) defines them; the rnnc build tree aliases its own.
function(rnnc_add_model target)
  cmake_parse_arguments(PARSE_ARGV 1 ARG "NO_EXPOSE_STATE;NO_WAVEFRONT" "FROM;NAME;CPU;BATCH;MAX_BATCH;FUNCTION;THREADS;PROJECTION;TARGET;PRECISION" "STATE")
  if(ARG_UNPARSED_ARGUMENTS)
    message(FATAL_ERROR "rnnc_add_model: unknown arguments: ${ARG_UNPARSED_ARGUMENTS}")
  endif()
  if(NOT ARG_FROM)
    message(FATAL_ERROR "rnnc_add_model(${target}): FROM <model> is required")
  endif()
  if(NOT ARG_NAME)
    set(ARG_NAME ${target})
  endif()
  if(NOT ARG_CPU)
    set(ARG_CPU x86-64-v3)
  endif()
  get_filename_component(model "${ARG_FROM}" ABSOLUTE)
  set(dir "${CMAKE_CURRENT_BINARY_DIR}/${target}.rnnc")
  set(object "${dir}/${ARG_NAME}.o")
  set(header "${dir}/${ARG_NAME}.h")
  set(flags --name ${ARG_NAME} --cpu ${ARG_CPU})
  if(ARG_BATCH)
    list(APPEND flags --batch ${ARG_BATCH})
  endif()
  if(ARG_MAX_BATCH)
    list(APPEND flags --max-batch ${ARG_MAX_BATCH})
  endif()
  if(ARG_FUNCTION)
    list(APPEND flags --function ${ARG_FUNCTION})
  endif()
  if(ARG_NO_EXPOSE_STATE)
    list(APPEND flags --expose-state=false)
  endif()
  foreach(pair IN LISTS ARG_STATE)
    list(APPEND flags --state ${pair})
  endforeach()
  if(ARG_NO_WAVEFRONT)
    list(APPEND flags --wavefront=false)
  endif()
  if(ARG_THREADS)
    list(APPEND flags --threads ${ARG_THREADS})
  endif()
  if(ARG_TARGET)
    list(APPEND flags --target ${ARG_TARGET})
  endif()
  if(ARG_PRECISION)
    list(APPEND flags --precision ${ARG_PRECISION})
  endif()
  if(ARG_PROJECTION STREQUAL "halide")
    if(NOT TARGET rnnc::rnnrt_halide)
      message(FATAL_ERROR "rnnc_add_model(${target}): PROJECTION halide needs rnnc built with "
                          "RNNC_ENABLE_HALIDE=ON (target rnnc::rnnrt_halide)")
    endif()
    list(APPEND flags --halide-projection)
  elseif(ARG_PROJECTION AND NOT ARG_PROJECTION STREQUAL "loops")
    message(FATAL_ERROR "rnnc_add_model(${target}): PROJECTION must be loops or halide, "
                        "not '${ARG_PROJECTION}'")
  endif()
  add_custom_command(
    OUTPUT "${object}" "${header}"
    COMMAND "${CMAKE_COMMAND}" -E make_directory "${dir}"
    COMMAND rnnc::rnnc compile "${model}" ${flags} -o "${object}" --header "${header}"
    DEPENDS "${model}" rnnc::rnnc
    COMMENT "rnnc: compiling ${ARG_FROM} to ${ARG_NAME}.o and ${ARG_NAME}.h"
    VERBATIM)
  set_source_files_properties("${object}" PROPERTIES EXTERNAL_OBJECT TRUE GENERATED TRUE)
  add_library(${target} STATIC "${object}" "${header}")
  set_target_properties(${target} PROPERTIES LINKER_LANGUAGE C)
  target_include_directories(${target} PUBLIC "${dir}")
  target_link_libraries(${target} PUBLIC rnnc::rnnrt)
  if(ARG_THREADS GREATER 1)
    find_library(RNNC_LIBOMP NAMES omp PATHS /usr/lib/llvm-19/lib REQUIRED)
    target_link_libraries(${target} PUBLIC ${RNNC_LIBOMP})
  endif()
  if(ARG_PROJECTION STREQUAL "halide")
    target_link_libraries(${target} PUBLIC rnnc::rnnrt_halide)
  endif()
endfunction()
