#include "rnnrt/model.h"

#include <stdlib.h>
#include <string.h>

#include "instance.h"
#include "message.h"

static size_t descriptor_fields(int32_t rank) { return 3 + 2 * (size_t)rank; }

size_t rnnrt_tensor_bytes(const rnnrt_tensor_t *tensor) {
  size_t bytes;
  if (!tensor)
    return 0;
  if (__builtin_mul_overflow(element_count(tensor), rnnrt_dtype_size(tensor->dtype), &bytes))
    return SIZE_MAX;
  return bytes;
}

/* Bytes of a tensor of `info` with the run-time sizes in `symbols` (negative:
 * unknown, counted as 0). */
static uint64_t info_bytes(const rnnrt_tensor_info_t *info, const int64_t *symbols) {
  uint64_t bytes = rnnrt_dtype_size(info->dtype);
  for (int32_t d = 0; d < info->rank; ++d) {
    int64_t size = info->dims[d] >= 0 ? info->dims[d] : symbols[-1 - info->dims[d]];
    bytes = mul_bytes(bytes, size > 0 ? (uint64_t)size : 0);
  }
  return bytes;
}

void rnnrt_instance_options_initialize(rnnrt_instance_options_t *options) {
  if (!options)
    return;
  memset(options, 0, sizeof *options);
  options->allocator = rnnrt_allocator_system();
}

void rnnrt_instance_destroy(rnnrt_instance_t *instance) {
  if (!instance)
    return;
  rnnrt_allocator_t a = instance->allocator;
  const rnnrt_model_t *model = instance->model;
  if (instance->ops) {
    void *device = instance->device;
    if (instance->state)
      for (uint32_t i = 0; i < model->num_inputs; ++i)
        instance->ops->free(device, instance->state[i].data);
    if (instance->outputs)
      for (uint32_t i = 0; i < model->num_outputs; ++i)
        instance->ops->free(device, instance->outputs[i].data);
    instance->ops->free(device, instance->lengths_buffer);
    instance->ops->free(device, instance->mask_buffer);
    for (size_t i = 0; i < instance->num_host_buffers; ++i)
      instance->ops->free(device, instance->host_buffers[i]);
    instance->ops->destroy(device);
  }
  void *blocks[] = {instance->state,          instance->lengths,      instance->lengths_host,
                    instance->mask,           instance->outputs,      instance->output_capacity,
                    instance->symbols,        instance->bound,        instance->input_fields,
                    instance->result_fields,  instance->args,         instance->fresh_outputs,
                    instance->fresh_capacity, instance->host_buffers, instance->host_buffer_bytes};
  for (size_t i = 0; i < sizeof blocks / sizeof blocks[0]; ++i)
    a.free(a.self, blocks[i]);
  a.free(a.self, instance);
}

