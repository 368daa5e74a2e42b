#include "rnnrt/model.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "device.h"
#include "message.h"

/* MLIR marks memrefs backed by a constant global (not heap memory) with this
 * allocated pointer. */
#define RNNRT_GLOBAL_SENTINEL ((intptr_t)0xdeadbeef)
#define RNNRT_ALIGNMENT 64

struct rnnrt_instance {
  const rnnrt_model_t *model;
  rnnrt_allocator_t allocator;
  /* Where tensors live and the kernel runs (host bookkeeping stays in
   * `allocator` memory). */
  const rnnrt_device_ops_t *ops;
  void *device;
  int64_t batch;
  int32_t keep_state;
  int32_t has_outputs;
  char last_error[512];
  uint64_t memory_limit;  /* 0: none */
  uint64_t memory_in_use; /* bookkeeping, state and the mask set by the host */

  /* Per input: the state buffer of a carried state input (else data NULL). */
  rnnrt_tensor_t *state;
  /* Lengths set by the host (int64, `batch` values) and the per-call default. */
  int64_t *lengths;
  int32_t lengths_set;
  void *lengths_host;   /* the model's dtype, `batch` values: defaults, checks */
  void *lengths_buffer; /* device memory: the defaults the kernel reads */
  uint8_t *mask;        /* set by the host (host memory): batch * mask_time bytes */
  int64_t mask_time;
  void *mask_buffer; /* device memory: the host's mask or all ones, per call */
  size_t mask_buffer_bytes;

  /* Outputs of the last run and their capacities. */
  rnnrt_tensor_t *outputs;
  size_t *output_capacity;

  /* Per-call scratch, sized at creation. */
  int64_t *symbols;
  rnnrt_tensor_t *bound;  /* the inputs after defaults */
  int64_t *input_fields;  /* memref descriptors of the inputs */
  int64_t *result_fields; /* memref descriptors the kernel fills */
  void **args;            /* kernel arguments */
  void **fresh_outputs;   /* output buffers grown during a call */
  size_t *fresh_capacity;

  /* Buffers the host allocated with rnnrt_instance_device_alloc. */
  void **host_buffers;
  size_t *host_buffer_bytes;
  size_t num_host_buffers, host_buffer_capacity;
};

static size_t descriptor_fields(int32_t rank) { return 3 + 2 * (size_t)rank; }

/* Saturating at SIZE_MAX, which no allocation or check lets through. */
static size_t element_count(const rnnrt_tensor_t *tensor) {
  size_t count = 1;
  for (int32_t d = 0; d < tensor->rank; ++d)
    if (__builtin_mul_overflow(count, (size_t)tensor->dims[d], &count))
      return SIZE_MAX;
  return count;
}

size_t rnnrt_tensor_bytes(const rnnrt_tensor_t *tensor) {
  size_t bytes;
  if (!tensor)
    return 0;
  if (__builtin_mul_overflow(element_count(tensor), rnnrt_dtype_size(tensor->dtype),
                             &bytes))
    return SIZE_MAX;
  return bytes;
}

static rnnrt_status_t set_error(rnnrt_instance_t *instance, rnnrt_status_t status,
                                const char *format, ...) __attribute__((format(printf, 3, 4)));

static rnnrt_status_t set_error(rnnrt_instance_t *instance, rnnrt_status_t status,
                                const char *format, ...) {
  va_list args;
  va_start(args, format);
  vsnprintf(instance->last_error, sizeof instance->last_error, format, args);
  va_end(args);
  return status;
}

static rnnrt_status_t succeed(rnnrt_instance_t *instance) {
  instance->last_error[0] = '\0';
  return RNNRT_STATUS_OK;
}

/* More than any x86-64 or AArch64 process can address (47 bits of user
 * space): sizes past it are refused whatever the memory limit, so that no
 * product of sizes wraps in the runtime or in generated code. */
#define ADDRESSABLE_BYTES (UINT64_C(1) << 47)

/* Saturating: a sum or product past 2^64 exceeds every limit. */
static uint64_t add_bytes(uint64_t a, uint64_t b) { return a + b < a ? UINT64_MAX : a + b; }

