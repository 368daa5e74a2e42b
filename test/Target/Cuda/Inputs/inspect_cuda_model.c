/* Checks the descriptor of a CUDA model object (compiled with -DMODEL=<name>)
 * and, given a driver library, runs it once on B = 2 rows of T = 3 steps with
 * zero inputs and NULL state, lengths and masks:
 *   inspect_cuda_model ARCH [DRIVER]
 * Prints what it found; exits non-zero on any mismatch. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rnnrt/rnnrt.h"

#define CONCAT2(a, b) a##b
#define CONCAT(a, b) CONCAT2(a, b)
const rnnrt_model_t *CONCAT(MODEL, _model)(void);

static int fail(const char *what) {
  fprintf(stderr, "inspect_cuda_model: %s\n", what);
  return 1;
}

int main(int argc, char **argv) {
  if (argc < 2)
    return fail("usage: inspect_cuda_model ARCH [DRIVER]");
  const rnnrt_model_t *model = CONCAT(MODEL, _model)();
  char message[512] = "";
  if (rnnrt_model_verify(model, message, sizeof message) != RNNRT_STATUS_OK)
    return fail(message);
  const rnnrt_cuda_code_t *code = model->cuda;
  if (model->device != RNNRT_DEVICE_CUDA || model->kernel || !code)
    return fail("not a CUDA model");
  if (code->arch != atoi(argv[1]))
    return fail("wrong architecture");
  if (strlen(code->ptx) != code->ptx_size)
    return fail("the PTX size is wrong");
  for (uint32_t k = 0; k < code->num_kernels; ++k) {
    char entry[256];
    snprintf(entry, sizeof entry, ".entry %s(", code->kernel_names[k]);
    if (!strstr(code->ptx, entry))
      return fail("a kernel name is not an entry of the PTX");
  }
  if (code->cubin && (code->cubin_size < 64 || memcmp(code->cubin, "\177ELF", 4) != 0))
    return fail("the cubin is not an ELF file");
  printf("model %s: cuda sm_%d, %u kernels, %u constants, ptx %s, cubin %s\n", model->name,
         code->arch, code->num_kernels, code->num_constants, code->ptx_size > 0 ? "yes" : "no",
         code->cubin ? "yes" : "no");
  if (argc < 3)
    return 0;

  rnnrt_instance_options_t options;
  rnnrt_instance_options_initialize(&options);
  options.cuda_driver = argv[2];
  options.batch = model->batch_symbol >= 0 ? 2 : 0;
  rnnrt_instance_t *instance = NULL;
  rnnrt_status_t status = rnnrt_instance_create(model, &options, &instance, message, sizeof message);
  if (status != RNNRT_STATUS_OK) {
    printf("create: %s: %s\n", rnnrt_status_name(status), message);
    return 2;
  }
  /* "Device" memory of the fake driver is host memory. */
  int64_t batch = rnnrt_instance_batch(instance);
  rnnrt_tensor_t inputs[RNNRT_MAX_RANK * 4];
  void *buffers[RNNRT_MAX_RANK * 4] = {0};
  for (uint32_t i = 0; i < model->num_inputs; ++i) {
    const rnnrt_tensor_info_t *info = &model->inputs[i];
    inputs[i].dtype = info->dtype;
    inputs[i].rank = info->rank;
    for (int32_t d = 0; d < info->rank; ++d) {
      int64_t size = info->dims[d];
      if (size < 0)
        size = -1 - size == model->batch_symbol ? batch : 3;
      inputs[i].dims[d] = size;
    }
    inputs[i].data = NULL;
    if (info->role == RNNRT_ROLE_DATA) {
      buffers[i] = calloc(1, rnnrt_tensor_bytes(&inputs[i]) + 1);
      inputs[i].data = buffers[i];
    }
  }
  status = rnnrt_instance_run(instance, inputs, model->num_inputs);
  printf("run: %s%s%s\n", rnnrt_status_name(status), status ? ": " : "",
         rnnrt_instance_last_error(instance));
  for (uint32_t i = 0; i < model->num_inputs; ++i)
    free(buffers[i]);
  rnnrt_instance_destroy(instance);
  return status == RNNRT_STATUS_OK ? 0 : 3;
}