rnnrt_status_t rnnrt_instance_create(const rnnrt_model_t *model,
                                     const rnnrt_instance_options_t *options,
                                     rnnrt_instance_t **out_instance, char *message,
                                     size_t capacity) {
  if (!out_instance)
    return rnnrt_fail(message, capacity, RNNRT_STATUS_INVALID_ARGUMENT, "out_instance is NULL");
  *out_instance = NULL;
  rnnrt_status_t status = rnnrt_model_verify(model, message, capacity);
  if (status != RNNRT_STATUS_OK)
    return status;
  rnnrt_instance_options_t defaults;
  rnnrt_instance_options_initialize(&defaults);
  if (!options)
    options = &defaults;
  rnnrt_allocator_t allocator = options->allocator;
  if (!allocator.alloc && !allocator.free)
    allocator = rnnrt_allocator_system();
  if (!allocator.alloc || !allocator.free)
    return rnnrt_fail(message, capacity, RNNRT_STATUS_INVALID_ARGUMENT,
                      "the allocator needs both alloc and free");

  int64_t batch = options->batch;
  if (model->batch_symbol < 0) {
    int64_t fixed = model->max_batch > 0 ? model->max_batch : 1;
    if (batch != 0 && batch != fixed)
      return rnnrt_fail(message, capacity, RNNRT_STATUS_INVALID_ARGUMENT,
                        "model '%s' has a static batch of %lld, not %lld", model->name,
                        (long long)fixed, (long long)batch);
    batch = fixed;
  } else if (batch <= 0) {
    return rnnrt_fail(message, capacity, RNNRT_STATUS_INVALID_ARGUMENT,
                      "model '%s' has a dynamic batch: set options.batch (rows per call) to a "
                      "positive value, got %lld",
                      model->name, (long long)batch);
  } else if (model->max_batch > 0 && batch > model->max_batch) {
    return rnnrt_fail(message, capacity, RNNRT_STATUS_OUT_OF_RANGE,
                      "batch %lld exceeds the model's limit of %lld rows", (long long)batch,
                      (long long)model->max_batch);
  }

  uint32_t ni = model->num_inputs, no = model->num_outputs;
  size_t input_fields = 0, result_fields = 0;
  for (uint32_t i = 0; i < ni; ++i)
    input_fields += descriptor_fields(model->inputs[i].rank);
  for (uint32_t i = 0; i < no; ++i)
    result_fields += descriptor_fields(model->outputs[i].rank);

  uint64_t in_use = sizeof(rnnrt_instance_t) + 2 * ni * sizeof(rnnrt_tensor_t) +
                    no * (sizeof(rnnrt_tensor_t) + 2 * sizeof(size_t) + sizeof(void *)) +
                    (model->num_symbols + 1 + input_fields + result_fields) * sizeof(int64_t) +
                    (ni + 1) * sizeof(void *);
  /* lengths, lengths_host and lengths_buffer */
  in_use = add_bytes(in_use, mul_bytes((uint64_t)batch, 3 * sizeof(int64_t)));
  for (uint32_t i = 0; i < ni; ++i) {
    const rnnrt_tensor_info_t *info = &model->inputs[i];
    if (info->role != RNNRT_ROLE_STATE)
      continue;
    uint64_t bytes = rnnrt_dtype_size(info->dtype);
    for (int32_t d = 0; d < info->rank; ++d)
      bytes = mul_bytes(bytes, info->dims[d] >= 0 ? (uint64_t)info->dims[d] : (uint64_t)batch);
    in_use = add_bytes(in_use, bytes);
  }
  if (options->memory_limit > 0) {
    if (!model->heap_bounded)
      return rnnrt_fail(message, capacity, RNNRT_STATUS_FAILED_PRECONDITION,
                        "model '%s' allocates memory of sizes only its kernel knows, so an "
                        "instance cannot be given a memory limit",
                        model->name);
    if (in_use > options->memory_limit)
      return rnnrt_fail(message, capacity, RNNRT_STATUS_LIMIT_EXCEEDED,
                        "an instance of model '%s' with batch %lld needs %llu bytes, over the "
                        "memory limit of %llu",
                        model->name, (long long)batch, (unsigned long long)in_use,
                        (unsigned long long)options->memory_limit);
  }
  if (in_use > ADDRESSABLE_BYTES)
    return rnnrt_fail(message, capacity, RNNRT_STATUS_INVALID_ARGUMENT,
                      "an instance of model '%s' with batch %lld would need %llu bytes, more "
                      "than a process can address",
                      model->name, (long long)batch, (unsigned long long)in_use);

  if (options->workspace && model->device == RNNRT_DEVICE_CUDA)
    return rnnrt_fail(message, capacity, RNNRT_STATUS_INVALID_ARGUMENT,
                      "a workspace is for CPU models; model '%s' runs on CUDA, whose memory the "
                      "instance takes from the device",
                      model->name);
  if (options->workspace && !model->heap_bounded)
    return rnnrt_fail(message, capacity, RNNRT_STATUS_FAILED_PRECONDITION,
                      "model '%s' allocates memory of sizes only its kernel knows, so it cannot "
                      "run in a workspace of the caller's",
                      model->name);
  if (!options->workspace && options->workspace_bytes > 0)
    return rnnrt_fail(message, capacity, RNNRT_STATUS_INVALID_ARGUMENT,
                      "workspace_bytes is %llu but workspace is NULL",
                      (unsigned long long)options->workspace_bytes);
  if (options->keep_state && find_role(model, RNNRT_ROLE_STATE) < 0)
    return rnnrt_fail(message, capacity, RNNRT_STATUS_INVALID_ARGUMENT,
                      "keep_state is set, but model '%s' has no state to keep (compile it with "
                      "its state exposed)",
                      model->name);
  rnnrt_instance_t *instance = allocate(&allocator, sizeof *instance);
  if (!instance)
    return rnnrt_fail(message, capacity, RNNRT_STATUS_OUT_OF_MEMORY, "out of memory");
  instance->model = model;
  instance->allocator = allocator;
  instance->batch = batch;
  instance->keep_state = options->keep_state != 0;
  instance->memory_limit = options->memory_limit;
  instance->memory_in_use = in_use;
  instance->caller_workspace = options->workspace != NULL;
  status = model->device == RNNRT_DEVICE_CUDA
               ? rnnrt_cuda_device_create(model, options, &allocator, &instance->device, message,
                                          capacity)
               : rnnrt_cpu_device_create(model, options, &allocator, &instance->device, message,
                                         capacity);
  if (status != RNNRT_STATUS_OK) {
    rnnrt_instance_destroy(instance);
    return status;
  }
  instance->ops =
      model->device == RNNRT_DEVICE_CUDA ? rnnrt_cuda_device_ops() : rnnrt_cpu_device_ops();
  instance->state = allocate(&allocator, ni * sizeof(rnnrt_tensor_t));
  instance->lengths = allocate(&allocator, (size_t)batch * sizeof(int64_t));
  instance->lengths_host = allocate(&allocator, (size_t)batch * sizeof(int64_t));
  instance->lengths_buffer =
      instance->ops->alloc(instance->device, (size_t)batch * sizeof(int64_t));
  instance->outputs = allocate(&allocator, no * sizeof(rnnrt_tensor_t));
  instance->output_capacity = allocate(&allocator, no * sizeof(size_t));
  instance->symbols = allocate(&allocator, (model->num_symbols + 1) * sizeof(int64_t));
  instance->bound = allocate(&allocator, ni * sizeof(rnnrt_tensor_t));
  instance->input_fields = allocate(&allocator, input_fields * sizeof(int64_t));
  instance->result_fields = allocate(&allocator, result_fields * sizeof(int64_t));
  instance->args = allocate(&allocator, (ni + 1) * sizeof(void *));
  instance->fresh_outputs = allocate(&allocator, no * sizeof(void *));
  instance->fresh_capacity = allocate(&allocator, no * sizeof(size_t));
  if (!instance->state || !instance->lengths || !instance->lengths_host ||
      !instance->lengths_buffer || !instance->outputs || !instance->output_capacity ||
      !instance->symbols || !instance->bound || !instance->input_fields ||
      !instance->result_fields || !instance->args || !instance->fresh_outputs ||
      !instance->fresh_capacity) {
    rnnrt_instance_destroy(instance);
    return rnnrt_fail(message, capacity, RNNRT_STATUS_OUT_OF_MEMORY, "out of memory");
  }

  /* A state input is carried when its sizes are static or the batch. */
  for (uint32_t i = 0; i < ni; ++i) {
    const rnnrt_tensor_info_t *info = &model->inputs[i];
    if (info->role != RNNRT_ROLE_STATE)
      continue;
    rnnrt_tensor_t *state = &instance->state[i];
    int carried = 1;
    state->dtype = info->dtype;
    state->rank = info->rank;
    for (int32_t d = 0; d < info->rank; ++d) {
      int64_t size = info->dims[d];
      if (size < 0) {
        if (-1 - size != model->batch_symbol)
          carried = 0;
        size = batch;
      }
      state->dims[d] = size;
    }
    if (!carried)
      continue;
    state->data = instance->ops->alloc(instance->device, rnnrt_tensor_bytes(state));
    if (!state->data) {
      rnnrt_instance_destroy(instance);
      return rnnrt_fail(message, capacity, RNNRT_STATUS_OUT_OF_MEMORY, "out of memory");
    }
  }
  *out_instance = instance;
  return RNNRT_STATUS_OK;
}