static uint64_t mul_bytes(uint64_t a, uint64_t b) {
  uint64_t product;
  return __builtin_mul_overflow(a, b, &product) ? UINT64_MAX : product;
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

static void *allocate(const rnnrt_allocator_t *allocator, size_t bytes) {
  void *p = allocator->alloc(allocator->self, bytes == 0 ? 1 : bytes, RNNRT_ALIGNMENT);
  if (p)
    memset(p, 0, bytes == 0 ? 1 : bytes);
  return p;
}

/* A failed device call: its message becomes the instance's. */
static rnnrt_status_t device_failed(rnnrt_instance_t *instance, rnnrt_status_t status) {
  return set_error(instance, status, "%s", instance->ops->error(instance->device));
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
  void *blocks[] = {instance->state,           instance->lengths,
                    instance->lengths_host,    instance->mask,
                    instance->outputs,         instance->output_capacity,
                    instance->symbols,         instance->bound,
                    instance->input_fields,    instance->result_fields,
                    instance->args,            instance->fresh_outputs,
                    instance->fresh_capacity,  instance->host_buffers,
                    instance->host_buffer_bytes};
  for (size_t i = 0; i < sizeof blocks / sizeof blocks[0]; ++i)
    a.free(a.self, blocks[i]);
  a.free(a.self, instance);
}

static int32_t find_role(const rnnrt_model_t *model, rnnrt_role_t role) {
  for (uint32_t i = 0; i < model->num_inputs; ++i)
    if (model->inputs[i].role == (int32_t)role)
      return (int32_t)i;
  return -1;
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
  status = model->device == RNNRT_DEVICE_CUDA
               ? rnnrt_cuda_device_create(model, options, &allocator, &instance->device, message,
                                          capacity)
               : rnnrt_cpu_device_create(model, &allocator, &instance->device, message, capacity);
  if (status != RNNRT_STATUS_OK) {
    rnnrt_instance_destroy(instance);
    return status;
  }
  instance->ops =
      model->device == RNNRT_DEVICE_CUDA ? rnnrt_cuda_device_ops() : rnnrt_cpu_device_ops();
  instance->state = allocate(&allocator, ni * sizeof(rnnrt_tensor_t));
  instance->lengths = allocate(&allocator, (size_t)batch * sizeof(int64_t));
  instance->lengths_host = allocate(&allocator, (size_t)batch * sizeof(int64_t));
  instance->lengths_buffer = instance->ops->alloc(instance->device, (size_t)batch * sizeof(int64_t));
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
      !instance->lengths_buffer || !instance->outputs ||
      !instance->output_capacity || !instance->symbols || !instance->bound ||
      !instance->input_fields || !instance->result_fields || !instance->args ||
      !instance->fresh_outputs || !instance->fresh_capacity) {
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

rnnrt_status_t rnnrt_instance_set_sequence_lengths(rnnrt_instance_t *instance,
                                                   const int32_t *lengths, int64_t count) {
  if (!instance)
    return RNNRT_STATUS_INVALID_ARGUMENT;
  if (find_role(instance->model, RNNRT_ROLE_SEQUENCE_LENGTHS) < 0)
    return set_error(instance, RNNRT_STATUS_FAILED_PRECONDITION,
                     "model '%s' has no sequence-lengths input", instance->model->name);
  if (!lengths) {
    instance->lengths_set = 0;
    return succeed(instance);
  }
  if (count != instance->batch)
    return set_error(instance, RNNRT_STATUS_INVALID_ARGUMENT,
                     "expected %lld sequence lengths (the batch), got %lld",
                     (long long)instance->batch, (long long)count);
  for (int64_t b = 0; b < count; ++b)
    if (lengths[b] < 0)
      return set_error(instance, RNNRT_STATUS_OUT_OF_RANGE,
                       "sequence length of row %lld is %d; lengths must be >= 0", (long long)b,
                       lengths[b]);
  for (int64_t b = 0; b < count; ++b)
    instance->lengths[b] = lengths[b];
  instance->lengths_set = 1;
  return succeed(instance);
}

rnnrt_status_t rnnrt_instance_set_mask(rnnrt_instance_t *instance, const uint8_t *mask,
                                       int64_t batch, int64_t time) {
  if (!instance)
    return RNNRT_STATUS_INVALID_ARGUMENT;
  if (find_role(instance->model, RNNRT_ROLE_MASK) < 0)
    return set_error(instance, RNNRT_STATUS_FAILED_PRECONDITION, "model '%s' has no mask input",
                     instance->model->name);
  rnnrt_allocator_t *a = &instance->allocator;
  if (!mask) {
    if (instance->mask)
      instance->memory_in_use -= (uint64_t)(instance->batch * instance->mask_time);
    a->free(a->self, instance->mask);
    instance->mask = NULL;
    return succeed(instance);
  }
  if (batch != instance->batch || time < 0)
    return set_error(instance, RNNRT_STATUS_INVALID_ARGUMENT,
                     "the mask must be [%lld, T] with T >= 0, got [%lld, %lld]",
                     (long long)instance->batch, (long long)batch, (long long)time);
  uint64_t bytes = mul_bytes((uint64_t)batch, (uint64_t)time);
  uint64_t previous = instance->mask ? (uint64_t)(instance->batch * instance->mask_time) : 0;
  uint64_t in_use = add_bytes(instance->memory_in_use - previous, bytes);
  if (instance->memory_limit > 0 && in_use > instance->memory_limit)
    return set_error(instance, RNNRT_STATUS_LIMIT_EXCEEDED,
                     "a [%lld, %lld] mask would bring the instance to %llu bytes, over its "
                     "memory limit of %llu",
                     (long long)batch, (long long)time, (unsigned long long)in_use,
                     (unsigned long long)instance->memory_limit);
  if (bytes > SIZE_MAX)
    return set_error(instance, RNNRT_STATUS_OUT_OF_MEMORY, "out of memory");
  uint8_t *copy = allocate(a, (size_t)bytes);
  if (!copy)
    return set_error(instance, RNNRT_STATUS_OUT_OF_MEMORY, "out of memory");
  for (int64_t i = 0; i < batch * time; ++i)
    copy[i] = mask[i] != 0;
  a->free(a->self, instance->mask);
  instance->mask = copy;
  instance->mask_time = time;
  instance->memory_in_use = in_use;
  return succeed(instance);
}

/* Resolves the sizes of an input the host left NULL from the bound symbols. */
static rnnrt_status_t resolve_dims(rnnrt_instance_t *instance, const rnnrt_tensor_info_t *info,
                                   rnnrt_tensor_t *tensor) {
  const rnnrt_model_t *model = instance->model;
  tensor->dtype = info->dtype;
  tensor->rank = info->rank;
  for (int32_t d = 0; d < info->rank; ++d) {
    int64_t size = info->dims[d];
    if (size < 0) {
      int32_t symbol = (int32_t)(-1 - size);
      size = instance->symbols[symbol];
      if (size < 0)
        return set_error(instance, RNNRT_STATUS_INVALID_ARGUMENT,
                         "input '%s' is NULL and its size %s is not set by any other input",
                         info->name, model->symbols[symbol]);
    }
    tensor->dims[d] = size;
  }
  return RNNRT_STATUS_OK;
}

/* Fills the kernel view of input `i`, applying the instance's defaults. */
static rnnrt_status_t bind_default(rnnrt_instance_t *instance, uint32_t i) {
  const rnnrt_tensor_info_t *info = &instance->model->inputs[i];
  rnnrt_tensor_t *tensor = &instance->bound[i];
  if (info->role == RNNRT_ROLE_DATA || info->role == RNNRT_ROLE_INDICES)
    return set_error(instance, RNNRT_STATUS_INVALID_ARGUMENT, "input '%s' has no data", info->name);
  rnnrt_status_t status = resolve_dims(instance, info, tensor);
  if (status != RNNRT_STATUS_OK)
    return status;
  switch (info->role) {
  case RNNRT_ROLE_STATE:
    if (!instance->state[i].data)
      return set_error(instance, RNNRT_STATUS_INVALID_ARGUMENT,
                       "state input '%s' has run-time sizes other than the batch; pass it "
                       "explicitly",
                       info->name);
    tensor->data = instance->state[i].data;
    return RNNRT_STATUS_OK;
  case RNNRT_ROLE_SEQUENCE_LENGTHS: {
    int64_t limit =
        info->limit_symbol >= 0 ? instance->symbols[info->limit_symbol] : info->limit_static;
    int64_t count = tensor->rank > 0 ? tensor->dims[0] : 1;
    if (count > instance->batch)
      return set_error(instance, RNNRT_STATUS_INVALID_ARGUMENT,
                       "input '%s' has %lld rows but the instance has %lld", info->name,
                       (long long)count, (long long)instance->batch);
    for (int64_t b = 0; b < count; ++b) {
      int64_t value = instance->lengths_set ? instance->lengths[b] : limit;
      if (tensor->dtype == RNNRT_DTYPE_I32)
        ((int32_t *)instance->lengths_host)[b] = (int32_t)value;
      else
        ((int64_t *)instance->lengths_host)[b] = value;
    }
    if (instance->ops->upload(instance->device, instance->lengths_buffer, instance->lengths_host,
                              rnnrt_tensor_bytes(tensor)) != RNNRT_STATUS_OK)
      return device_failed(instance, RNNRT_STATUS_DEVICE_ERROR);
    tensor->data = instance->lengths_buffer;
    return RNNRT_STATUS_OK;
  }
  case RNNRT_ROLE_MASK: {
    int64_t time = tensor->rank == 2 ? tensor->dims[1] : 0;
    if (instance->mask && instance->mask_time != time)
      return set_error(instance, RNNRT_STATUS_INVALID_ARGUMENT,
                       "the mask set on the instance has %lld steps but this call has %lld",
                       (long long)instance->mask_time, (long long)time);
    size_t bytes = element_count(tensor);
    const rnnrt_device_ops_t *ops = instance->ops;
    if (bytes > instance->mask_buffer_bytes) {
      void *grown = ops->alloc(instance->device, bytes);
      if (!grown)
        return set_error(instance, RNNRT_STATUS_OUT_OF_MEMORY, "out of memory for the mask");
      ops->free(instance->device, instance->mask_buffer);
      instance->mask_buffer = grown;
      instance->mask_buffer_bytes = bytes;
    }
    rnnrt_status_t filled =
        instance->mask ? ops->upload(instance->device, instance->mask_buffer, instance->mask, bytes)
                       : ops->fill(instance->device, instance->mask_buffer, 1, bytes);
    if (filled != RNNRT_STATUS_OK)
      return device_failed(instance, RNNRT_STATUS_DEVICE_ERROR);
    tensor->data = instance->mask_buffer;
    return RNNRT_STATUS_OK;
  }
  default:
    return set_error(instance, RNNRT_STATUS_INVALID_ARGUMENT, "input '%s' has no data", info->name);
  }
}

/* Checks an input the host passed and binds its run-time sizes. */
static rnnrt_status_t bind_given(rnnrt_instance_t *instance, uint32_t i,
                                 const rnnrt_tensor_t *given) {
  const rnnrt_model_t *model = instance->model;
  const rnnrt_tensor_info_t *info = &model->inputs[i];
  if (given->dtype != info->dtype)
    return set_error(instance, RNNRT_STATUS_INVALID_ARGUMENT, "input '%s' must be %s, got %s",
                     info->name, rnnrt_dtype_name(info->dtype),
                     rnnrt_dtype_name(given->dtype));
  if (given->rank != info->rank)
    return set_error(instance, RNNRT_STATUS_INVALID_ARGUMENT,
                     "input '%s' must have rank %d, got %d", info->name, info->rank, given->rank);
  for (int32_t d = 0; d < info->rank; ++d) {
    int64_t size = given->dims[d];
    if (size < 0)
      return set_error(instance, RNNRT_STATUS_INVALID_ARGUMENT,
                       "input '%s' dimension %d is negative (%lld)", info->name, d,
                       (long long)size);
    if ((uint64_t)size > ADDRESSABLE_BYTES)
      return set_error(instance, RNNRT_STATUS_INVALID_ARGUMENT,
                       "input '%s' dimension %d is %lld, more than a process can address",
                       info->name, d, (long long)size);
    if (info->dims[d] >= 0) {
      if (size != info->dims[d])
        return set_error(instance, RNNRT_STATUS_INVALID_ARGUMENT,
                         "input '%s' dimension %d must be %lld, got %lld", info->name, d,
                         (long long)info->dims[d], (long long)size);
      continue;
    }
    int32_t symbol = (int32_t)(-1 - info->dims[d]);
    int64_t *value = &instance->symbols[symbol];
    if (*value < 0) {
      *value = size;
    } else if (*value != size) {
      return set_error(instance, RNNRT_STATUS_INVALID_ARGUMENT,
                       "input '%s' dimension %d is %lld but %s is %lld%s", info->name, d,
                       (long long)size, model->symbols[symbol], (long long)*value,
                       symbol == model->batch_symbol ? " (the instance's batch)"
                                                     : " (from an earlier input)");
    }
  }
  instance->bound[i] = *given;
  return RNNRT_STATUS_OK;
}

/* Indices into a dimension of `limit` entries must lie in [-limit, limit)
 * (ONNX Gather: out of range is an error, not a clamp). They may live on a
 * device: read in chunks through a buffer on the stack, allocating nothing. */
static rnnrt_status_t check_indices(rnnrt_instance_t *instance, uint32_t i) {
  const rnnrt_tensor_info_t *info = &instance->model->inputs[i];
  const rnnrt_tensor_t *tensor = &instance->bound[i];
  int64_t limit =
      info->limit_symbol >= 0 ? instance->symbols[info->limit_symbol] : info->limit_static;
  if (limit < 0)
    return RNNRT_STATUS_OK; /* a size only the kernel knows: it clamps */
  size_t count = element_count(tensor), width = rnnrt_dtype_size(tensor->dtype);
  int64_t chunk[256];
  size_t per_chunk = sizeof chunk / width;
  for (size_t start = 0; start < count; start += per_chunk) {
    size_t n = count - start < per_chunk ? count - start : per_chunk;
    if (instance->ops->download(instance->device, chunk,
                                (const char *)tensor->data + start * width,
                                n * width) != RNNRT_STATUS_OK)
      return device_failed(instance, RNNRT_STATUS_DEVICE_ERROR);
    for (size_t k = 0; k < n; ++k) {
      int64_t value = tensor->dtype == RNNRT_DTYPE_I32 ? ((const int32_t *)chunk)[k] : chunk[k];
      if (value < -limit || value >= limit)
        return set_error(instance, RNNRT_STATUS_OUT_OF_RANGE,
                         "%s[%zu] = %lld is out of range [-%lld, %lld) of the dimension it "
                         "indexes",
                         info->name, start + k, (long long)value, (long long)limit,
                         (long long)limit);
    }
  }
  return RNNRT_STATUS_OK;
}

static rnnrt_status_t check_lengths(rnnrt_instance_t *instance, uint32_t i) {
  const rnnrt_tensor_info_t *info = &instance->model->inputs[i];
  const rnnrt_tensor_t *tensor = &instance->bound[i];
  int64_t limit =
      info->limit_symbol >= 0 ? instance->symbols[info->limit_symbol] : info->limit_static;
  size_t count = element_count(tensor);
  if (count > (size_t)instance->batch)
    return set_error(instance, RNNRT_STATUS_INVALID_ARGUMENT,
                     "input '%s' has %zu lengths but the instance has %lld rows", info->name,
                     count, (long long)instance->batch);
  /* The kernel may read them on a device: check a host copy. */
  if (tensor->data != instance->lengths_buffer &&
      instance->ops->download(instance->device, instance->lengths_host, tensor->data,
                              rnnrt_tensor_bytes(tensor)) != RNNRT_STATUS_OK)
    return device_failed(instance, RNNRT_STATUS_DEVICE_ERROR);
  for (size_t b = 0; b < count; ++b) {
    int64_t value = tensor->dtype == RNNRT_DTYPE_I32 ? ((const int32_t *)instance->lengths_host)[b]
                                                     : ((const int64_t *)instance->lengths_host)[b];
    if (value < 0 || (limit >= 0 && value > limit))
      return set_error(instance, RNNRT_STATUS_OUT_OF_RANGE,
                       "%s[%zu] = %lld is out of range [0, %lld]", info->name, b, (long long)value,
                       (long long)limit);
  }
  return RNNRT_STATUS_OK;
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

/* Refuses a call whose memory (the instance's own, the kernel's heap, the
 * output buffers and a default mask) would exceed the instance's limit, or,
 * limit or not, what a process can address (sizes whose products would wrap).
 * Runs once the given inputs have bound the run-time sizes, before any
 * allocation. */
static rnnrt_status_t check_memory(rnnrt_instance_t *instance, const rnnrt_tensor_t *inputs) {
  const rnnrt_model_t *model = instance->model;
  const int64_t *symbols = instance->symbols;
  uint64_t heap = 0, outputs = 0, mask = 0;
  for (uint32_t t = 0; t < model->num_heap_terms; ++t) {
    const rnnrt_memory_term_t *term = &model->heap_terms[t];
    uint64_t bytes = term->bytes;
    for (int32_t f = 0; f < term->num_factors; ++f) {
      int64_t size = symbols[term->factors[f]];
      bytes = mul_bytes(bytes, size > 0 ? (uint64_t)size : 0);
    }
    heap = add_bytes(heap, bytes);
  }
  for (uint32_t i = 0; i < model->num_outputs; ++i)
    outputs = add_bytes(outputs, info_bytes(&model->outputs[i], symbols));
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
                   (unsigned long long)total, (unsigned long long)heap,
                   (unsigned long long)outputs,
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
    if ((status = bind_given(instance, i, &inputs[i])) != RNNRT_STATUS_OK)
      return status;
  }
  if ((status = check_memory(instance, inputs)) != RNNRT_STATUS_OK)
    return status;
  for (uint32_t i = 0; i < model->num_inputs; ++i) {
    if (inputs[i].data)
      continue;
    if ((status = bind_default(instance, i)) != RNNRT_STATUS_OK)
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
         (status = check_lengths(instance, i)) != RNNRT_STATUS_OK) ||
        (model->inputs[i].role == RNNRT_ROLE_INDICES &&
         (status = check_indices(instance, i)) != RNNRT_STATUS_OK))
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
  if (ops->run(instance->device, instance->args) != RNNRT_STATUS_OK) {
    status = device_failed(instance, RNNRT_STATUS_DEVICE_ERROR);
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
    copied = copied && gather(instance, desc, info->rank,
                              rnnrt_dtype_size(info->dtype),
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

rnnrt_status_t rnnrt_instance_output_shape(rnnrt_instance_t *instance,
                                           const rnnrt_tensor_t *inputs, size_t num_inputs,
                                           size_t index, rnnrt_tensor_t *out_tensor) {
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
    if (inputs[i].data && (status = bind_given(instance, i, &inputs[i])) != RNNRT_STATUS_OK)
      return status;
  }
  const rnnrt_tensor_info_t *info = &model->outputs[index];
  out_tensor->data = NULL;
  out_tensor->dtype = info->dtype;
  out_tensor->rank = info->rank;
  for (int32_t d = 0; d < info->rank; ++d)
    out_tensor->dims[d] = info->dims[d] >= 0 ? info->dims[d] : instance->symbols[-1 - info->dims[d]];
  return succeed(instance);
}

rnnrt_status_t rnnrt_instance_copy_outputs(rnnrt_instance_t *instance,
                                           void *const *destinations, const size_t *capacities,
                                           size_t count) {
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
                     bytes, (unsigned long long)in_use,
                     (unsigned long long)instance->memory_limit);
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
    return set_error(instance, RNNRT_STATUS_OUT_OF_MEMORY, "out of memory for %zu bytes%s%s",
                     bytes, why[0] ? ": " : "", why);
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