const rnnrt_model_t *rnnrt_instance_model(const rnnrt_instance_t *instance) {
  return instance ? instance->model : NULL;
}

int64_t rnnrt_instance_batch(const rnnrt_instance_t *instance) {
  return instance ? instance->batch : 0;
}

const char *rnnrt_instance_last_error(const rnnrt_instance_t *instance) {
  return instance ? instance->last_error : "instance is NULL";
}

/* Copies a possibly strided kernel result into contiguous `out`. */
static rnnrt_status_t gather(rnnrt_instance_t *instance, const int64_t *desc, int32_t rank,
                             size_t width, char *out) {
  const rnnrt_device_ops_t *ops = instance->ops;
  const char *base = (const char *)(intptr_t)desc[1] + desc[2] * (int64_t)width;
  const int64_t *sizes = desc + 3, *strides = desc + 3 + rank;
  size_t total = 1;
  int contiguous = 1;
  int64_t expected = 1;
  for (int32_t d = rank - 1; d >= 0; --d) {
    total *= (size_t)sizes[d];
    if (sizes[d] != 1 && strides[d] != expected)
      contiguous = 0;
    expected *= sizes[d];
  }
  if (total == 0)
    return RNNRT_STATUS_OK;
  if (contiguous)
    return ops->copy(instance->device, out, base, total * width);
  int64_t index[RNNRT_MAX_RANK] = {0};
  for (size_t n = 0; n < total; ++n) {
    int64_t offset = 0;
    for (int32_t d = 0; d < rank; ++d)
      offset += index[d] * strides[d];
    rnnrt_status_t status =
        ops->copy(instance->device, out + n * width, base + offset * (int64_t)width, width);
    if (status != RNNRT_STATUS_OK)
      return status;
    for (int32_t d = rank - 1; d >= 0; --d) {
      if (++index[d] < sizes[d])
        break;
      index[d] = 0;
    }
  }
  return RNNRT_STATUS_OK;
}

static int is_input_pointer(const rnnrt_instance_t *instance, const void *p) {
  for (uint32_t i = 0; i < instance->model->num_inputs; ++i)
    if (instance->bound[i].data == p)
      return 1;
  return 0;
}

/* Frees each heap buffer the kernel returned, once. */
static void release_results(rnnrt_instance_t *instance) {
  const rnnrt_model_t *model = instance->model;
  size_t field = 0;
  for (uint32_t i = 0; i < model->num_outputs; ++i) {
    int64_t *desc = instance->result_fields + field;
    field += descriptor_fields(model->outputs[i].rank);
    void *allocated = (void *)(intptr_t)desc[0];
    if (!allocated || desc[0] == RNNRT_GLOBAL_SENTINEL || is_input_pointer(instance, allocated))
      continue;
    size_t later = field;
    int duplicate = 0;
    for (uint32_t j = i + 1; j < model->num_outputs && !duplicate; ++j) {
      if ((void *)(intptr_t)instance->result_fields[later] == allocated)
        duplicate = 1;
      later += descriptor_fields(model->outputs[j].rank);
    }
    if (!duplicate)
      instance->ops->release(instance->device, allocated);
  }
}

/* The model's heap bound for the run-time sizes `symbols` (negative: 0). */
static uint64_t heap_bytes(const rnnrt_model_t *model, const int64_t *symbols) {
  uint64_t heap = 0;
  for (uint32_t t = 0; t < model->num_heap_terms; ++t) {
    const rnnrt_memory_term_t *term = &model->heap_terms[t];
    uint64_t bytes = term->bytes;
    for (int32_t f = 0; f < term->num_factors; ++f) {
      int64_t size = symbols[term->factors[f]];
      bytes = mul_bytes(bytes, size > 0 ? (uint64_t)size : 0);
    }
    heap = add_bytes(heap, bytes);
  }
  return heap;
}

rnnrt_status_t rnnrt_instance_workspace_size(const rnnrt_model_t *model, const int64_t *sizes,
                                             size_t num_sizes, uint64_t *out_bytes, char *message,
                                             size_t capacity) {
  rnnrt_status_t status = rnnrt_model_verify(model, message, capacity);
  if (status != RNNRT_STATUS_OK)
    return status;
  if (!out_bytes || (num_sizes > 0 && !sizes))
    return rnnrt_fail(message, capacity, RNNRT_STATUS_INVALID_ARGUMENT,
                      "%s is NULL", out_bytes ? "sizes" : "out_bytes");
  if (num_sizes != model->num_symbols)
    return rnnrt_fail(message, capacity, RNNRT_STATUS_INVALID_ARGUMENT,
                      "model '%s' has %u run-time sizes, got %zu", model->name,
                      model->num_symbols, num_sizes);
  for (size_t s = 0; s < num_sizes; ++s)
    if (sizes[s] < 0)
      return rnnrt_fail(message, capacity, RNNRT_STATUS_INVALID_ARGUMENT,
                        "run-time size %s is %lld; sizes are not negative", model->symbols[s],
                        (long long)sizes[s]);
  if (!model->heap_bounded)
    return rnnrt_fail(message, capacity, RNNRT_STATUS_FAILED_PRECONDITION,
                      "model '%s' allocates memory of sizes only its kernel knows, so its "
                      "workspace cannot be sized in advance",
                      model->name);
  /* The caller's workspace may start anywhere: up to 63 bytes go to alignment. */
  *out_bytes = add_bytes(heap_bytes(model, sizes), 64);
  return RNNRT_STATUS_OK;
}

rnnrt_status_t rnnrt_instance_workspace_used(const rnnrt_instance_t *instance,
                                             uint64_t *out_bytes) {
  if (!instance || !out_bytes)
    return RNNRT_STATUS_INVALID_ARGUMENT;
  if (!instance->ops->workspace_used)
    return RNNRT_STATUS_FAILED_PRECONDITION;
  *out_bytes = instance->ops->workspace_used(instance->device);
  return RNNRT_STATUS_OK;
}

/* Refuses a call whose memory (the instance's own, the kernel's heap, the
 * output buffers and a default mask) would exceed the instance's limit, or,
 * limit or not, what a process can address (sizes whose products would wrap).
 * Runs once the given inputs have bound the run-time sizes, before any
 * allocation. */
static rnnrt_status_t check_memory(rnnrt_instance_t *instance, const rnnrt_tensor_t *inputs) {
  const rnnrt_model_t *model = instance->model;
  const int64_t *symbols = instance->symbols;
  uint64_t heap = heap_bytes(model, symbols), outputs = 0, mask = 0;
  instance->call_heap = heap;
  /* A caller's workspace is the caller's memory, not the instance's. */
  if (instance->caller_workspace)
    heap = 0;
  /* An output of a size only the kernel determines is one of the kernel's
   * allocations (within its heap bound) or a view of an input: all of them
   * together take at most the heap plus the inputs. */
  int unknown = 0;
  for (uint32_t i = 0; i < model->num_outputs; ++i) {
    const rnnrt_tensor_info_t *info = &model->outputs[i];
    for (int32_t d = 0; d < info->rank; ++d)
      unknown |= info->dims[d] < 0 && symbols[-1 - info->dims[d]] < 0;
    outputs = add_bytes(outputs, info_bytes(info, symbols));
  }
  if (unknown) {
    outputs = add_bytes(outputs, instance->call_heap);
    for (uint32_t i = 0; i < model->num_inputs; ++i)
      if (inputs[i].data)
        outputs = add_bytes(outputs, rnnrt_tensor_bytes(&inputs[i]));
  }
  for (uint32_t i = 0; i < model->num_inputs; ++i)
    if (model->inputs[i].role == RNNRT_ROLE_MASK && !inputs[i].data)
      mask = info_bytes(&model->inputs[i], symbols);
  uint64_t total = add_bytes(add_bytes(instance->memory_in_use, heap), add_bytes(outputs, mask));
  if (instance->memory_limit == 0 || total <= instance->memory_limit) {
    if (total <= ADDRESSABLE_BYTES)
      return RNNRT_STATUS_OK;
    return set_error(instance, RNNRT_STATUS_INVALID_ARGUMENT,
                     "this call's sizes would need %llu bytes (kernel %llu, outputs %llu), more "
                     "than a process can address",
                     (unsigned long long)total, (unsigned long long)heap,
                     (unsigned long long)outputs);
  }
  return set_error(instance, RNNRT_STATUS_LIMIT_EXCEEDED,
                   "this call needs %llu bytes (kernel %llu, outputs %llu, instance %llu), over "
                   "the instance's memory limit of %llu",
                   (unsigned long long)total, (unsigned long long)heap, (unsigned long long)outputs,
                   (unsigned long long)add_bytes(instance->memory_in_use, mask),
                   (unsigned long long)instance->memory_limit);
}

rnnrt_status_t rnnrt_instance_run(rnnrt_instance_t *instance, const rnnrt_tensor_t *inputs,
                                  size_t num_inputs) {
  if (!instance)
    return RNNRT_STATUS_INVALID_ARGUMENT;
  const rnnrt_model_t *model = instance->model;
  if (num_inputs != model->num_inputs)
    return set_error(instance, RNNRT_STATUS_INVALID_ARGUMENT, "model '%s' has %u inputs, got %zu",
                     model->name, model->num_inputs, num_inputs);
  if (num_inputs > 0 && !inputs)
    return set_error(instance, RNNRT_STATUS_INVALID_ARGUMENT, "inputs is NULL");

  for (uint32_t s = 0; s < model->num_symbols; ++s)
    instance->symbols[s] = -1;
  if (model->batch_symbol >= 0)
    instance->symbols[model->batch_symbol] = instance->batch;
  rnnrt_status_t status;
  for (uint32_t i = 0; i < model->num_inputs; ++i) {
    if (!inputs[i].data)
      continue;
    if ((status = rnnrt_bind_given(instance, i, &inputs[i])) != RNNRT_STATUS_OK)
      return status;
  }
  if ((status = check_memory(instance, inputs)) != RNNRT_STATUS_OK)
    return status;
  for (uint32_t i = 0; i < model->num_inputs; ++i) {
    if (inputs[i].data)
      continue;
    if ((status = rnnrt_bind_default(instance, i)) != RNNRT_STATUS_OK)
      return status;
  }
  if (model->symbol_minimums)
    for (uint32_t s = 0; s < model->num_symbols; ++s)
      if (instance->symbols[s] >= 0 && instance->symbols[s] < model->symbol_minimums[s])
        return set_error(instance, RNNRT_STATUS_INVALID_ARGUMENT,
                         "run-time size %s is %lld but the model reads at least %lld entries "
                         "along it",
                         model->symbols[s], (long long)instance->symbols[s],
                         (long long)model->symbol_minimums[s]);
  for (uint32_t i = 0; i < model->num_inputs; ++i)
    if ((model->inputs[i].role == RNNRT_ROLE_SEQUENCE_LENGTHS &&
         (status = rnnrt_check_lengths(instance, i)) != RNNRT_STATUS_OK) ||
        (model->inputs[i].role == RNNRT_ROLE_INDICES &&
         (status = rnnrt_check_indices(instance, i)) != RNNRT_STATUS_OK))
      return status;

  size_t field = 0;
  instance->args[0] = instance->result_fields;
  for (uint32_t i = 0; i < model->num_inputs; ++i) {
    const rnnrt_tensor_t *tensor = &instance->bound[i];
    int64_t *desc = instance->input_fields + field;
    field += descriptor_fields(tensor->rank);
    desc[0] = desc[1] = (int64_t)(intptr_t)tensor->data;
    desc[2] = 0;
    int64_t stride = 1;
    for (int32_t d = tensor->rank - 1; d >= 0; --d) {
      desc[3 + d] = tensor->dims[d];
      desc[3 + tensor->rank + d] = stride;
      stride *= tensor->dims[d];
    }
    instance->args[1 + i] = desc;
  }
  const rnnrt_device_ops_t *ops = instance->ops;
  if ((status = ops->run(instance->device, instance->args, instance->call_heap)) !=
      RNNRT_STATUS_OK) {
    status = device_failed(instance, status);
    release_results(instance);
    return status;
  }

  /* Grow output buffers first so that a failed allocation changes nothing. */
  int failed = 0;
  field = 0;
  for (uint32_t i = 0; i < model->num_outputs; ++i) {
    const rnnrt_tensor_info_t *info = &model->outputs[i];
    const int64_t *desc = instance->result_fields + field;
    field += descriptor_fields(info->rank);
    size_t bytes = rnnrt_dtype_size(info->dtype);
    for (int32_t d = 0; d < info->rank; ++d)
      bytes *= (size_t)desc[3 + d];
    instance->fresh_outputs[i] = NULL;
    instance->fresh_capacity[i] = bytes;
    if (bytes > instance->output_capacity[i] || !instance->outputs[i].data) {
      instance->fresh_outputs[i] = ops->alloc(instance->device, bytes);
      failed |= instance->fresh_outputs[i] == NULL;
    }
  }
  if (failed) {
    for (uint32_t i = 0; i < model->num_outputs; ++i)
      ops->free(instance->device, instance->fresh_outputs[i]);
    release_results(instance);
    return set_error(instance, RNNRT_STATUS_OUT_OF_MEMORY, "out of memory for the outputs");
  }
  field = 0;
  int copied = 1;
  for (uint32_t i = 0; i < model->num_outputs; ++i) {
    const rnnrt_tensor_info_t *info = &model->outputs[i];
    const int64_t *desc = instance->result_fields + field;
    field += descriptor_fields(info->rank);
    rnnrt_tensor_t *out = &instance->outputs[i];
    if (instance->fresh_outputs[i]) {
      ops->free(instance->device, out->data);
      out->data = instance->fresh_outputs[i];
      instance->output_capacity[i] = instance->fresh_capacity[i];
    }
    out->dtype = info->dtype;
    out->rank = info->rank;
    for (int32_t d = 0; d < info->rank; ++d)
      out->dims[d] = desc[3 + d];
    copied = copied && gather(instance, desc, info->rank, rnnrt_dtype_size(info->dtype),
                              out->data) == RNNRT_STATUS_OK;
  }
  release_results(instance);
  /* Only a device copy can fail here; the outputs are then undefined. */
  instance->has_outputs = copied;
  if (!copied)
    return device_failed(instance, RNNRT_STATUS_DEVICE_ERROR);

  if (instance->keep_state)
    for (uint32_t i = 0; i < model->num_inputs; ++i) {
      const rnnrt_tensor_info_t *info = &model->inputs[i];
      rnnrt_tensor_t *state = &instance->state[i];
      if (info->role != RNNRT_ROLE_STATE || info->pair < 0 || !state->data)
        continue;
      const rnnrt_tensor_t *next = &instance->outputs[info->pair];
      if (rnnrt_tensor_bytes(next) == rnnrt_tensor_bytes(state) &&
          ops->copy(instance->device, state->data, next->data, rnnrt_tensor_bytes(state)) !=
              RNNRT_STATUS_OK)
        return device_failed(instance, RNNRT_STATUS_DEVICE_ERROR);
    }
  return succeed(instance);
}

rnnrt_status_t rnnrt_instance_output(rnnrt_instance_t *instance, size_t index,
                                     rnnrt_tensor_t *out_tensor) {
  if (!instance)
    return RNNRT_STATUS_INVALID_ARGUMENT;
  if (!out_tensor)
    return set_error(instance, RNNRT_STATUS_INVALID_ARGUMENT, "out_tensor is NULL");
  if (index >= instance->model->num_outputs)
    return set_error(instance, RNNRT_STATUS_INVALID_ARGUMENT,
                     "output index %zu is out of range (the model has %u outputs)", index,
                     instance->model->num_outputs);
  if (!instance->has_outputs)
    return set_error(instance, RNNRT_STATUS_FAILED_PRECONDITION,
                     "no outputs yet: rnnrt_instance_run has not succeeded on this instance");
  *out_tensor = instance->outputs[index];
  return succeed(instance);
}

rnnrt_status_t rnnrt_instance_output_shape(rnnrt_instance_t *instance, const rnnrt_tensor_t *inputs,
                                           size_t num_inputs, size_t index,
                                           rnnrt_tensor_t *out_tensor) {
  if (!instance)
    return RNNRT_STATUS_INVALID_ARGUMENT;
  const rnnrt_model_t *model = instance->model;
  if (!out_tensor)
    return set_error(instance, RNNRT_STATUS_INVALID_ARGUMENT, "out_tensor is NULL");
  if (index >= model->num_outputs)
    return set_error(instance, RNNRT_STATUS_INVALID_ARGUMENT,
                     "output index %zu is out of range (the model has %u outputs)", index,
                     model->num_outputs);
  if (num_inputs != model->num_inputs)
    return set_error(instance, RNNRT_STATUS_INVALID_ARGUMENT, "model '%s' has %u inputs, got %zu",
                     model->name, model->num_inputs, num_inputs);
  if (num_inputs > 0 && !inputs)
    return set_error(instance, RNNRT_STATUS_INVALID_ARGUMENT, "inputs is NULL");
  /* The sizes as rnnrt_instance_run binds them; it binds them again. */
  for (uint32_t s = 0; s < model->num_symbols; ++s)
    instance->symbols[s] = -1;
  if (model->batch_symbol >= 0)
    instance->symbols[model->batch_symbol] = instance->batch;
  for (uint32_t i = 0; i < model->num_inputs; ++i) {
    rnnrt_status_t status;
    if (inputs[i].data && (status = rnnrt_bind_given(instance, i, &inputs[i])) != RNNRT_STATUS_OK)
      return status;
  }
  const rnnrt_tensor_info_t *info = &model->outputs[index];
  out_tensor->data = NULL;
  out_tensor->dtype = info->dtype;
  out_tensor->rank = info->rank;
  for (int32_t d = 0; d < info->rank; ++d)
    out_tensor->dims[d] =
        info->dims[d] >= 0 ? info->dims[d] : instance->symbols[-1 - info->dims[d]];
  return succeed(instance);
}

rnnrt_status_t rnnrt_instance_copy_outputs(rnnrt_instance_t *instance, void *const *destinations,
                                           const size_t *capacities, size_t count) {
  if (!instance)
    return RNNRT_STATUS_INVALID_ARGUMENT;
  const rnnrt_model_t *model = instance->model;
  if (count != model->num_outputs)
    return set_error(instance, RNNRT_STATUS_INVALID_ARGUMENT,
                     "model '%s' has %u outputs, got %zu destinations", model->name,
                     model->num_outputs, count);
  if (count > 0 && (!destinations || !capacities))
    return set_error(instance, RNNRT_STATUS_INVALID_ARGUMENT,
                     "destinations and capacities must not be NULL");
  if (!instance->has_outputs)
    return set_error(instance, RNNRT_STATUS_FAILED_PRECONDITION,
                     "no outputs yet: rnnrt_instance_run has not succeeded on this instance");
  for (size_t i = 0; i < count; ++i) {
    size_t bytes = rnnrt_tensor_bytes(&instance->outputs[i]);
    if (destinations[i] && bytes > capacities[i])
      return set_error(instance, RNNRT_STATUS_INVALID_ARGUMENT,
                       "output '%s' needs %zu bytes but its destination holds %zu",
                       model->outputs[i].name, bytes, capacities[i]);
  }
  for (size_t i = 0; i < count; ++i)
    if (destinations[i] &&
        instance->ops->download(instance->device, destinations[i], instance->outputs[i].data,
                                rnnrt_tensor_bytes(&instance->outputs[i])) != RNNRT_STATUS_OK)
      return device_failed(instance, RNNRT_STATUS_DEVICE_ERROR);
  return succeed(instance);
}

rnnrt_status_t rnnrt_instance_state(rnnrt_instance_t *instance, size_t input_index,
                                    rnnrt_tensor_t *out_tensor) {
  if (!instance)
    return RNNRT_STATUS_INVALID_ARGUMENT;
  if (!out_tensor)
    return set_error(instance, RNNRT_STATUS_INVALID_ARGUMENT, "out_tensor is NULL");
  if (input_index >= instance->model->num_inputs || !instance->state[input_index].data)
    return set_error(instance, RNNRT_STATUS_INVALID_ARGUMENT,
                     "input %zu is not a state the instance carries", input_index);
  *out_tensor = instance->state[input_index];
  return succeed(instance);
}

rnnrt_status_t rnnrt_instance_reset_state(rnnrt_instance_t *instance, const uint8_t *rows,
                                          int64_t count) {
  if (!instance)
    return RNNRT_STATUS_INVALID_ARGUMENT;
  if (rows && count != instance->batch)
    return set_error(instance, RNNRT_STATUS_INVALID_ARGUMENT,
                     "expected %lld row flags (the batch), got %lld", (long long)instance->batch,
                     (long long)count);
  for (uint32_t i = 0; i < instance->model->num_inputs; ++i) {
    rnnrt_tensor_t *state = &instance->state[i];
    if (!state->data)
      continue;
    size_t bytes = rnnrt_tensor_bytes(state);
    const rnnrt_device_ops_t *ops = instance->ops;
    if (!rows || state->rank == 0) {
      if (ops->fill(instance->device, state->data, 0, bytes) != RNNRT_STATUS_OK)
        return device_failed(instance, RNNRT_STATUS_DEVICE_ERROR);
      continue;
    }
    /* States are [batch, ...]: one row is bytes / batch. */
    size_t row_bytes = state->dims[0] > 0 ? bytes / (size_t)state->dims[0] : 0;
    for (int64_t b = 0; b < state->dims[0] && b < count; ++b)
      if (rows[b] && ops->fill(instance->device, (char *)state->data + (size_t)b * row_bytes, 0,
                               row_bytes) != RNNRT_STATUS_OK)
        return device_failed(instance, RNNRT_STATUS_DEVICE_ERROR);
  }
  return succeed(instance);
}

rnnrt_status_t rnnrt_instance_device_alloc(rnnrt_instance_t *instance, size_t bytes,
                                           void **out_data) {
  if (!instance)
    return RNNRT_STATUS_INVALID_ARGUMENT;
  if (!out_data)
    return set_error(instance, RNNRT_STATUS_INVALID_ARGUMENT, "out_data is NULL");
  *out_data = NULL;
  uint64_t in_use = add_bytes(instance->memory_in_use, bytes);
  if (instance->memory_limit > 0 && in_use > instance->memory_limit)
    return set_error(instance, RNNRT_STATUS_LIMIT_EXCEEDED,
                     "a buffer of %zu bytes would bring the instance to %llu bytes, over its "
                     "memory limit of %llu",
                     bytes, (unsigned long long)in_use, (unsigned long long)instance->memory_limit);
  rnnrt_allocator_t *a = &instance->allocator;
  if (instance->num_host_buffers == instance->host_buffer_capacity) {
    size_t capacity = instance->host_buffer_capacity ? 2 * instance->host_buffer_capacity : 8;
    void **buffers = allocate(a, capacity * sizeof(void *));
    size_t *sizes = allocate(a, capacity * sizeof(size_t));
    if (!buffers || !sizes) {
      a->free(a->self, buffers);
      a->free(a->self, sizes);
      return set_error(instance, RNNRT_STATUS_OUT_OF_MEMORY, "out of memory");
    }
    if (instance->num_host_buffers > 0) {
      memcpy(buffers, instance->host_buffers, instance->num_host_buffers * sizeof(void *));
      memcpy(sizes, instance->host_buffer_bytes, instance->num_host_buffers * sizeof(size_t));
    }
    a->free(a->self, instance->host_buffers);
    a->free(a->self, instance->host_buffer_bytes);
    instance->host_buffers = buffers;
    instance->host_buffer_bytes = sizes;
    instance->host_buffer_capacity = capacity;
  }
  void *data = instance->ops->alloc(instance->device, bytes);
  if (!data) {
    const char *why = instance->ops->error(instance->device);
    return set_error(instance, RNNRT_STATUS_OUT_OF_MEMORY, "out of memory for %zu bytes%s%s", bytes,
                     why[0] ? ": " : "", why);
  }
  instance->host_buffers[instance->num_host_buffers] = data;
  instance->host_buffer_bytes[instance->num_host_buffers++] = bytes;
  instance->memory_in_use = in_use;
  *out_data = data;
  return succeed(instance);
}

rnnrt_status_t rnnrt_instance_device_free(rnnrt_instance_t *instance, void *data) {
  if (!instance)
    return RNNRT_STATUS_INVALID_ARGUMENT;
  if (!data)
    return succeed(instance);
  for (size_t i = 0; i < instance->num_host_buffers; ++i) {
    if (instance->host_buffers[i] != data)
      continue;
    instance->ops->free(instance->device, data);
    instance->memory_in_use -= instance->host_buffer_bytes[i];
    --instance->num_host_buffers;
    instance->host_buffers[i] = instance->host_buffers[instance->num_host_buffers];
    instance->host_buffer_bytes[i] = instance->host_buffer_bytes[instance->num_host_buffers];
    return succeed(instance);
  }
  return set_error(instance, RNNRT_STATUS_INVALID_ARGUMENT,
                   "%p is not a buffer of rnnrt_instance_device_alloc on this instance", data);
}

rnnrt_status_t rnnrt_instance_copy_to_device(rnnrt_instance_t *instance, void *device,
                                             const void *host, size_t bytes) {
  if (!instance)
    return RNNRT_STATUS_INVALID_ARGUMENT;
  if (bytes > 0 && (!device || !host))
    return set_error(instance, RNNRT_STATUS_INVALID_ARGUMENT, "a copy needs both pointers");
  if (instance->ops->upload(instance->device, device, host, bytes) != RNNRT_STATUS_OK)
    return device_failed(instance, RNNRT_STATUS_DEVICE_ERROR);
  return succeed(instance);
}

rnnrt_status_t rnnrt_instance_copy_to_host(rnnrt_instance_t *instance, void *host,
                                           const void *device, size_t bytes) {
  if (!instance)
    return RNNRT_STATUS_INVALID_ARGUMENT;
  if (bytes > 0 && (!device || !host))
    return set_error(instance, RNNRT_STATUS_INVALID_ARGUMENT, "a copy needs both pointers");
  if (instance->ops->download(instance->device, host, device, bytes) != RNNRT_STATUS_OK)
    return device_failed(instance, RNNRT_STATUS_DEVICE_ERROR);
  return succeed(instance);
}
